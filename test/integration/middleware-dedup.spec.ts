/**
 * The filesystem store with megabytes, through real processes: a task whose 8 MiB
 * heap holds incompressible data (fixtures/programs/middleware-heap.s) is parked,
 * restored and parked again. An unchanged re-park stores almost nothing new, one
 * that changed d pages about d pages; deleting a snapshot frees exactly the
 * chunks no other snapshot uses. A middleware killed in the middle of a park leaves
 * the task running on its node, no half snapshot, no temporary file, and a store
 * that opens and parks again.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { unary } from '../../src/common/clients.ts';
import {
  cleanup,
  consecutive,
  control,
  EventLog,
  fixture,
  oneLineError,
  poll,
  ps,
  spawnCli,
  startTask,
  tempDir,
  type NodeProcess,
} from '../support/processes.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { taskView } from '../support/wire-view.ts';
import {
  filesUnder,
  inspectOverGrpc,
  killMiddleware,
  listOverGrpc,
  mwCli,
  mwJson,
  mwOk,
  readManifest,
  forgetCluster,
  privateCluster,
  startMiddleware,
  startNodesApart,
  stopMiddlewares,
  type ListJson,
  type MiddlewareProcess,
  type SnapshotJson,
} from '../support/middleware-harness.ts';

/** A private copy of the fixture (its own node registry); made in before(). */
let BULK = '';
const HEAP = fixture('programs/middleware-heap.s');
const COUNT = 'count ';
const PAGE = 4096;
const HEAP_PAGES = 2048;

describe('Middleware store with megabytes: dedup, delete, a middleware killed mid-park', function () {
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let task: string;
  let logA: EventLog;
  let logB: EventLog;

  /** Every number the task printed, on either node, in order. */
  let history: () => number[];

  before(async function () {
    this.timeout(40_000);
    BULK = privateCluster(fixture('middleware-bulk.yaml'));
    nodes = await startNodesApart(BULK, ['bulk-a', 'bulk-b'], { boot: false });
    [A, B] = [nodes['bulk-a']!.address, nodes['bulk-b']!.address];
    task = await startTask(A, 'bulk', HEAP);
    logA = await EventLog.open(A, { task });
    logB = new EventLog(B, { task });
    // It counts only once its heap is filled.
    await logA.waitForNumber(task, COUNT, 2, 20_000);
    // The task runs on one node at a time and counts up: sorted, its numbers from
    // both nodes must be consecutive (a repeat or a gap stays visible).
    history = () => [...logA.numbers(task, COUNT), ...logB.numbers(task, COUNT)].sort((x, y) => x - y);
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (BULK) forgetCluster(BULK);
  });

  describe('dedup and delete', () => {
    let mw: MiddlewareProcess;
    let storeDir: string;
    const snaps: SnapshotJson[] = [];
    const storeBytes: number[] = [];
    let hashBeforePark = '';

    const park = async (node: string): Promise<SnapshotJson> => {
      const s = (await mwJson<{ snapshot: SnapshotJson }>(mw, BULK, ['snapshot', 'park', task, '--node', node], { timeoutMs: 60_000 })).snapshot;
      snaps.push(s);
      storeBytes.push(Number((await listOverGrpc(mw.address)).storeBytes));
      return s;
    };
    const restore = async (id: string, node: string): Promise<void> => {
      const out = await mwOk(mw, BULK, ['snapshot', 'restore', id, '--node', node], { timeoutMs: 60_000 });
      expect(out.trim()).to.equal(task);
    };
    const pause = async (address: string) => {
      const c = control(address);
      return taskView((await unary(c.Pause, c, { taskId: task }, `pause ${task}`)).task!);
    };
    const resume = async (address: string) => {
      const c = control(address);
      return taskView((await unary(c.Resume, c, { taskId: task }, `resume ${task}`)).task!);
    };
    const summary = async (address: string) => (await ps(address, true)).find((t) => t.taskId === task);

    before(async function () {
      this.timeout(30_000);
      storeDir = path.join(tempDir('migvisor-mw-dedup-'), 'store');
      mw = await startMiddleware(BULK, `file://${storeDir}`);
    });

    it('parks 8 MiB of incompressible heap: every stored page is new in an empty store', async () => {
      const s1 = await park('bulk-a');
      expect(Number(s1.storedPages), 'the heap and the program\'s pages').to.be.within(HEAP_PAGES + 1, HEAP_PAGES + 40);
      expect(Number(s1.newBytes)).to.equal(Number(s1.storedPages) * PAGE);
      expect(Number(s1.sharedBytes)).to.equal(0);
      expect(storeBytes[0]).to.equal(Number(s1.newBytes));
    });

    it('re-parks the restored task, paused so its memory stays as restored, with under 5 % new bytes, and the store grows by under 5 %', async () => {
      const [s1] = snaps;
      await restore(s1!.id, 'bulk-b');
      const paused = await pause(B);
      expect(paused.run).to.equal('paused');
      const ran = logB.numbers(task, COUNT).length;
      hashBeforePark = (await summary(B))!.memoryHash;
      const s2 = await park('bulk-b');
      const stored = Number(s2.storedPages) * PAGE;
      const newBytes = Number(s2.newBytes);
      const ratio = newBytes / stored;
      const growth = (storeBytes[1]! - storeBytes[0]!) / storeBytes[0]!;
      console.log(`      unchanged re-park: new ${newBytes} of ${stored} stored bytes (${(ratio * 100).toFixed(2)} %), store +${(growth * 100).toFixed(2)} %, ${ran} step(s) ran before the pause`);
      expect(ratio, 'new bytes / stored bytes').to.be.below(0.05);
      expect(growth, 'store growth').to.be.below(0.05);
      expect(storeBytes[1]! - storeBytes[0]!, 'the store grew by the new bytes').to.equal(newBytes);
      expect(Number(s2.sharedBytes)).to.equal(stored - newBytes);
      // Restoring and parking change no memory: what is new is what the task wrote
      // while it ran on bulk-b (one heap page per step, the page holding the count).
      expect(newBytes / PAGE, 'new pages').to.be.at.most(ran + 2);
    });

    it('changes no memory by parking and restoring: the task comes back paused, with the memory hash it had before the park', async () => {
      const [, s2] = snaps;
      await restore(s2!.id, 'bulk-a');
      const t = await summary(A);
      expect(t).to.include({ state: 'MigSource', run: 'paused', memoryHash: hashBeforePark });
    });

    it('re-parks a task that changed d heap pages with about d pages of new bytes', async () => {
      const from = Math.max(...history());
      expect((await resume(A)).run).to.not.equal('paused');
      await logA.waitForNumber(task, COUNT, from + 20, 10_000);
      const s3 = await park('bulk-a');
      const to = logA.numbers(task, COUNT).at(-1)!;
      const steps = to - from;
      const [newBytes, stored] = [Number(s3.newBytes), Number(s3.storedPages) * PAGE];
      const pages = newBytes / PAGE;
      console.log(`      changed re-park: ${steps} step(s) ran, new ${newBytes} bytes (${pages} pages) of ${stored} stored (${((100 * newBytes) / stored).toFixed(2)} %)`);
      expect(pages, `new pages after ${steps} steps (one heap page each, plus the count's page)`).to.be.within(steps, steps + 3);
      expect(Number(s3.sharedBytes)).to.equal(stored - newBytes);
      expect(storeBytes[2]! - storeBytes[1]!).to.equal(newBytes);
      expect(consecutive(history()), 'the counter across park, restore, pause and resume').to.equal(undefined);
    });

    it('frees on rm exactly the bytes only that snapshot used; the rest still restores and verifies; the last rm empties the store', async function () {
      this.timeout(60_000);
      const [s1, s2, s3] = snaps as [SnapshotJson, SnapshotJson, SnapshotJson];
      const chunks = (id: string) => new Set(readManifest(storeDir, id).pages.hashes());
      const onlyIn = (id: string, others: string[]): number => {
        const rest = new Set(others.flatMap((o) => [...chunks(o)]));
        return [...chunks(id)].filter((h) => !rest.has(h)).length * PAGE;
      };
      const rm = async (id: string, force = false): Promise<number> => {
        // A DeleteResponse: freed_bytes is a uint64, a string in JSON.
        const out = await mwJson<{ id: string; freedBytes: string }>(mw, BULK, ['snapshot', 'rm', id, ...(force ? ['--force'] : [])]);
        expect(out.id).to.equal(id);
        return Number(out.freedBytes);
      };

      // The first two differ only by the steps the task ran on bulk-b before its
      // pause (maybe none): the first may own no chunk at all.
      const expected1 = onlyIn(s1.id, [s2.id, s3.id]);
      expect(expected1).to.be.below(Number(s1.storedPages) * PAGE * 0.05);
      expect(await rm(s1.id), 'rm of the first (restored) snapshot').to.equal(expected1);
      expect(Number((await listOverGrpc(mw.address)).storeBytes)).to.equal(storeBytes[2]! - expected1);

      // The second holds the old content of the pages the task changed before the
      // third: chunks of its own. (The third is parked, the task lives in it.)
      const expected2 = onlyIn(s2.id, [s3.id]);
      expect(expected2, 'the second snapshot has chunks of its own').to.be.greaterThan(0);
      expect(await rm(s2.id)).to.equal(expected2);
      expect(Number((await listOverGrpc(mw.address)).storeBytes)).to.equal(storeBytes[2]! - expected1 - expected2);

      const report = await inspectOverGrpc(mw.address, s3.id);
      expect([report.verified, report.problems]).to.deep.equal([true, []]);
      const last = logA.numbers(task, COUNT).at(-1)!;
      await restore(s3.id, 'bulk-b');
      await logB.waitForNumber(task, COUNT, last + 2, 10_000);
      expect(logB.numbers(task, COUNT).filter((n) => n > last)[0], 'the counter after the last restore').to.equal(last + 1);
      expect(consecutive(history()), 'every number once, in order, across all the parks and restores').to.equal(undefined);

      const all = Number(s3.storedPages) * PAGE;
      expect(await rm(s3.id), 'rm of the last snapshot frees all it held').to.equal(all);
      const l = await mwJson<ListJson>(mw, BULK, ['snapshot', 'list']);
      expect([l.snapshots.length, Number(l.storeBytes), Number(l.chunks)], 'snapshots, store bytes, chunks').to.deep.equal([0, 0, 0]);
      expect(filesUnder(storeDir).filter((f) => f.startsWith('packs/')), 'pack files left').to.deep.equal([]);
    });
  });

  describe('a middleware killed during a park', () => {
    let storeDir: string;
    let proxy: TcpProxy;

    before(async function () {
      this.timeout(20_000);
      storeDir = path.join(tempDir('migvisor-mw-kill-'), 'store');
    });

    after(async () => {
      await proxy?.close();
    });

    it('leaves the task running on its node, no half snapshot, no temporary file, and a store that opens and parks again', async function () {
      this.timeout(60_000);
      const [onA, onB] = [(await ps(A)).some((t) => t.taskId === task), (await ps(B)).some((t) => t.taskId === task)];
      expect(onA || onB, 'the task runs on a node (left by the tests before)').to.equal(true);
      const where = onA ? { name: 'bulk-a', address: A, log: logA } : { name: 'bulk-b', address: B, log: logB };
      const mw = await startMiddleware(BULK, `file://${storeDir}`);
      // The node streams the task to the middleware through a proxy that freezes the
      // stream after 4 MiB (of 8): the middleware holds half a park when it dies.
      proxy = await TcpProxy.start(mw.address);
      proxy.holdAfter(4 << 20);
      const park = spawnCli(['migrate', task, '--from', where.address, '--to', proxy.address, '--compress', 'none', '--json', '--cluster', BULK], { timeoutMs: 60_000 });
      const holding = proxy.whenHolding(30_000);
      holding.catch(() => undefined);
      const ended = await Promise.race([holding.then(() => undefined), park.result]);
      if (ended) throw new Error(`the park ended before the proxy held any data: exit ${ended.code}: ${ended.stderr.trim()}`);
      expect((await ps(where.address)).find((t) => t.taskId === task)?.state, 'the task on its node, mid-park').to.equal('Transferring');
      await poll('the middleware to write part of the pack (a temporary file)', () => filesUnder(storeDir).some((f) => f.endsWith('.pack.tmp')), 10_000);
      const lastBefore = where.log.numbers(task, COUNT).at(-1)!;

      await killMiddleware(mw);
      const r = await park.result;
      expect(oneLineError(r)).to.match(/^migvisor: /);

      // The park failed before its commit: the node resumed the task.
      await poll('the task to run again on its node', async () => (await ps(where.address)).find((t) => t.taskId === task && t.state === 'MigSource' && t.run !== 'paused'), 10_000);
      await where.log.waitForNumber(task, COUNT, lastBefore + 3, 10_000);
      expect(consecutive(history()), 'no number lost or repeated').to.equal(undefined);

      const mw2 = await startMiddleware(BULK, `file://${storeDir}`);
      expect(filesUnder(storeDir).filter((f) => f.endsWith('.tmp')), 'temporary files after open').to.deep.equal([]);
      expect(filesUnder(storeDir).filter((f) => f.endsWith('.pack')), 'packs after open').to.deep.equal([]);
      const l = await mwJson<ListJson>(mw2, BULK, ['snapshot', 'list']);
      expect([l.snapshots, Number(l.storeBytes), Number(l.chunks)], 'no half snapshot').to.deep.equal([[], 0, 0]);

      const s = (await mwJson<{ snapshot: SnapshotJson }>(mw2, BULK, ['snapshot', 'park', task, '--node', where.name], { timeoutMs: 60_000 })).snapshot;
      expect(s).to.include({ taskId: task, state: 'SNAPSHOT_STATE_PARKED', sourceNode: where.name });
      expect(Number(s.storedPages)).to.be.greaterThan(HEAP_PAGES);
      const report = await inspectOverGrpc(mw2.address, s.id);
      expect([report.verified, report.problems]).to.deep.equal([true, []]);
      const rm = await mwCli(mw2, BULK, ['snapshot', 'rm', s.id, '--force']);
      expect(rm.code, rm.stderr).to.equal(0);
      expect(rm.stdout.trim()).to.equal(`deleted ${s.id}, freed ${Number(s.storedPages) * PAGE} bytes`);
    });
    it('keeps a snapshot parked while an older one sharing its chunks is deleted intact', async function () {
      this.timeout(60_000);
      const where = { name: 'bulk-a', address: A };
      const task = await startTask(A, 'bulk', HEAP);
      await (await EventLog.open(A, { task })).waitForNumber(task, COUNT, 1, 20_000);
      const mw = await startMiddleware(BULK, `file://${path.join(tempDir('migvisor-mw-race-'), 'store')}`);
      const old = (await mwJson<{ snapshot: SnapshotJson }>(mw, BULK, ['snapshot', 'park', task, '--node', where.name], { timeoutMs: 60_000 })).snapshot;
      await mwOk(mw, BULK, ['snapshot', 'restore', old.id, '--node', where.name], { timeoutMs: 60_000 });
      const slow = await TcpProxy.start(mw.address);
      try {
        slow.holdAfter(4 << 20);
        const park = spawnCli(['migrate', task, '--from', where.address, '--to', slow.address, '--compress', 'none', '--json', '--cluster', BULK], { timeoutMs: 60_000 });
        await slow.whenHolding(30_000);
        const rm = await mwCli(mw, BULK, ['snapshot', 'rm', old.id]);
        expect(rm.code, rm.stderr).to.equal(0);
        slow.release();
        const r = await park.result;
        expect(r.code, r.stderr).to.equal(0);
      } finally {
        await slow.close();
      }
      const [parked] = (await listOverGrpc(mw.address)).snapshots;
      const report = await inspectOverGrpc(mw.address, parked!.id);
      expect(report.problems).to.deep.equal([]);
    });
  });
});
