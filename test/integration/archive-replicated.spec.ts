/**
 * The archive on a replicated engine, end to end (issue 14, item 3): a private
 * etcd (catalog, directory, locks) and a private 3-server NATS JetStream cluster
 * (chunk bytes, bucket replicated 3 times), node processes and a middleware
 * process with `--store etcd://… --chunks nats://A,B,C --chunk-replicas 3`. One
 * NATS server is SIGKILLed while a park writes its chunks and another while a
 * restore reads them: both finish, and the restored task's memory hash is the
 * parked one's.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { cleanup, control, EventLog, fixture, poll, ps, spawnCli, startTask, stateOf, type NodeProcess } from '../support/processes.ts';
import {
  forgetCluster,
  inspectOverGrpc,
  listOverGrpc,
  mwJson,
  mwOk,
  privateCluster,
  requireEtcd,
  startEtcd,
  startMiddleware,
  startNodesApart,
  stopMiddlewares,
  type EtcdServer,
  type MiddlewareProcess,
} from '../support/middleware-harness.ts';
import { requireNats, startNatsCluster, type NatsCluster, type NatsServer } from '../support/nats-cluster.ts';
import { unary } from '../../src/common/clients.ts';

const HEAP = fixture('programs/middleware-heap.s');
const BUCKET = 'migvisor-chunks';

describe('Archive with chunks in a NATS JetStream cluster (real etcd, 3 nats-servers, nodes, middleware)', function () {
  let etcd: EtcdServer | undefined;
  let nats: NatsCluster | undefined;
  let BULK = '';
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let mw: MiddlewareProcess;
  let task: string;
  let parkedHash = '';
  let snapshot = '';
  let killedInPark: NatsServer | undefined;

  const hashOn = async (address: string): Promise<string> => (await ps(address, true)).find((t) => t.taskId === task)?.memoryHash ?? '';

  before(async function () {
    this.timeout(60_000);
    const etcdBin = requireEtcd(this);
    const natsBin = requireNats(this);
    BULK = privateCluster(fixture('middleware-bulk.yaml'));
    [etcd, nats, nodes] = await Promise.all([startEtcd(etcdBin), startNatsCluster(natsBin), startNodesApart(BULK, ['bulk-a', 'bulk-b'], { boot: false })]);
    [A, B] = [nodes['bulk-a']!.address, nodes['bulk-b']!.address];
    mw = await startMiddleware(BULK, `etcd://${etcd.endpoint}`, { args: ['--chunks', nats.uri, '--chunk-replicas', '3'] });
    task = await startTask(A, 'bulk', HEAP);
    // Filled heap (8 MiB of incompressible pages), then paused: its memory stays as hashed.
    const log = await EventLog.open(A, { task });
    await log.waitForNumber(task, 'count ', 2, 20_000);
    const c = control(A);
    await unary(c.Pause, c, { taskId: task }, `pause ${task}`);
    parkedHash = await hashOn(A);
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (BULK) forgetCluster(BULK);
    await nats?.stop();
    await etcd?.stop();
  });

  it('parks 8 MiB while the leader of the chunk bucket is SIGKILLed: the snapshot is complete, its bytes in NATS, none in etcd', async function () {
    this.timeout(60_000);
    const park = spawnCli(['snapshot', 'park', task, '--node', 'bulk-a', '--cluster', BULK, '--middleware', mw.address, '--json'], { timeoutMs: 50_000 });
    // Kill as soon as the task stops for the park: the chunk bytes are written after that.
    await poll('the park to stop the task', async () => (await stateOf(A, task)) !== 'MigSource', 20_000, 5);
    killedInPark = nats!.streamLeader(BUCKET) ?? nats!.servers[0]!;
    await nats!.kill(killedInPark);
    const r = await park.result;
    expect(r.code, r.stderr).to.equal(0);
    snapshot = (JSON.parse(r.stdout) as { snapshot: { id: string; storedPages: string } }).snapshot.id;

    const insp = await inspectOverGrpc(mw.address, snapshot);
    expect(insp.problems).to.deep.equal([]);
    expect(insp.verified).to.equal(true);
    expect(Number(insp.snapshot!.storedPages)).to.be.above(2048);
    const l = await listOverGrpc(mw.address);
    expect(l.store).to.equal(`etcd://${etcd!.endpoint}?chunks=${nats!.uri}&replicas=3`);
    expect(Number(l.storeBytes)).to.be.at.least(2048 * 4096);

    const raw = new Etcd3({ hosts: `http://${etcd!.endpoint}` });
    try {
      expect(await raw.getAll().prefix('migvisor/chunks/').keys(), 'chunk bytes in etcd').to.deep.equal([]);
      const packs = await raw.getAll().prefix('migvisor/packs/').strings();
      const named = Object.values(packs).reduce((n, v) => n + (JSON.parse(v) as unknown[]).length, 0);
      expect(named, 'chunks the pack keys name').to.equal(Number(l.chunks));
      expect(Math.max(...Object.values(packs).map((v) => v.length)), 'bytes of the largest pack key').to.be.below(16_384);
    } finally {
      raw.close();
    }
  });

  it('restores it on bulk-b while another server is SIGKILLed: the memory hash equals the parked one', async function () {
    this.timeout(60_000);
    expect(snapshot, 'the park above').to.not.equal('');
    await nats!.restart(killedInPark!);
    const restore = spawnCli(['snapshot', 'restore', snapshot, '--node', 'bulk-b', '--cluster', BULK, '--middleware', mw.address], { timeoutMs: 50_000 });
    await poll('the restore to reach bulk-b', async () => ['Receiving', 'Staged'].includes(await stateOf(B, task)) || (await stateOf(B, task)) === 'MigSource', 20_000, 5);
    const victim = nats!.streamLeader(BUCKET) ?? nats!.servers.find((s) => s !== killedInPark)!;
    await nats!.kill(victim);
    const r = await restore.result;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(task);
    expect(await hashOn(B)).to.equal(parkedHash);
  });

  it('seals chunks in NATS with an archive key: parked from bulk-b and restored on bulk-a, the memory hash is the parked one', async function () {
    this.timeout(60_000);
    await nats!.restart(nats!.servers.find((s) => s.child.exitCode !== null || s.child.signalCode !== null)!);
    const sealed = await startMiddleware(BULK, `etcd://${etcd!.endpoint}`, {
      args: ['--chunks', nats!.uri, '--chunk-replicas', '3'],
      env: { MIGVISOR_ARCHIVE_KEY: randomBytes(32).toString('base64') },
    });
    const s = (await mwJson<{ snapshot: { id: string; sealed: boolean; cipher: string; newBytes: string } }>(sealed, BULK, ['snapshot', 'park', task, '--node', 'bulk-b'], { timeoutMs: 50_000 })).snapshot;
    expect(s).to.include({ sealed: true, cipher: 'AES-256-GCM' });
    // Sealed chunks have other addresses than the plain ones: nothing is shared with the plain snapshot.
    expect(Number(s.newBytes)).to.be.at.least(2048 * 4096);
    expect((await mwOk(sealed, BULK, ['snapshot', 'restore', s.id, '--node', 'bulk-a'], { timeoutMs: 50_000 })).trim()).to.equal(task);
    expect(await hashOn(A)).to.equal(parkedHash);
  });
});
