/**
 * The archive's failure rules in one process (README, "Archive failures"): a
 * node migrates its task into a middleware whose store fails or hangs while the
 * park is made durable. The park is rolled back, the node resumes the task at
 * once, and a manifest the hung write lands later is deleted again. A real node
 * and a real middleware server on loopback; the store is a filesystem store
 * behind a wrapper that fails or delays putManifest.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { asyncScheduler } from 'rxjs';
import { MigvisorError } from '../../src/common/index.ts';
import { seededIds } from '../../src/common/ids.ts';
import { loadCluster } from '../../src/config/index.ts';
import { Node, NodeServer } from '../../src/hypervisor/index.ts';
import { FileStore, MiddlewareServer, NodeBook, type Manifest, type SnapshotStore } from '../../src/middleware/index.ts';
import { migrateTask, RemoteSink } from '../../src/migtask/index.ts';
import { poll } from '../support/processes.ts';

const CLUSTER = path.resolve('config', 'cluster.yaml');

interface Mode {
  fail?: boolean;
  delayMs?: number;
  /** Set once a (late) manifest write reached the store. */
  landed?: boolean;
}

/** A filesystem store whose putManifest fails, or lands only after `delayMs`, as the test says. */
function faulty(store: FileStore, mode: Mode): SnapshotStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'putManifest') {
        return async (m: Manifest): Promise<void> => {
          if (mode.fail) throw new MigvisorError('store is down');
          if (mode.delayMs) await new Promise((r) => setTimeout(r, mode.delayMs));
          await target.putManifest(m);
          mode.landed = true;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('the archive rolls back a park it cannot make durable', function () {
  this.timeout(30_000);
  let node: Node;
  let server: NodeServer;
  let mw: MiddlewareServer;
  let sink: RemoteSink;
  let dir: string;

  async function start(mode: Mode): Promise<FileStore> {
    const cluster = loadCluster(CLUSTER);
    node = new Node(cluster.nodes.find((n) => n.name === 'field-a')!, cluster, { ids: seededIds(3) });
    server = new NodeServer(node);
    await server.listen('127.0.0.1:0');
    node.boot();
    node.start(asyncScheduler);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-rollback-'));
    const store = await FileStore.open(dir);
    mw = new MiddlewareServer(faulty(store, mode), new NodeBook(undefined, undefined), undefined, { stagingTimeoutMs: 400 });
    await mw.listen('127.0.0.1:0');
    sink = new RemoteSink(mw.address);
    return store;
  }

  afterEach(async () => {
    sink.close();
    node.stop();
    await server.shutdown(200);
    await mw.shutdown(200);
    node.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function park(): Promise<{ task: string; error: unknown }> {
    const task = node.slots[0]!.id!;
    const error = await migrateTask(node, sink, { task, mode: 'full', compression: 'none', deadlineMs: 10_000, sinkName: 'middleware' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { task, error };
  }

  it('a store that fails the manifest: the park is aborted and the task runs on its node again', async () => {
    const store = await start({ fail: true });
    const { task, error } = await park();
    expect(error).to.be.instanceOf(MigvisorError);
    // The node says what the archive said: the store's own failure.
    expect((error as Error).message).to.match(/was not committed \(aborted: .*store is down.*\); the task runs on field-a again$/);
    expect(node.findTask(task)?.state).to.equal('MigSource');
    expect(await store.listManifests()).to.deep.equal([]);
  });

  it('a store that hangs past the commit window: rolled back; the manifest it writes late is deleted again', async () => {
    const mode: Mode = { delayMs: 1500 };
    const store = await start(mode);
    const { task, error } = await park();
    expect((error as Error).message).to.match(/was not committed \(aborted: .*commit window.*\)/);
    expect(node.findTask(task)?.state).to.equal('MigSource');
    // The late write lands after 1.5 s; the rollback keeps deleting until 5 s have passed.
    await poll('the late manifest to land', () => mode.landed === true, 5000, 50);
    await poll('the late manifest to be deleted', async () => (await store.listManifests()).length === 0, 10_000, 200);
  });
});
