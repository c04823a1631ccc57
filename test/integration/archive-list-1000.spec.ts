/**
 * `snapshot list` with 1,000 snapshots in the archive pages through all of them
 * (README, "Limits"): the manifests are written straight into the store (one
 * shared chunk, so this stays fast), then a real middleware process lists them a
 * page at a time, on the filesystem store and on a real etcd.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { unary } from '../../src/common/clients.ts';
import { EtcdStore, FileStore, type SnapshotStore } from '../../src/middleware/index.ts';
import { cleanup, fixture, tempDir } from '../support/processes.ts';
import {
  forgetCluster,
  mwJson,
  page,
  privateCluster,
  putChunks,
  requireEtcd,
  startEtcd,
  startMiddleware,
  stopMiddlewares,
  testManifest,
  withMiddlewareClient,
  type EtcdServer,
  type ListJson,
} from '../support/middleware-harness.ts';

const N = 1000;

/** Writes N manifests (one shared chunk) into a store, created 1 ms apart. */
async function fill(store: SnapshotStore): Promise<void> {
  const [h] = await putChunks(store, [page(7)]);
  const writes: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    writes.push(store.putManifest(testManifest(`snap-${String(i).padStart(4, '0')}`, [[0, h!]], 1_000_000 + i)));
    if (writes.length === 50) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  await store.close();
}

describe('snapshot list with 1,000 snapshots pages through all of them (real middleware process)', function () {
  let FILE = '';
  let etcd: EtcdServer | undefined;

  before(() => {
    FILE = privateCluster(fixture('middleware-field.yaml'));
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (FILE) forgetCluster(FILE);
    await etcd?.stop();
  });

  async function pagesThrough(uri: string): Promise<void> {
    const mw = await startMiddleware(FILE, uri);
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    await withMiddlewareClient(mw.address, async (c) => {
      do {
        const r = await unary(c.List, c, { pageSize: 100, pageToken: token }, 'list', 20_000);
        expect(Number(r.total)).to.equal(N);
        expect(r.snapshots.length).to.be.at.most(100);
        seen.push(...r.snapshots.map((s) => s.id));
        token = r.nextPageToken;
        pages++;
      } while (token && pages < 20);
    });
    expect(pages).to.equal(10);
    expect(new Set(seen).size).to.equal(N);
    expect(seen[0], 'newest first').to.equal(`snap-${String(N - 1).padStart(4, '0')}`);
    expect(seen.at(-1)).to.equal('snap-0000');
    // The CLI prints one page and the token of the next.
    const first = await mwJson<ListJson>(mw, FILE, ['snapshot', 'list', '--page-size', '100']);
    expect(first.snapshots).to.have.length(100);
    expect(first.nextPageToken).to.not.equal('');
  }

  it('on the filesystem store', async function () {
    this.timeout(60_000);
    const dir = path.join(tempDir('migvisor-list-'), 'store');
    await fill(await FileStore.open(dir));
    await pagesThrough(`file://${dir}`);
  });

  it('on etcd', async function () {
    this.timeout(60_000);
    etcd = await startEtcd(requireEtcd(this));
    await fill(await EtcdStore.open(etcd.endpoint));
    await pagesThrough(`etcd://${etcd.endpoint}`);
  });
});
