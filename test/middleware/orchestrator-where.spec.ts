/**
 * `where` keeps the directory true (README, "The etcd layout"): an entry naming
 * a node that no longer runs the task (here: a node that is gone) is dropped, and
 * a task known only from the archive is found parked in its newest snapshot.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { FileStore, NodeBook } from '../../src/middleware/index.ts';
import { Orchestrator } from '../../src/middleware/orchestrator.ts';
import { freePort, testManifest } from '../support/middleware-harness.ts';

describe('Orchestrator.where', () => {
  let dir: string;
  let store: FileStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-where-'));
    store = await FileStore.open(dir);
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('drops an entry whose node is gone, then finds the task parked in its newest snapshot', async function () {
    this.timeout(20_000);
    const gone = `127.0.0.1:${await freePort()}`;
    await store.setLocation('t1', { node: 'field-a', address: gone, state: 'running', snapshot: '', updatedUnixMs: 1 });
    await store.putManifest(testManifest('snap-old', [], 1, 't1'));
    await store.putManifest(testManifest('snap-new', [], 2, 't1'));
    const o = new Orchestrator(store, new NodeBook(undefined, undefined), 'test');
    expect(await o.where('t1')).to.include({ state: 'parked', snapshot: 'snap-new' });
    expect(await store.getLocation('t1'), 'the stale entry is gone').to.equal(undefined);
  });

  it('knows nothing of a task with no entry, no node and no snapshot', async () => {
    const o = new Orchestrator(store, new NodeBook(undefined, undefined), 'test');
    expect(await o.where('t9')).to.equal(undefined);
  });
});
