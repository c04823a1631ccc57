/**
 * The archive on a replicated engine (README "Chunks on a replicated engine"):
 * etcd keeps the catalog, the directory and the locks (an {@link EtcdStore} with
 * no chunks of its own), and the chunk bytes go to NATS JetStream's object store
 * with replicas ({@link NatsPacks}). A park's new chunks are written as packs of
 * up to PACK_BYTES; etcd holds one small key per pack naming its chunks:
 *
 *   migvisor/packs/<pack>   JSON [[hash, length], ...] (offsets follow from the lengths)
 *
 * Order makes a half-done park invisible: pack bytes first (replicated), then
 * their pack keys, then the manifest. Parks and gc exclude each other with the
 * same leased markers as the etcd store (`parks/<id>`, `gc/<id>`); gc frees every
 * chunk no manifest (and no park of this process) uses: a pack none of whose
 * chunks is used is deleted, a pack partly used is rewritten with its used chunks
 * (new pack first, then the old one deleted), and packs no key names (left by a
 * park that died between the two writes) are deleted.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3, Lease, Namespace } from 'etcd3';
import { Code, describeError, MigvisorError } from '../common/index.ts';
import { etcdClient, EtcdStore, type EtcdCredentials } from './etcd-store.ts';
import { NatsPacks, type NatsTls } from './nats-packs.ts';
import type { ChunkHash, ChunkWriter, Location, Lock, Manifest, SnapshotStore, StoreStats } from './store.ts';

/** Most chunk bytes in one pack. */
const PACK_BYTES = 256 * 1024;
/** Packs written at once. */
const PACK_CONCURRENCY = 8;
/** Packs read back kept in memory (restores read pages in order). */
const PACK_CACHE = 32;
const MARKER_TTL_S = 10;
const GC_WAIT_MS = 30_000;
const TXN_OPS = 64;

interface Place {
  readonly pack: string;
  readonly offset: number;
  readonly length: number;
}

function unavailable(e: unknown, what: string): MigvisorError {
  if (e instanceof MigvisorError) return e;
  return new MigvisorError(`etcd ${what}: ${describeError(e)}`, Code.UNAVAILABLE, { cause: e });
}

/** TLS of a replicated store: etcd's credentials (etcds://) and NATS's. */
export interface ReplicatedSecurity {
  readonly etcd?: EtcdCredentials;
  readonly nats?: NatsTls;
}

/** etcd for the catalog, NATS JetStream for the chunk bytes (see the file header). */
export class ReplicatedStore implements SnapshotStore {
  private readonly index = new Map<ChunkHash, Place>();
  private readonly packs = new Map<string, readonly (readonly [ChunkHash, number])[]>();
  private readonly pins = new Map<ChunkHash, number>();
  private readonly leases = new Set<Lease>();
  private readonly cache = new Map<string, Promise<Uint8Array>>();
  private readonly ns: Namespace;

  private constructor(
    private readonly meta: EtcdStore,
    private readonly client: Etcd3,
    private readonly bytes: NatsPacks,
    readonly uri: string,
  ) {
    this.ns = client.namespace('migvisor/');
  }

  /**
   * Opens the catalog at etcd `hostPort` and the chunk bucket of `chunksUri` with `replicas` replicas;
   * with `security`, etcd over TLS (etcds://) with its credentials and NATS over TLS.
   */
  static async open(hostPort: string, chunksUri: string, replicas: number, security?: ReplicatedSecurity): Promise<ReplicatedStore> {
    const scheme = security?.etcd ? 'etcds' : 'etcd';
    const meta = await EtcdStore.open(hostPort, `${scheme}://${hostPort}`, security?.etcd ? { credentials: security.etcd } : {});
    let bytes: NatsPacks;
    try {
      bytes = await NatsPacks.open(chunksUri, replicas, security?.nats);
    } catch (e: unknown) {
      await meta.close();
      throw e;
    }
    const client = etcdClient(hostPort, security?.etcd);
    const s = new ReplicatedStore(meta, client, bytes, `${scheme}://${hostPort}?chunks=${chunksUri}&replicas=${replicas}`);
    try {
      await s.refresh();
    } catch (e: unknown) {
      await s.close();
      throw unavailable(e, `at ${hostPort} unreachable`);
    }
    return s;
  }

  /** Re-reads the pack keys: which chunk lies where. */
  private async refresh(): Promise<void> {
    const all = await this.ns.getAll().prefix('packs/').strings();
    this.index.clear();
    this.packs.clear();
    for (const [key, v] of Object.entries(all)) this.learn(key.slice('packs/'.length), JSON.parse(v) as [ChunkHash, number][]);
  }

  private learn(pack: string, entries: readonly (readonly [ChunkHash, number])[]): void {
    this.packs.set(pack, entries);
    let offset = 0;
    for (const [h, length] of entries) {
      if (!this.index.has(h)) this.index.set(h, { pack, offset, length });
      offset += length;
    }
  }

  /** Whether the store holds a chunk. */
  has(hash: ChunkHash): boolean {
    return this.index.has(hash);
  }

  private pin(hash: ChunkHash, by: number): void {
    const n = (this.pins.get(hash) ?? 0) + by;
    if (n > 0) this.pins.set(hash, n);
    else this.pins.delete(hash);
  }

  private async marker(kind: 'parks' | 'gc'): Promise<Lease> {
    const lease = this.ns.lease(MARKER_TTL_S, { autoKeepAlive: true });
    this.leases.add(lease);
    await lease.put(`${kind}/${randomUUID()}`).value('chunks in nats');
    return lease;
  }

  private async drop(lease: Lease | undefined): Promise<void> {
    if (!lease) return;
    this.leases.delete(lease);
    await lease.revoke().catch(() => undefined);
  }

  /** Writes chunks as packs (bytes to NATS, then their keys to etcd). */
  private async writePacks(entries: readonly (readonly [ChunkHash, Uint8Array])[]): Promise<void> {
    const groups: (readonly [ChunkHash, Uint8Array])[][] = [];
    let group: (readonly [ChunkHash, Uint8Array])[] = [];
    let size = 0;
    for (const e of entries) {
      if (group.length > 0 && size + e[1].length > PACK_BYTES) {
        groups.push(group);
        group = [];
        size = 0;
      }
      group.push(e);
      size += e[1].length;
    }
    if (group.length > 0) groups.push(group);
    const written: [string, [ChunkHash, number][]][] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const g = groups[next++]!;
        const name = `pack-${randomUUID()}`;
        await this.bytes.put(name, Buffer.concat(g.map(([, d]) => d)));
        written.push([name, g.map(([h, d]) => [h, d.length])]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PACK_CONCURRENCY, groups.length) }, worker));
    for (let i = 0; i < written.length; i += TXN_OPS) {
      const batch = written.slice(i, i + TXN_OPS);
      try {
        await this.ns
          .if('none', 'Version', '==', 0)
          .then(...batch.map(([name, list]) => this.ns.put(`packs/${name}`).value(JSON.stringify(list))))
          .commit();
      } catch (e: unknown) {
        throw unavailable(e, 'write of pack keys failed');
      }
      for (const [name, list] of batch) this.learn(name, list);
    }
  }

  /** A writer for the chunks of one park. */
  writer(): ChunkWriter {
    const pending = new Map<ChunkHash, Uint8Array>();
    const skipped = new Map<ChunkHash, Uint8Array>();
    let park: Lease | undefined;
    let committing: Promise<void> | undefined;
    const write = async (): Promise<void> => {
      try {
        park ??= await this.marker('parks');
        const until = Date.now() + GC_WAIT_MS;
        while ((await this.ns.getAll().prefix('gc/').keys()).length > 0) {
          if (Date.now() > until) throw new MigvisorError('replicated store: a gc has been running for too long', Code.UNAVAILABLE);
          await sleep(50);
        }
        await this.refresh();
        // A chunk skipped as stored may have been freed by another coordinator since.
        const missing = [...skipped].filter(([h]) => !this.index.has(h));
        await this.writePacks([...pending, ...missing]);
        pending.clear();
      } catch (e: unknown) {
        throw unavailable(e, 'commit of chunks failed');
      }
    };
    const release = async (): Promise<void> => {
      for (const h of skipped.keys()) this.pin(h, -1);
      skipped.clear();
      await this.drop(park);
      park = undefined;
    };
    return {
      put: (hash, data) => {
        if (pending.has(hash) || skipped.has(hash)) return 0;
        if (this.index.has(hash)) {
          skipped.set(hash, data);
          this.pin(hash, 1);
          return 0;
        }
        pending.set(hash, data);
        return data.length;
      },
      // A source that timed out commits again while the first commit still writes: both wait for the one write.
      commit: () => {
        committing ??= write().catch((e: unknown) => {
          committing = undefined;
          throw e;
        });
        return committing;
      },
      release,
      abort: async () => {
        pending.clear();
        await release();
      },
    };
  }

  private pack(name: string): Promise<Uint8Array> {
    let p = this.cache.get(name);
    if (p) {
      this.cache.delete(name);
      this.cache.set(name, p);
      return p;
    }
    p = this.bytes.get(name).then((d) => {
      if (!d) throw new MigvisorError(`pack ${name} is missing from the nats chunk store`, Code.DATA_LOSS);
      return d;
    });
    p.catch(() => this.cache.delete(name));
    this.cache.set(name, p);
    while (this.cache.size > PACK_CACHE) this.cache.delete(this.cache.keys().next().value!);
    return p;
  }

  /** Reads a chunk (the caller checks it against its address). */
  async get(hash: ChunkHash): Promise<Uint8Array> {
    let at = this.index.get(hash);
    if (!at) {
      await this.refresh().catch((e: unknown) => {
        throw unavailable(e, 'read failed');
      });
      at = this.index.get(hash);
    }
    if (!at) throw new MigvisorError(`chunk ${hash.slice(0, 16)} is missing from the store`, Code.DATA_LOSS);
    try {
      const pack = await this.pack(at.pack);
      return pack.subarray(at.offset, at.offset + at.length);
    } catch (e: unknown) {
      // A gc may have moved the chunk to another pack since: look once more.
      if (!(e instanceof MigvisorError) || e.code !== Code.DATA_LOSS) throw e;
      await this.refresh();
      const now = this.index.get(hash);
      if (!now || now.pack === at.pack) throw e;
      return (await this.pack(now.pack)).subarray(now.offset, now.offset + now.length);
    }
  }

  /** Reads several chunks, in order (each pack once). */
  getMany(hashes: readonly ChunkHash[]): Promise<Uint8Array[]> {
    return Promise.all(hashes.map((h) => this.get(h)));
  }

  putManifest(m: Manifest): Promise<void> {
    return this.meta.putManifest(m);
  }

  getManifest(id: string): Promise<Manifest | undefined> {
    return this.meta.getManifest(id);
  }

  listManifests(): Promise<Manifest[]> {
    return this.meta.listManifests();
  }

  deleteManifest(id: string): Promise<void> {
    return this.meta.deleteManifest(id);
  }

  /** Frees packs no chunk of which is used, and packs no key names; nothing while a park runs anywhere. */
  async gc(): Promise<number> {
    const mark = await this.marker('gc');
    try {
      if ((await this.ns.getAll().prefix('parks/').keys()).length > 0) return 0;
      await this.refresh();
      const live = new Set<ChunkHash>(this.pins.keys());
      for (const m of await this.listManifests()) for (const [, h] of m.pages) live.add(h);
      let freed = 0;
      for (const [name, list] of [...this.packs]) {
        const dead = list.filter(([h]) => !live.has(h));
        if (dead.length === 0) continue;
        if (dead.length < list.length) {
          // Partly used: its live chunks move to a new pack first (no park runs meanwhile).
          const data = await this.pack(name);
          const keep: (readonly [ChunkHash, Uint8Array])[] = [];
          let offset = 0;
          for (const [h, l] of list) {
            if (live.has(h)) keep.push([h, data.subarray(offset, offset + l)]);
            offset += l;
          }
          await this.writePacks(keep);
        }
        await this.ns.delete().key(`packs/${name}`);
        await this.bytes.delete(name);
        this.cache.delete(name);
        freed += dead.reduce((n, [, l]) => n + l, 0);
      }
      for (const name of await this.bytes.names()) if (!this.packs.has(name)) await this.orphan(name);
      await this.refresh();
      return freed;
    } finally {
      await this.drop(mark);
    }
  }

  private async orphan(name: string): Promise<void> {
    if (!(await this.ns.get(`packs/${name}`).string())) await this.bytes.delete(name);
  }

  /** Chunk bytes and count. */
  async stats(): Promise<StoreStats> {
    await this.refresh();
    let bytes = 0;
    for (const at of this.index.values()) bytes += at.length;
    return { bytes, chunks: this.index.size };
  }

  setLocation(taskId: string, loc: Location | undefined): Promise<void> {
    return this.meta.setLocation(taskId, loc);
  }

  getLocation(taskId: string): Promise<Location | undefined> {
    return this.meta.getLocation(taskId);
  }

  lock(taskId: string, owner: string, ttlMs: number): Promise<Lock> {
    return this.meta.lock(taskId, owner, ttlMs);
  }

  /** Releases leases, disconnects from etcd and NATS. */
  async close(): Promise<void> {
    await Promise.all([...this.leases].map((l) => l.revoke().catch(() => undefined)));
    this.leases.clear();
    this.client.close();
    await this.meta.close();
    await this.bytes.close();
  }
}
