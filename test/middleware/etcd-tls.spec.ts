/**
 * The etcd store over TLS (`etcds://`, README "TLS and roles"): a real etcd serving TLS
 * and wanting client certificates (made by `certs init`, the etcd certificate
 * among them), opened with the middleware's identity of the cluster file: chunks
 * go in and come back; a plaintext client is refused.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { Code } from '../../src/common/errors.ts';
import { configureTls } from '../../src/common/tls.ts';
import { loadCluster, tlsIdentityFor } from '../../src/config/index.ts';
import { EtcdStore, openStore, type SnapshotStore } from '../../src/middleware/index.ts';
import { failure, page, putChunks, requireEtcd, secureCluster, startEtcd, type EtcdServer } from '../support/middleware-harness.ts';

describe('EtcdStore over TLS (etcds://, real etcd with client certificates)', function () {
  this.timeout(30_000);
  let etcd: EtcdServer | undefined;
  let store: SnapshotStore | undefined;
  let secure = '';

  before(async function () {
    const bin = requireEtcd(this);
    const cluster = await secureCluster('migvisor-etcd-tls-');
    secure = cluster.file;
    etcd = await startEtcd(bin, 20_000, cluster.store);
  });

  after(async () => {
    configureTls(undefined);
    await store?.close().catch(() => undefined);
    await etcd?.stop();
  });

  it('stores and reads chunks with the middleware identity of the cluster file', async () => {
    configureTls(tlsIdentityFor(loadCluster(secure), 'middleware'));
    store = await openStore(`etcds://${etcd!.endpoint}`, path.dirname(secure));
    const [hash] = await putChunks(store, [page(7)]);
    expect(Buffer.from(await store.get(hash!)).equals(page(7))).to.equal(true);
    expect(store.uri).to.equal(`etcds://${etcd!.endpoint}`);
  });

  it('is refused in plaintext', async () => {
    const e = await failure(EtcdStore.open(etcd!.endpoint));
    expect(e.code).to.equal(Code.UNAVAILABLE);
  });
});
