/**
 * The middleware on the etcd backend, end to end: a private etcd on loopback, node
 * processes and a middleware process with `--store etcd://127.0.0.1:PORT`. The
 * counter is parked from field-a and restored on field-b where it counts on; a
 * second middleware on the same etcd sees the same archive and directory.
 */
import { expect } from 'chai';
import { cleanup, consecutive, EventLog, fixture, oneLineError, ps, runCli, type NodeProcess } from '../support/processes.ts';
import {
  freePort,
  mwJson,
  mwOk,
  requireEtcd,
  startEtcd,
  forgetCluster,
  privateCluster,
  startMiddleware,
  startNodesApart,
  stopMiddlewares,
  whereOverGrpc,
  type EtcdServer,
  type ListJson,
  type MiddlewareProcess,
  type SnapshotJson,
} from '../support/middleware-harness.ts';

/** A private copy of the fixture (its own node registry); made in before(). */
let FIELD = '';
const COUNTER = 'counter ';

describe('Middleware on etcd (real etcd, node and middleware processes)', function () {
  let etcd: EtcdServer | undefined;
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let mw: MiddlewareProcess;
  let counter: string;
  let logA: EventLog;
  let logB: EventLog;
  let snap: SnapshotJson;

  before(async function () {
    this.timeout(40_000);
    FIELD = privateCluster(fixture('middleware-field.yaml'));
    const bin = requireEtcd(this);
    const starting = startEtcd(bin);
    starting.then((e) => (etcd = e)).catch(() => undefined);
    [etcd, nodes] = await Promise.all([starting, startNodesApart(FIELD, ['field-a', 'field-b'])]);
    [A, B] = [nodes['field-a']!.address, nodes['field-b']!.address];
    mw = await startMiddleware(FIELD, `etcd://${etcd.endpoint}`);
    counter = (await ps(A)).find((t) => t.program === 'counter.s')!.taskId;
    logA = await EventLog.open(A, { task: counter });
    logB = new EventLog(B, { task: counter });
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (FIELD) forgetCluster(FIELD);
    await etcd?.stop();
  });

  it('parks the counter from field-a into etcd and restores it on field-b, where it counts on at N+1', async function () {
    this.timeout(30_000);
    await logA.waitForNumber(counter, COUNTER, 3, 10_000);
    snap = (await mwJson<{ snapshot: SnapshotJson }>(mw, FIELD, ['snapshot', 'park', counter, '--node', 'field-a', '--label', 'backend=etcd'])).snapshot;
    expect(snap).to.include({ taskId: counter, sourceNode: 'field-a', state: 'SNAPSHOT_STATE_PARKED' });
    expect(snap.labels).to.deep.equal([{ key: 'backend', value: 'etcd' }]);
    expect(await whereOverGrpc(mw.address, counter)).to.include({ state: 'LOCATION_STATE_PARKED', snapshotId: snap.id });

    const last = logA.numbers(counter, COUNTER).at(-1)!;
    expect((await mwOk(mw, FIELD, ['snapshot', 'restore', snap.id, '--node', 'field-b'])).trim()).to.equal(counter);
    await logB.waitForNumber(counter, COUNTER, last + 3, 10_000);
    expect(logB.numbers(counter, COUNTER)[0]).to.equal(last + 1);
    expect(consecutive([...logA.numbers(counter, COUNTER), ...logB.numbers(counter, COUNTER)])).to.equal(undefined);

    const l = await mwJson<ListJson>(mw, FIELD, ['snapshot', 'list']);
    expect(l.store).to.equal(`etcd://${etcd!.endpoint}`);
    expect(l.snapshots.map((s) => [s.id, s.state, s.restoredTo])).to.deep.equal([[snap.id, 'SNAPSHOT_STATE_RESTORED', 'field-b']]);
    expect([l.storeBytes, l.chunks]).to.deep.equal([snap.newBytes, snap.storedPages]);
  });

  it('shows a second middleware on the same etcd the same snapshot, and where the task runs', async () => {
    const other = await startMiddleware(FIELD, `etcd://${etcd!.endpoint}`);
    expect(other.address).to.not.equal(mw.address);
    const l = await mwJson<ListJson>(other, FIELD, ['snapshot', 'list']);
    expect(l.snapshots).to.have.length(1);
    expect(l.snapshots[0]).to.deep.equal({ ...snap, state: 'SNAPSHOT_STATE_RESTORED', restoredTo: 'field-b' });
    expect(await whereOverGrpc(other.address, counter)).to.include({ state: 'LOCATION_STATE_RUNNING', node: 'field-b', address: B });
  });

  it('fails to start a middleware whose etcd does not answer, with one clear line', async function () {
    this.timeout(30_000);
    const port = await freePort();
    const r = await runCli(['middleware', 'start', FIELD, '--listen', '127.0.0.1:0', '--store', `etcd://127.0.0.1:${port}`], { timeoutMs: 25_000 });
    expect(oneLineError(r)).to.match(new RegExp(`^migvisor: etcd at 127\\.0\\.0\\.1:${port} unreachable`));
  });
});
