/**
 * The replicated backend against a real etcd and a real (single-server) NATS
 * JetStream: the same store contract as the filesystem and etcd stores, with the
 * chunk bytes in packs in the object store and only small pack keys in etcd.
 */
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { connect } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import { ReplicatedStore, type SnapshotStore } from '../../src/middleware/index.ts';
import { describeStoreContract, page, putChunks, requireEtcd, startEtcd, type EtcdServer } from '../support/middleware-harness.ts';
import { requireNats, startNatsCluster, type NatsCluster } from '../support/nats-cluster.ts';

describe('ReplicatedStore (real etcd, real NATS JetStream)', function () {
  let etcd: EtcdServer | undefined;
  let nats: NatsCluster | undefined;
  let raw: Etcd3 | undefined;
  const stores: SnapshotStore[] = [];

  async function fresh(): Promise<ReplicatedStore> {
    await raw!.delete().prefix('migvisor/');
    const nc = await connect({ servers: nats!.servers.map((s) => s.address) });
    try {
      const bucket = await new Objm(nc).open('migvisor-chunks').catch(() => undefined);
      await bucket?.destroy();
    } finally {
      await nc.close();
    }
    return reopen();
  }

  async function reopen(): Promise<ReplicatedStore> {
    const s = await ReplicatedStore.open(etcd!.endpoint, nats!.uri, 1);
    stores.push(s);
    return s;
  }

  before(async function () {
    this.timeout(30_000);
    const [e, n] = [requireEtcd(this), requireNats(this)];
    [etcd, nats] = await Promise.all([startEtcd(e), startNatsCluster(n, 1)]);
    raw = new Etcd3({ hosts: `http://${etcd.endpoint}` });
  });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  });

  after(async () => {
    raw?.close();
    await nats?.stop();
    await etcd?.stop();
  });

  describe('as a SnapshotStore', () => describeStoreContract(fresh, () => reopen()));

  it('keeps no chunk bytes in etcd: one pack key naming the chunks of a park, the bytes in NATS', async () => {
    const s = await fresh();
    const hashes = await putChunks(s, [page(1), page(2), page(3)]);
    expect(await raw!.getAll().prefix('migvisor/chunks/').keys()).to.deep.equal([]);
    const packs = Object.values(await raw!.getAll().prefix('migvisor/packs/').strings()).map((v) => JSON.parse(v) as [string, number][]);
    expect(packs).to.deep.equal([hashes.map((h) => [h, 4096])]);
    expect(Buffer.from(await s.get(hashes[1]!)).equals(page(2))).to.equal(true);
  });
});
