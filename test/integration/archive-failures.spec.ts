/**
 * Archive failures never strand a task (README, "Archive failures"), with real
 * processes: a private etcd, node processes and middleware processes.
 *
 * - pages larger than the archive's largest chunk (here 32 KiB, set with
 *   --max-chunk-bytes; etcd's own is 1 MiB) are refused before the task stops,
 *   and the middleware stays usable;
 * - a node that knows no compression but none is parked without --compress;
 * - etcd SIGKILLed before a park, with the park's marker set, and with its chunks
 *   written but not its manifest: the task runs on its node again, no snapshot
 *   appears, and once etcd is back the same middleware parks again (no breaker
 *   left open, the marker gone);
 * - the middleware of a filesystem store SIGKILLed during a transfer and while
 *   the node commits: the node resumes the task (by itself, after the commit
 *   window, in the second case), and the store reopens with no half snapshot.
 *
 * The middleware talks to etcd through a TCP proxy and the nodes to the
 * filesystem middleware through another, so the tests freeze traffic at the point
 * they choose before they kill a process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { cleanup, EventLog, fixture, oneLineError, poll, ps, spawnCli, tempDir, type NodeProcess } from '../support/processes.ts';
import {
  filesUnder,
  forgetCluster,
  freePort,
  killMiddleware,
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
  type SnapshotJson,
} from '../support/middleware-harness.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

let FILE = '';

/** The state of `task` on the node at `address` ('' when it is not there). */
async function stateOf(address: string, task: string): Promise<string> {
  return (await ps(address)).find((t) => t.taskId === task)?.state ?? '';
}

describe('Archive failures never strand a task (real etcd, node and middleware processes)', function () {
  let etcd: EtcdServer | undefined;
  let etcdProxy: TcpProxy;
  let fsProxy: TcpProxy;
  let nodes: Record<string, NodeProcess>;
  let mw: MiddlewareProcess;
  let fsMw: MiddlewareProcess;
  let fsStore = '';
  let fsListen = '';
  let counter = '';
  let big = '';
  let kv: Etcd3;

  /** Keys under migvisor/PREFIX in etcd, asked directly (not through the proxy). */
  const keys = async (prefix: string): Promise<string[]> => kv.getAll().prefix(`migvisor/${prefix}`).keys();

  before(async function () {
    this.timeout(60_000);
    FILE = privateCluster(fixture('archive-limits.yaml'));
    const bin = requireEtcd(this);
    etcd = await startEtcd(bin);
    kv = new Etcd3({ hosts: `http://${etcd.endpoint}` });
    etcdProxy = await TcpProxy.start(etcd.endpoint);
    // The filesystem middleware listens on a port chosen now; the nodes reach it through fsProxy.
    fsListen = `127.0.0.1:${await freePort()}`;
    fsProxy = await TcpProxy.start(fsListen);
    const routes = path.join(tempDir('migvisor-routes-'), 'routes.json');
    fs.writeFileSync(routes, JSON.stringify({ [fsListen]: fsProxy.address }));
    nodes = await startNodesApart(FILE, ['big-a', 'plain-a', 'plain-b'], { args: ['--routes', routes] });
    // Chunks of at most 32 KiB: big-a's 64 KiB pages (the largest a node may have) are too large.
    mw = await startMiddleware(FILE, `etcd://${etcdProxy.address}`, { args: ['--commit-window-ms', '4000', '--max-chunk-bytes', '32KiB'] });
    fsStore = path.join(tempDir('migvisor-fs-store-'), 'store');
    fsMw = await startMiddleware(FILE, `file://${fsStore}`, { listen: fsListen, args: ['--commit-window-ms', '3000'] });
    counter = (await ps(nodes['plain-a']!.address)).find((t) => t.program === 'counter.s')!.taskId;
    big = (await ps(nodes['big-a']!.address)).find((t) => t.program === 'counter.s')!.taskId;
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    kv?.close();
    await etcdProxy?.close();
    await fsProxy?.close();
    if (FILE) forgetCluster(FILE);
    await etcd?.stop();
  });

  it('refuses pages larger than the archive\'s largest chunk before the task stops, and stays usable', async function () {
    this.timeout(30_000);
    const r = await spawnCli(['snapshot', 'park', big, '--node', 'big-a', '--cluster', FILE, '--middleware', mw.address]).result;
    const line = oneLineError(r);
    expect(line).to.contain('stores chunks of at most 32768 bytes').and.contain('pages of big-a are 65536 bytes');
    expect(await stateOf(nodes['big-a']!.address, big), 'the task never stopped').to.equal('MigSource');
    const l = await listOverGrpc(mw.address);
    expect(Number(l.total)).to.equal(0);
    expect(await keys('parks/'), 'no park marker left behind').to.deep.equal([]);
  });

  it('parks a node that knows no compression but none without --compress, and restores it', async function () {
    this.timeout(30_000);
    const snap = (await mwJson<{ snapshot: SnapshotJson }>(mw, FILE, ['snapshot', 'park', counter, '--node', 'plain-a'])).snapshot;
    expect(snap).to.include({ taskId: counter, state: 'SNAPSHOT_STATE_PARKED' });
    expect((await mwOk(mw, FILE, ['snapshot', 'restore', snap.id, '--node', 'plain-b'])).trim()).to.equal(counter);
    expect(await stateOf(nodes['plain-b']!.address, counter)).to.equal('MigSource');
  });

  /** Parks the counter from plain-b while `strike` kills etcd at its chosen point; the park must fail and the task run on. */
  async function parkWhileEtcdDies(strike: () => Promise<void>): Promise<void> {
    const before = (await keys('snapshots/')).length;
    const park = spawnCli(['snapshot', 'park', counter, '--node', 'plain-b', '--cluster', FILE, '--middleware', mw.address]).result;
    await strike();
    const line = oneLineError(await park);
    expect(line).to.contain(`the task runs on plain-b again`);
    expect(await stateOf(nodes['plain-b']!.address, counter), 'running again, not held in Committing').to.equal('MigSource');
    etcdProxy.cut();
    etcdProxy.delay(0);
    await etcd!.restart();
    // The same middleware answers again (no circuit breaker left open), and shows no new snapshot.
    await poll('the middleware to reach etcd again', async () => (await listOverGrpc(mw.address).catch(() => undefined)) !== undefined, 15_000);
    expect((await keys('snapshots/')).length, 'no snapshot of the failed park').to.equal(before);
    expect(Number((await listOverGrpc(mw.address)).total)).to.equal(before);
  }

  it('etcd killed before the park: the park fails, the task runs on its node, the middleware recovers', async function () {
    this.timeout(40_000);
    await parkWhileEtcdDies(async () => {
      await etcd!.kill();
    });
  });

  it('etcd killed once the park\'s marker is set (at the commit): the task runs on, no snapshot appears', async function () {
    this.timeout(40_000);
    etcdProxy.delay(150);
    await parkWhileEtcdDies(async () => {
      await poll('the park marker', async () => (await keys('parks/')).length > 0, 15_000, 10);
      etcdProxy.holdAfter(0);
      await etcd!.kill();
      etcdProxy.cut();
    });
  });

  it('etcd killed after the chunks, before the manifest: no half snapshot; the marker expires; the next park succeeds', async function () {
    this.timeout(60_000);
    const chunksBefore = (await keys('chunks/')).length;
    etcdProxy.delay(150);
    await parkWhileEtcdDies(async () => {
      await poll('the park\'s chunks', async () => (await keys('chunks/')).length > chunksBefore, 15_000, 10);
      etcdProxy.holdAfter(0);
      await etcd!.kill();
      etcdProxy.cut();
    });
    // The leftover marker's lease is no longer kept alive: it expires and gc may run again.
    await poll('the park markers to expire', async () => (await keys('parks/')).length === 0, 25_000, 250);
    const snap = (await mwJson<{ snapshot: SnapshotJson }>(mw, FILE, ['snapshot', 'park', counter, '--node', 'plain-b'])).snapshot;
    expect(snap.state).to.equal('SNAPSHOT_STATE_PARKED');
    const marker = await kv.getAll().prefix('migvisor/parks/').strings();
    expect(marker).to.deep.equal({});
    expect((await mwOk(mw, FILE, ['snapshot', 'restore', snap.id, '--node', 'plain-b'])).trim()).to.equal(counter);
  });

  it('filesystem middleware killed during the transfer: the task runs on, the store reopens with nothing half-written', async function () {
    this.timeout(40_000);
    const before = filesUnder(fsStore).filter((f) => f.startsWith('manifests/'));
    const log = await EventLog.open(nodes['plain-b']!.address, { task: counter });
    fsProxy.holdAfter(3000);
    const park = spawnCli(['snapshot', 'park', counter, '--node', 'plain-b', '--cluster', FILE, '--middleware', fsListen]).result;
    await fsProxy.whenHolding(15_000);
    await killMiddleware(fsMw);
    fsProxy.cut();
    expect((await park).code).to.equal(1);
    await poll('the task to run again', async () => (await stateOf(nodes['plain-b']!.address, counter)) === 'MigSource', 10_000);
    // It had stopped and was streaming to the middleware when the middleware died.
    await log.waitFor((e) => e.kind === 'migration' && e.phase === 'stopped', 5000, 'the stop');
    // Whichever the node noticed first: the stream to the middleware broke, or the middleware's StopAndTransfer call ended.
    expect((await log.waitFor((e) => e.kind === 'migration' && e.phase === 'resumed', 5000, 'the resume')).detail).to.match(/transfer to middleware failed|the call that asked for it ended/);
    log.close();
    fsMw = await startMiddleware(FILE, `file://${fsStore}`, { listen: fsListen, args: ['--commit-window-ms', '3000'] });
    expect(Number((await listOverGrpc(fsListen)).total)).to.equal(before.length);
    expect(filesUnder(fsStore).filter((f) => f.endsWith('.tmp')), 'temporary files removed at open').to.deep.equal([]);
  });

  it('filesystem middleware killed while the node commits: the node settles by itself after the commit window', async function () {
    this.timeout(40_000);
    const before = Number((await listOverGrpc(fsListen)).total);
    const log = await EventLog.open(nodes['plain-b']!.address, { task: counter });
    fsProxy.delay(300);
    const park = spawnCli(['snapshot', 'park', counter, '--node', 'plain-b', '--cluster', FILE, '--middleware', fsListen]).result;
    await poll('the node to commit', async () => (await stateOf(nodes['plain-b']!.address, counter)) === 'Committing', 15_000, 20);
    await killMiddleware(fsMw);
    fsProxy.cut();
    fsProxy.delay(0);
    expect((await park).code).to.equal(1);
    // Commit window 3 s plus the source's 2 s margin: then it runs here again, not held in Committing.
    await poll('the node to settle by itself', async () => (await stateOf(nodes['plain-b']!.address, counter)) === 'MigSource', 15_000, 200);
    const resumed = await log.waitFor((e) => e.kind === 'migration' && e.phase === 'resumed', 5000, 'the resumed event');
    expect(resumed.detail).to.contain('settled by itself').and.contain('did not answer within its commit window');
    log.close();
    fsMw = await startMiddleware(FILE, `file://${fsStore}`, { listen: fsListen, args: ['--commit-window-ms', '3000'] });
    expect(Number((await listOverGrpc(fsListen)).total), 'no snapshot of the park').to.equal(before);
    await killMiddleware(fsMw);
  });
});
