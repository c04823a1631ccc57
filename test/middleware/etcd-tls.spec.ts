/**
 * The etcd store over TLS (`etcds://`, README "TLS and roles"): a real etcd serving TLS
 * and wanting client certificates (made by `certs init`, the etcd certificate
 * among them), opened with the middleware's identity of the cluster file: chunks
 * go in and come back; a plaintext client is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { Code } from '../../src/common/errors.ts';
import { configureTls } from '../../src/common/tls.ts';
import { loadCluster, tlsIdentityFor } from '../../src/config/index.ts';
import { EtcdStore, openStore, type SnapshotStore } from '../../src/middleware/index.ts';
import { cliOk, ROOT, tempDir } from '../support/processes.ts';
import { failure, page, putChunks, requireEtcd, startEtcd, type EtcdServer } from '../support/middleware-harness.ts';

describe('EtcdStore over TLS (etcds://, real etcd with client certificates)', function () {
  this.timeout(30_000);
  let etcd: EtcdServer | undefined;
  let store: SnapshotStore | undefined;
  let secure = '';

  before(async function () {
    const bin = requireEtcd(this);
    const dir = tempDir('migvisor-etcd-tls-');
    const plain = path.join(dir, 'cluster.yaml');
    fs.copyFileSync(path.join(ROOT, 'config', 'cluster.yaml'), plain);
    fs.cpSync(path.join(ROOT, 'config', 'programs'), path.join(dir, 'programs'), { recursive: true });
    secure = path.join(dir, 'secure.yaml');
    const certs = path.join(dir, 'certs');
    await cliOk(['certs', 'init', certs, '--cluster', plain, '--write', secure]);
    etcd = await startEtcd(bin, 20_000, { ca: path.join(certs, 'ca.pem'), cert: path.join(certs, 'etcd.pem'), key: path.join(certs, 'etcd-key.pem') });
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
