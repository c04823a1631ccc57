/**
 * The middleware as an operator uses it, with real processes (three nodes and a
 * middleware on its own filesystem store): park the counter from field-a into the
 * archive, find it with `where`, list it, restore it on field-b where it counts on
 * at N+1; refusals (incompatible node, restoring twice); a corrupted chunk is
 * reported by inspect and stops a restore before anything runs; the CLI's errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import {
  cleanup,
  cliJson,
  consecutive,
  EventLog,
  fixture,
  oneLineError,
  ps,
  runCli,
  sleep,
  slotStates,
  tempDir,
  type NodeProcess,
} from '../support/processes.ts';
import {
  failure,
  flipByte,
  freePort,
  inspectOverGrpc,
  listOverGrpc,
  locateChunk,
  mwCli,
  mwJson,
  mwOk,
  readManifest,
  snapshotOverGrpc,
  forgetCluster,
  privateCluster,
  startMiddleware,
  startNodesApart,
  stopMiddlewares,
  whereOverGrpc,
  type InspectJson,
  type ListJson,
  type MiddlewareProcess,
  type SnapshotJson,
} from '../support/middleware-harness.ts';

/** A private copy of the fixture (its own node registry); made in before(). */
let FIELD = '';
const COUNTER = 'counter ';

describe('Middleware: park on field-a, restore on field-b (node and middleware processes)', function () {
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let C: string;
  let mw: MiddlewareProcess;
  let storeDir: string;
  let counter: string;
  let fingerprint: string;
  let logA: EventLog;
  let logB: EventLog;
  /** The counter's snapshot, once parked. */
  let snap: SnapshotJson;
  let parkedAt: number;

  const cli = (args: readonly string[], timeoutMs?: number) => mwCli(mw, FIELD, args, timeoutMs ? { timeoutMs } : {});
  const json = <T>(args: readonly string[]) => mwJson<T>(mw, FIELD, args);
  /** Side checks go over gRPC: every CLI run costs a second of start-up. */
  const listed = (id: string) => snapshotOverGrpc(mw.address, id);
  const where = (task: string) => whereOverGrpc(mw.address, task);
  const tasksOn = async (address: string): Promise<string[]> => (await ps(address)).map((t) => t.taskId).filter((t) => t);

  before(async function () {
    this.timeout(40_000);
    FIELD = privateCluster(fixture('middleware-field.yaml'));
    storeDir = path.join(tempDir('migvisor-mw-'), 'store');
    nodes = await startNodesApart(FIELD, ['field-a', 'field-b', 'field-c']);
    [A, B, C] = [nodes['field-a']!.address, nodes['field-b']!.address, nodes['field-c']!.address];
    const ctrl = cliJson<{ slot: { fingerprint: string } | null }>(['info', '--node', 'field-a', '--partition', 'ctrl', '--cluster', FIELD]);
    ctrl.catch(() => undefined); // awaited below; meanwhile the middleware starts
    mw = await startMiddleware(FIELD, `file://${storeDir}`);
    counter = (await ps(A)).find((t) => t.program === 'counter.s')!.taskId;
    logA = await EventLog.open(A, { task: counter });
    logB = new EventLog(B, { task: counter });
    fingerprint = (await ctrl).slot?.fingerprint ?? '';
    expect(fingerprint).to.match(/^[0-9a-f]{64}$/);
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (FIELD) forgetCluster(FIELD);
  });

  it('serves on the address it printed, with the store it was given', () => {
    expect(mw.address).to.match(/^127\.0\.0\.1:\d+$/);
    expect(mw.store).to.equal(`file://${storeDir}`);
  });

  it('predicts a park (the archive serves Diagnostics) and parks nothing doing so', async () => {
    const r = await cliJson<{ prediction: { totalMs: number; pages: string; inputs: { bandwidthBytesPerS: number; nonzeroPages: string } } }>([
      'migrate', counter, '--from', 'field-a', '--to', mw.address, '--dry-run', '--probe-bytes', '1MiB', '--cluster', FIELD,
    ]);
    expect(r.prediction.totalMs).to.be.greaterThan(0);
    expect(r.prediction.inputs.bandwidthBytesPerS).to.be.greaterThan(0);
    expect(Number(r.prediction.pages)).to.equal(Number(r.prediction.inputs.nonzeroPages));
    expect(await tasksOn(A), 'the counter stays on field-a').to.include(counter);
    expect((await listOverGrpc(mw.address)).snapshots, 'nothing in the archive').to.deep.equal([]);
  });

  it('parks the counter with labels: it leaves field-a, prints no more, and `where` says parked in that snapshot', async () => {
    await logA.waitForNumber(counter, COUNTER, 3, 10_000);
    parkedAt = Date.now();
    // A ParkResponse, in the proto3 JSON mapping.
    const r = await json<{ snapshot: SnapshotJson; stats: { status: string; sink: string } }>([
      'snapshot', 'park', counter, '--node', 'field-a', '--label', 'site=plant-7', '--label', 'shift=night',
    ]);
    snap = r.snapshot;
    expect(snap).to.include({ taskId: counter, program: 'counter.s', sourceNode: 'field-a', partition: 'ctrl', state: 'SNAPSHOT_STATE_PARKED' });
    expect(snap.id).to.match(/^snap-/);
    expect(r.stats).to.include({ status: 'MIGRATION_STATUS_COMPLETED', sink: 'middleware' });

    expect(await slotStates(A, 'ctrl'), 'field-a').to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
    for (const node of [A, B, C]) expect(await tasksOn(node), `tasks on ${node}`).to.not.include(counter);
    const printed = logA.numbers(counter, COUNTER).length;
    await sleep(300);
    expect(logA.numbers(counter, COUNTER), 'console lines after the park').to.have.length(printed);

    expect((await cli(['where', counter])).stdout.trim()).to.equal(`${counter} is parked in snapshot ${snap.id}`);
    expect(await where(counter)).to.include({ taskId: counter, state: 'LOCATION_STATE_PARKED', snapshotId: snap.id, node: '', address: '' });
  });

  it('lists the snapshot with its labels, source node, the ctrl partition\'s fingerprint, sizes and created time', async () => {
    const [l, table] = await Promise.all([json<ListJson>(['snapshot', 'list']), mwOk(mw, FIELD, ['snapshot', 'list', '--label', 'site=plant-7'])]);
    expect(l.store).to.equal(`file://${storeDir}`);
    const s = l.snapshots.find((x) => x.id === snap.id)!;
    expect(s, 'listed').to.not.equal(undefined);
    // A ListResponse in the proto3 JSON mapping: enums by name, uint64 and int64 as strings, labels as {key, value}.
    expect(s).to.include({ taskId: counter, sourceNode: 'field-a', partition: 'ctrl', fingerprint, wordSize: 32, endian: 'ENDIAN_LITTLE', state: 'SNAPSHOT_STATE_PARKED', travelers: 1 });
    expect(Object.fromEntries(s.labels.map((x) => [x.key, x.value]))).to.deep.equal({ site: 'plant-7', shift: 'night' });
    expect(Number(s.memoryBytes), 'code 64 KiB + data 256 KiB + stack 64 KiB').to.equal(393216);
    expect(Number(s.storedPages)).to.be.greaterThan(0).and.lessThan(96);
    expect(Number(s.newBytes), 'a fresh store: every stored page is new').to.equal(Number(s.storedPages) * 4096);
    expect(Number(s.sharedBytes)).to.equal(0);
    expect([l.storeBytes, l.chunks]).to.deep.equal([s.newBytes, s.storedPages]);
    const created = Number(s.createdUnixMs);
    expect(created).to.be.within(parkedAt - 1000, Date.now());

    const row = table.split('\n').find((line) => line.includes(snap.id));
    expect(row, 'table row of `snapshot list --label site=plant-7`').to.match(/parked.*field-a.*ctrl.*(shift=night site=plant-7|site=plant-7 shift=night)/);
    expect(table).to.match(/store file:\/\/.*: \d+ chunks, \d+ bytes/);
    expect((await listOverGrpc(mw.address, { site: 'elsewhere' })).snapshots, 'another label value').to.deep.equal([]);
  });

  it('refuses to restore onto field-c (64-bit big-endian), naming the difference, and the snapshot stays parked', async () => {
    const before = await slotStates(C, 'ctrl');
    const r = await cli(['snapshot', 'restore', snap.id, '--node', 'field-c']);
    expect(oneLineError(r)).to.equal(`migvisor: restore refused: word size differs: snapshot ${snap.id} is 32-bit, field-c is 64-bit`);
    expect(await slotStates(C, 'ctrl')).to.deep.equal(before);
    expect((await listed(snap.id))?.state).to.equal('SNAPSHOT_STATE_PARKED');
    expect((await where(counter)).state).to.equal('LOCATION_STATE_PARKED');
  });

  it('restores onto field-b: the counter continues at N+1, `where` says field-b, the snapshot is listed as restored', async () => {
    const last = logA.numbers(counter, COUNTER).at(-1)!;
    const r = await cli(['snapshot', 'restore', snap.id, '--node', 'field-b']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim(), 'prints the task id').to.equal(counter);
    await logB.waitForNumber(counter, COUNTER, last + 3, 10_000);
    expect(logB.numbers(counter, COUNTER)[0], 'first number on field-b').to.equal(last + 1);
    expect(consecutive([...logA.numbers(counter, COUNTER), ...logB.numbers(counter, COUNTER)])).to.equal(undefined);

    expect(await where(counter)).to.include({ state: 'LOCATION_STATE_RUNNING', node: 'field-b', address: B, snapshotId: '' });
    expect(await listed(snap.id)).to.include({ state: 'SNAPSHOT_STATE_RESTORED', restoredTo: 'field-b' });
  });

  it('finds the middleware through the registry `middleware start` wrote, without --middleware', async () => {
    const r = await runCli(['where', counter, '--cluster', FIELD]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(`${counter} runs on field-b (${B})`);
  });

  it('refuses to restore a restored snapshot again; --as-copy starts a copy under a new id that counts on from the snapshot', async () => {
    const again = await cli(['snapshot', 'restore', snap.id, '--node', 'field-a']);
    expect(oneLineError(again)).to.equal(
      `migvisor: snapshot ${snap.id} was restored to field-b already (task ${counter} runs there); use --as-copy to start another one under a new id`,
    );
    expect(await slotStates(A, 'ctrl')).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);

    const lastParked = logA.numbers(counter, COUNTER).at(-1)!;
    // Every console line of field-a, so the copy's first lines are seen whatever its id.
    const consoleA = new EventLog(A, { kinds: ['console'] });
    // The last RestoreResponse.
    const copy = await json<{ taskId: string; slot: string }>(['snapshot', 'restore', snap.id, '--node', 'field-a', '--as-copy']);
    expect(copy.taskId).to.match(/^counter-[0-9a-f]+$/);
    expect(copy.taskId).to.not.equal(counter);
    await consoleA.waitForNumber(copy.taskId, COUNTER, lastParked + 3, 10_000);
    expect(consoleA.numbers(copy.taskId, COUNTER)[0], 'the copy counts on from the parked state').to.equal(lastParked + 1);
    expect(consecutive(consoleA.numbers(copy.taskId, COUNTER))).to.equal(undefined);
    consoleA.close();
    expect(await tasksOn(B), 'the original keeps running on field-b').to.include(counter);
    expect(await where(copy.taskId)).to.include({ state: 'LOCATION_STATE_RUNNING', node: 'field-a' });
    expect((await listed(snap.id))?.restoredTo, 'a copy does not move the snapshot').to.equal('field-b');
  });

  describe('a corrupted chunk', () => {
    let copyTask: string;
    let bad: SnapshotJson;
    let chunk: string;
    let page: number;

    before(async function () {
      this.timeout(30_000);
      copyTask = (await ps(A)).find((t) => t.taskId && t.taskId !== counter)!.taskId;
      bad = (await json<{ snapshot: SnapshotJson }>(['snapshot', 'park', copyTask, '--node', 'field-a', '--label', 'to=corrupt'])).snapshot;
      // Damage a chunk only this snapshot uses (the page holding its counter).
      const first = new Set(readManifest(storeDir, snap.id).pages.hashes());
      const own = [...readManifest(storeDir, bad.id).pages].filter(([, h]) => !first.has(h));
      expect(own, 'chunks of the second snapshot alone').to.not.deep.equal([]);
      [page, chunk] = own[0]!;
      const at = locateChunk(storeDir, chunk);
      flipByte(at.pack, at.offset + (at.length >> 1));
    });

    it('fails `snapshot inspect` with exit 2, naming the page and the chunk', async () => {
      const j = await cli(['snapshot', 'inspect', bad.id, '--json']);
      expect(j.code).to.equal(2);
      const problem = `snapshot ${bad.id} is corrupted: page ${page} (chunk ${chunk.slice(0, 16)}) fails its SHA-256 check`;
      const report = JSON.parse(j.stdout) as InspectJson;
      expect(report).to.include({ verified: false });
      expect(report.snapshot).to.include({ id: bad.id, state: 'SNAPSHOT_STATE_PARKED' });
      expect(report.problems).to.deep.equal([problem]);
      const good = await inspectOverGrpc(mw.address, snap.id);
      expect([good.verified, good.problems], 'the first snapshot still verifies').to.deep.equal([true, []]);
    });

    it('fails a restore naming the snapshot and the chunk, and leaves no half-restored task on the node', async () => {
      expect(await slotStates(A, 'ctrl')).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
      const r = await cli(['snapshot', 'restore', bad.id, '--node', 'field-a']);
      const line = oneLineError(r);
      expect(line).to.contain(`snapshot ${bad.id} is corrupted`).and.contain(`chunk ${chunk.slice(0, 16)}`);
      expect(await slotStates(A, 'ctrl'), 'field-a after the failed restore').to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
      await sleep(200);
      expect(await slotStates(A, 'ctrl'), 'and a moment later').to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
    });

    it('keeps the snapshot listed as parked (reported, not restored), and the task parked in it', async () => {
      expect(await listed(bad.id)).to.include({ state: 'SNAPSHOT_STATE_PARKED', taskId: copyTask });
      expect(await where(copyTask)).to.include({ state: 'LOCATION_STATE_PARKED', snapshotId: bad.id });
    });

    it('refuses to delete the parked snapshot without --force: it holds the only copy of its task', async () => {
      const r = await cli(['snapshot', 'rm', bad.id]);
      expect(oneLineError(r)).to.equal(`migvisor: snapshot ${bad.id} holds the only copy of task ${copyTask} (parked); use --force to delete it anyway`);
      expect(await listed(bad.id)).to.not.equal(undefined);
    });
  });

  describe('command-line errors', () => {
    it('says in one line that no middleware is running when the registry names none (exit 1)', async () => {
      const dir = tempDir('migvisor-mw-cli-');
      const lone = path.join(dir, 'lone.yaml');
      fs.writeFileSync(lone, fs.readFileSync(FIELD, 'utf8').replace(/^    tasks:\n.*\n/m, ''));
      const r = await runCli(['snapshot', 'list', '--cluster', lone]);
      expect(oneLineError(r)).to.match(/^migvisor: no running middleware is known for .*lone\.yaml \(start it with `migvisor cluster up` or `migvisor middleware start`, or pass --middleware HOST:PORT\)$/);
    });

    it('says in one line that the middleware is unreachable when nothing listens at --middleware (exit 1)', async () => {
      const port = await freePort();
      const r = await runCli(['snapshot', 'list', '--cluster', FIELD, '--middleware', `127.0.0.1:${port}`]);
      expect(oneLineError(r)).to.equal(`migvisor: snapshot list: unreachable (connection refused at 127.0.0.1:${port})`);
    });

    it('names an unknown snapshot id as not found', async () => {
      const r = await cli(['snapshot', 'restore', 'snap-nope', '--node', 'field-b']);
      expect(oneLineError(r)).to.equal(`migvisor: snapshot "snap-nope" not found in file://${storeDir}`);
      const e = await failure(inspectOverGrpc(mw.address, 'snap-nope'));
      expect(e.message).to.contain('snapshot "snap-nope" not found');
    });

    it('refuses a malformed --label with a clear message, before anything is parked', async () => {
      const [r, badPark] = await Promise.all([
        cli(['snapshot', 'park', counter, '--node', 'field-b', '--label', 'novalue']),
        cli(['snapshot', 'park', counter, '--node', 'field-b', '--label', 'a/b=1']),
      ]);
      expect(oneLineError(r)).to.equal('migvisor: --label must be KEY=VALUE, got "novalue"');
      // The middleware's INVALID_ARGUMENT names the request field.
      expect(oneLineError(badPark)).to.equal('migvisor: labels[0].key: letters, digits, \'_\', \'.\' or \'-\' (1..64), got "a/b"');
      // Labels without end would make one catalog entry (and every list page) huge.
      const many = await cli(['snapshot', 'park', counter, '--node', 'field-b', ...Array.from({ length: 33 }, (_, i) => ['--label', `k${i}=v`]).flat()]);
      expect(oneLineError(many)).to.equal('migvisor: labels: at most 32, got 33');
      expect(await tasksOn(B), 'the counter still runs on field-b').to.include(counter);
    });
  });
});
