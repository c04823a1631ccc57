/**
 * The replicated archive over TLS (README "TLS and roles", "Chunks on a replicated
 * engine"): a real etcd and a real JetStream nats-server, both serving TLS and
 * wanting client certificates made by `certs init`; `etcds://` with `--chunks
 * nats://…` speaks TLS to both with the middleware's identity of the cluster
 * file, so no chunk crosses in plaintext. A plaintext NATS client is refused, and
 * TLS without a `tls:` section is refused before anything is opened.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { Code } from '../../src/common/errors.ts';
import { configureTls } from '../../src/common/tls.ts';
import { loadCluster, tlsIdentityFor } from '../../src/config/index.ts';
import { openStore, type SnapshotStore } from '../../src/middleware/index.ts';
import { NatsPacks } from '../../src/middleware/nats-packs.ts';
import { failure, page, putChunks, requireEtcd, secureCluster, startEtcd, type EtcdServer } from '../support/middleware-harness.ts';
import { requireNats, startNatsCluster, type NatsCluster } from '../support/nats-cluster.ts';

describe('the replicated store over TLS (etcds:// and NATS with client certificates, real servers)', function () {
  this.timeout(60_000);
  let etcd: EtcdServer | undefined;
  let nats: NatsCluster | undefined;
  let store: SnapshotStore | undefined;
  let secure = '';
  let natsAddress = '';

  before(async function () {
    const etcdBin = requireEtcd(this);
    const natsBin = requireNats(this);
    const cluster = await secureCluster('migvisor-replicated-tls-');
    secure = cluster.file;
    // certs init's store certificate serves both stores.
    const { ca, cert, key } = cluster.store;
    etcd = await startEtcd(etcdBin, 20_000, cluster.store);
    nats = await startNatsCluster(natsBin, 1, 20_000, ['--tls', '--tlscert', cert, '--tlskey', key, '--tlscacert', ca, '--tlsverify']);
    natsAddress = nats.servers[0]!.address;
  });

  after(async () => {
    configureTls(undefined);
    await store?.close().catch(() => undefined);
    await nats?.stop();
    await etcd?.stop();
  });

  it('parks chunks in NATS and reads them back, etcd and NATS both over TLS with the middleware identity', async () => {
    configureTls(tlsIdentityFor(loadCluster(secure), 'middleware'));
    store = await openStore(`etcds://${etcd!.endpoint}`, path.dirname(secure), { chunks: `nats://${natsAddress}`, replicas: 1 });
    const hashes = await putChunks(store, [page(3), page(4)]);
    expect(Buffer.from(await store.get(hashes[0]!)).equals(page(3))).to.equal(true);
    expect(Buffer.from(await store.get(hashes[1]!)).equals(page(4))).to.equal(true);
    expect(store.uri).to.equal(`etcds://${etcd!.endpoint}?chunks=nats://${natsAddress}&replicas=1`);
  });

  it('a NATS client without TLS is refused by that server: UNAVAILABLE naming the servers', async () => {
    configureTls(undefined);
    const e = await failure(NatsPacks.open(`nats://${natsAddress}`, 1));
    expect(e.code).to.equal(Code.UNAVAILABLE);
    expect(e.message).to.match(new RegExp(`^nats at ${natsAddress} unreachable: `));
  });

  it('tls:// chunks, or etcds://, without a tls: section are refused before anything is opened', async () => {
    configureTls(undefined);
    const a = await failure(openStore(`etcd://${etcd!.endpoint}`, '.', { chunks: `tls://${natsAddress}`, replicas: 1 }));
    expect(a.code).to.equal(Code.INVALID_ARGUMENT);
    expect(a.message).to.equal(`store etcd://${etcd!.endpoint} with chunks tls://${natsAddress}: TLS needs the cluster file's tls: section`);
    const b = await failure(openStore(`etcds://${etcd!.endpoint}`, '.', { chunks: `nats://${natsAddress}`, replicas: 1 }));
    expect(b.message).to.equal(`store etcds://${etcd!.endpoint} with chunks nats://${natsAddress}: TLS needs the cluster file's tls: section`);
  });
});
