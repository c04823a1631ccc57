/**
 * Measuring a prediction's inputs on in-process nodes (live-c, live-d of the live
 * cluster, serving gRPC on loopback), stepped by hand on a clock the spec turns:
 *
 * - the dirty sampler counts what the task dirties and leaves its dirty bits as
 *   they would have been had nobody looked;
 * - a prediction moves nothing, and reports the task's memory as it is;
 * - it refuses what StopAndTransfer refuses, with the same message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { ManualClock, migTaskClient, MigvisorError, seededIds, unary } from '../../src/common/index.ts';
import { loadCluster, type ClusterConfig } from '../../src/config/index.ts';
import { Node, NodeServer } from '../../src/hypervisor/index.ts';
import { assembleFor } from '../../src/machine/index.ts';
import { sampleDirty, type MigTask, type Prediction } from '../../src/migtask/index.ts';

const ROOT = path.resolve('.');
const LIVE = path.join(ROOT, 'test', 'fixtures', 'live-cluster.yaml');
const DIRTIER = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'programs', 'dirtier.s'), 'utf8');

interface Host {
  readonly node: Node;
  readonly server: NodeServer;
  readonly clock: ManualClock;
}

let seed = 300;
async function host(cluster: ClusterConfig, name: string): Promise<Host> {
  const clock = new ManualClock();
  const node = new Node(cluster.nodes.find((n) => n.name === name)!, cluster, { ids: seededIds(seed++), clock });
  const server = new NodeServer(node);
  await server.listen('127.0.0.1:0');
  return { node, server, clock };
}

/** The dirtier, with its FILL, WSET and PER_TICK lines replaced, in the bulk partition. */
function dirtier(h: Host, set: { FILL: number; WSET: number; PER_TICK: number }): MigTask {
  let source = DIRTIER;
  for (const [k, v] of Object.entries(set)) source = source.replace(new RegExp(`^${k} = .*$`, 'm'), `${k} = ${v}`);
  const pdef = h.node.def.partitions.find((p) => p.name === 'bulk')!;
  return h.node.startTask({ partition: 'bulk', assembled: { program: assembleFor(source, 'dirtier.s', pdef, h.node.def.cpu), name: 'dirtier.s' } });
}

/** Runs `work` while the node runs one tick per millisecond of its clock. */
async function driven<T>(h: Host, work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => (done = true));
  settled.catch(() => undefined);
  for (let i = 0; !done && i < 100_000; i++) {
    h.node.step();
    await h.clock.advance(1);
    await new Promise((r) => setImmediate(r));
  }
  return settled;
}

const dirtySet = (t: MigTask): number[] => t.space.pageTable.dirtyPages();

describe('predicting a migration (in-process nodes)', function () {
  let cluster: ClusterConfig;
  let src: Host;
  let dst: Host;

  before(async () => {
    cluster = loadCluster(LIVE);
    [src, dst] = await Promise.all([host(cluster, 'live-c'), host(cluster, 'live-d')]);
  });

  after(async () => {
    for (const h of [src, dst]) {
      await h.server.shutdown(500);
      h.node.shutdown();
    }
  });

  afterEach(() => {
    for (const h of [src, dst]) for (const t of h.node.slots) if (t.id && t.state === 'MigSource') h.node.kill(t.id);
  });

  describe('the dirty sampler', function () {
    it('counts the distinct pages dirtied at growing times, and puts the dirty bits back', async () => {
      const task = dirtier(src, { FILL: 64 * 1024, WSET: 64, PER_TICK: 1 });
      src.node.runTicks(20);
      const before = dirtySet(task);
      expect(before.length, 'the loaded and filled pages are dirty').to.be.greaterThan(16);
      const samples = await driven(src, sampleDirty(task, src.clock, { windowMs: 200, undisturbed: () => true }));
      expect(samples.map((s) => s.ms)).to.deep.equal([3.125, 6.25, 12.5, 25, 50, 100, 150, 200]);
      // 8 of every 10 ticks are bulk's: about 0.8 pages a millisecond, up to the 64 of the working set.
      for (const s of samples) expect(s.pages, `at ${s.ms} ms`).to.be.within(Math.min(64, Math.floor(s.ms * 0.8) - 2), Math.min(64, Math.ceil(s.ms * 0.8) + 2));
      const after = dirtySet(task);
      expect(after, 'every page dirty before still is').to.include.members(before);
      const heap = task.space.regionNamed('heap')!.firstPage;
      expect(after, 'and the working set is').to.include.members(Array.from({ length: 64 }, (_, i) => heap + i));
    });

    it('fails with ABORTED when a migration of the task began meanwhile', async () => {
      const task = dirtier(src, { FILL: 4096, WSET: 8, PER_TICK: 1 });
      src.node.runTicks(5);
      const err = await driven(src, sampleDirty(task, src.clock, { windowMs: 20, undisturbed: () => false })).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MigvisorError);
      expect((err as MigvisorError).code).to.equal(10);
      expect((err as Error).message).to.match(/a migration of task .* began while its dirty pages were measured/);
    });
  });

  describe('a prediction', function () {
    const options = (task: string, mode: 'full' | 'precopy' | 'lazy' = 'full') => ({ task, mode, compression: 'auto' as const, deadlineMs: 20_000, dirtyWindowMs: 40, probeBytes: 1 << 20 });

    it('moves nothing and reports the memory as it is', async () => {
      const task = dirtier(src, { FILL: 256 * 1024, WSET: 16, PER_TICK: 2 });
      src.node.runTicks(20);
      const id = task.id!;
      const p: Prediction = await driven(src, src.node.migrations.predict(dst.server.address, options(id, 'precopy')));
      expect(task.state).to.equal('MigSource');
      expect(src.node.findTask(id)).to.equal(task);
      expect(dst.node.findTask(id), 'nothing on the sink').to.equal(undefined);
      expect(dst.node.slots.filter((s) => s.state !== 'MigSink'), 'no slot of the sink is taken').to.deep.equal([]);
      const present = task.space.pageTable.presentCount();
      expect(p.inputs.presentPages).to.equal(present);
      // The heap's 64 filled pages, the code page and the data page, the stack page if used.
      expect(p.inputs.nonzeroPages).to.be.within(64 + 2, 64 + 4);
      expect(p.inputs.dirty.workingSetPages, 'the 16 pages of the working set (and the stack)').to.be.within(16, 18);
      expect(p.inputs.bandwidthBytesPerS).to.be.greaterThan(0);
      expect(p.inputs.rttMs).to.be.greaterThan(0);
      expect(p.inputs.compressionRatio, 'random pages do not compress').to.be.within(0.99, 1.01);
      expect(p.compression).to.equal('deflate');
      expect(p.mode).to.equal('precopy');
      expect(p.pagesPerRound[0]).to.equal(present);
      expect(p.totalMs).to.be.greaterThan(p.downtimeMs);
    });

    it('refuses what StopAndTransfer refuses, with the same message, and stops nothing', async () => {
      const task = dirtier(src, { FILL: 4096, WSET: 4, PER_TICK: 1 });
      src.node.runTicks(5);
      const id = task.id!;
      // live-a has no partition bulk.
      const other = await host(cluster, 'live-a');
      try {
        const failure = (p: Promise<unknown>): Promise<MigvisorError> =>
          p.then(
            () => Promise.reject(new Error('expected a refusal')),
            (e: unknown) => e as MigvisorError,
          );
        const real = await failure(src.node.migrations.migrate(other.server.address, options(id)));
        const predicted = await failure(src.node.migrations.predict(other.server.address, options(id)));
        expect(real).to.be.instanceOf(MigvisorError);
        expect(predicted.message).to.equal(real.message);
        expect(predicted.code).to.equal(real.code);
        expect(predicted.message).to.match(/migration refused: .* has no partition bulk/);
        expect(task.state).to.equal('MigSource');
      } finally {
        await other.server.shutdown(500);
        other.node.shutdown();
      }
    });

    it('is validated at the edge like StopAndTransfer: INVALID_ARGUMENT naming the field, NOT_FOUND for an unknown task', async () => {
      const task = dirtier(src, { FILL: 4096, WSET: 4, PER_TICK: 1 });
      const c = migTaskClient(src.server.address);
      try {
        const call = (r: Record<string, unknown>): Promise<MigvisorError> =>
          unary(c.PredictMigration, c, { taskId: task.id!, sink: dst.server.address, ...r }, 'PredictMigration').then(
            () => Promise.reject(new Error(`${JSON.stringify(r)}: expected a refusal`)),
            (e: unknown) => e as MigvisorError,
          );
        const table: [Record<string, unknown>, number, RegExp][] = [
          [{ taskId: '' }, 3, /^task_id: required/],
          [{ sink: 'nowhere' }, 3, /^sink: must be host:port/],
          [{ precopyMaxRounds: 0 }, 3, /^precopy_max_rounds: must be 1\.\.1000, got 0/],
          [{ dirtyWindowMs: 5 }, 3, /^dirty_window_ms: must be 10\.\.10000, got 5/],
          [{ probeBytes: 1024 }, 3, /^probe_bytes: must be 65536\.\.67108864, got 1024/],
          [{ taskId: 'nobody-000000' }, 5, /nobody-000000/],
        ];
        for (const [r, code, message] of table) {
          const e = await call(r);
          expect(e, JSON.stringify(r)).to.be.instanceOf(MigvisorError);
          expect(e.code, `${JSON.stringify(r)}: ${e.message}`).to.equal(code);
          expect(e.message, JSON.stringify(r)).to.match(message);
        }
      } finally {
        c.close();
      }
    });

    it('is refused while the task is being measured by another', async () => {
      const task = dirtier(src, { FILL: 4096, WSET: 4, PER_TICK: 1 });
      src.node.runTicks(5);
      const first = src.node.migrations.predict(dst.server.address, options(task.id!));
      const second = src.node.migrations.predict(dst.server.address, options(task.id!)).catch((e: unknown) => e as Error);
      const [, err] = await driven(src, Promise.all([first, second]));
      expect((err as Error).message).to.match(/PredictMigration refused in state MigSource: task .* is being measured by another prediction/);
    });
  });
});
