/**
 * The distributed backend: the snapshot catalog, chunks, the directory of where
 * tasks run, and leased locks, in etcd, so several middlewares on several machines
 * share one archive and never move the same task at once. Keys under `migvisor/`:
 *
 *   chunks/<hash>              chunk bytes (a page: far below etcd's request limit)
 *   snapshots/<id>             manifest without its page list
 *   snapshot-pages/<id>/<n>    the page list, in parts of PAGES_PER_KEY entries
 *   directory/<task>           location JSON
 *   locks/<task>               lock key bound to a lease (TTL), held by a mover
 *
 * Chunks are written before the manifest that references them, in transactions
 * of at most TXN_OPS puts, so a half-written park is never visible as a snapshot.
 */
import { Etcd3, type Namespace } from 'etcd3';
import { AlreadyExistsError, Code, MigvisorError } from '../common/errors.ts';
import type { ChunkHash, ChunkWriter, Location, Lock, Manifest, SnapshotStore, StoreStats } from './store.ts';

/** etcd's default limit is 128 operations per transaction. */
const TXN_OPS = 64;
const PAGES_PER_KEY = 4096;

function unavailable(e: unknown, what: string): MigvisorError {
  return new MigvisorError(`etcd ${what}: ${e instanceof Error ? e.message : String(e)}`, Code.UNAVAILABLE, { cause: e });
}

export class EtcdStore implements SnapshotStore {
  private readonly known = new Set<ChunkHash>();
  private readonly ns: Namespace;

  private constructor(
    private readonly client: Etcd3,
    readonly uri: string,
  ) {
    this.ns = client.namespace('migvisor/');
  }

  /** Connects and loads the names of stored chunks (values stay in etcd). */
  static async open(hostPort: string, uri = `etcd://${hostPort}`): Promise<EtcdStore> {
    const client = new Etcd3({ hosts: `http://${hostPort}`, dialTimeout: 3000 });
    const s = new EtcdStore(client, uri);
    try {
      const keys = await s.ns.getAll().prefix('chunks/').keys();
      for (const k of keys) s.known.add(k.slice('chunks/'.length));
    } catch (e: unknown) {
      client.close();
      throw unavailable(e, `at ${hostPort} unreachable`);
    }
    return s;
  }

  has(hash: ChunkHash): boolean {
    return this.known.has(hash);
  }

  writer(): ChunkWriter {
    const pending = new Map<ChunkHash, Uint8Array>();
    return {
      put: (hash, data) => {
        if (this.known.has(hash) || pending.has(hash)) return 0;
        pending.set(hash, data);
        return data.length;
      },
      commit: async () => {
        const entries = [...pending];
        for (let i = 0; i < entries.length; i += TXN_OPS) {
          const batch = entries.slice(i, i + TXN_OPS);
          try {
            await this.ns
              .if('none', 'Version', '==', 0)
              .then(...batch.map(([h, d]) => this.ns.put(`chunks/${h}`).value(Buffer.from(d))))
              .commit();
          } catch (e: unknown) {
            throw unavailable(e, 'write of chunks failed');
          }
          for (const [h] of batch) this.known.add(h);
        }
      },
      abort: async () => {
        pending.clear();
      },
    };
  }

  async get(hash: ChunkHash): Promise<Uint8Array> {
    let v: Buffer | null;
    try {
      v = await this.ns.get(`chunks/${hash}`).buffer();
    } catch (e: unknown) {
      throw unavailable(e, 'read failed');
    }
    if (!v) throw new MigvisorError(`chunk ${hash.slice(0, 16)} is missing from the store`, Code.DATA_LOSS);
    return v;
  }

  async getMany(hashes: readonly ChunkHash[]): Promise<Uint8Array[]> {
    return Promise.all(hashes.map((h) => this.get(h)));
  }

  async putManifest(m: Manifest): Promise<void> {
    const parts: (readonly (readonly [number, ChunkHash])[])[] = [];
    for (let i = 0; i < m.pages.length; i += PAGES_PER_KEY) parts.push(m.pages.slice(i, i + PAGES_PER_KEY));
    const head = JSON.stringify({ ...m, pages: [], pageParts: parts.length });
    try {
      // Page lists first, the manifest last: a snapshot is visible only when complete.
      for (let i = 0; i < parts.length; i++) await this.ns.put(`snapshot-pages/${m.id}/${i}`).value(JSON.stringify(parts[i]));
      await this.ns.put(`snapshots/${m.id}`).value(head);
    } catch (e: unknown) {
      throw unavailable(e, 'write of a manifest failed');
    }
  }

  async getManifest(id: string): Promise<Manifest | undefined> {
    const head = await this.ns.get(`snapshots/${id}`).string();
    if (head === null) return undefined;
    return this.complete(JSON.parse(head) as Manifest & { pageParts: number });
  }

  private async complete(m: Manifest & { pageParts: number }): Promise<Manifest> {
    const pages: (readonly [number, ChunkHash])[] = [];
    for (let i = 0; i < m.pageParts; i++) {
      const part = await this.ns.get(`snapshot-pages/${m.id}/${i}`).string();
      if (part === null) throw new MigvisorError(`snapshot ${m.id}: page list part ${i} is missing`, Code.DATA_LOSS);
      pages.push(...(JSON.parse(part) as [number, ChunkHash][]));
    }
    const { pageParts: _, ...rest } = m;
    void _;
    return { ...rest, pages };
  }

  async listManifests(): Promise<Manifest[]> {
    const all = await this.ns.getAll().prefix('snapshots/').strings();
    const out: Manifest[] = [];
    for (const v of Object.values(all)) out.push(await this.complete(JSON.parse(v) as Manifest & { pageParts: number }));
    return out.sort((a, b) => a.createdUnixMs - b.createdUnixMs);
  }

  async deleteManifest(id: string): Promise<void> {
    await this.ns.delete().key(`snapshots/${id}`);
    await this.ns.delete().prefix(`snapshot-pages/${id}/`);
  }

  async gc(): Promise<number> {
    const live = new Set<ChunkHash>();
    for (const m of await this.listManifests()) for (const [, h] of m.pages) live.add(h);
    const keys = await this.ns.getAll().prefix('chunks/').keys();
    let freed = 0;
    const dead = keys.map((k) => k.slice('chunks/'.length)).filter((h) => !live.has(h));
    for (let i = 0; i < dead.length; i += TXN_OPS) {
      const batch = dead.slice(i, i + TXN_OPS);
      for (const h of batch) {
        const v = await this.ns.get(`chunks/${h}`).buffer();
        freed += v?.length ?? 0;
      }
      await this.ns
        .if('none', 'Version', '==', 0)
        .then(...batch.map((h) => this.ns.delete().key(`chunks/${h}`)))
        .commit();
      for (const h of batch) this.known.delete(h);
    }
    return freed;
  }

  async stats(): Promise<StoreStats> {
    const res = await this.ns.getAll().prefix('chunks/').exec();
    let bytes = 0;
    for (const kv of res.kvs) bytes += kv.value.length;
    return { bytes, chunks: res.kvs.length };
  }

  async setLocation(taskId: string, loc: Location | undefined): Promise<void> {
    if (loc) await this.ns.put(`directory/${taskId}`).value(JSON.stringify(loc));
    else await this.ns.delete().key(`directory/${taskId}`);
  }

  async getLocation(taskId: string): Promise<Location | undefined> {
    const v = await this.ns.get(`directory/${taskId}`).string();
    return v === null ? undefined : (JSON.parse(v) as Location);
  }

  /** A lock bound to a lease: if its holder dies, the lease expires and frees it. */
  async lock(taskId: string, owner: string, ttlMs: number): Promise<Lock> {
    const key = `locks/${taskId}`;
    const lease = this.ns.lease(Math.max(1, Math.ceil(ttlMs / 1000)), { autoKeepAlive: true });
    try {
      const res = await this.ns.if(key, 'Create', '==', 0).then(this.ns.put(key).value(owner).lease(await lease.grant())).commit();
      if (!res.succeeded) {
        const holder = await this.ns.get(key).string();
        await lease.revoke().catch(() => undefined);
        throw new AlreadyExistsError(`task ${taskId} is being moved by ${holder ?? 'another coordinator'}`);
      }
    } catch (e: unknown) {
      if (e instanceof MigvisorError) throw e;
      await lease.revoke().catch(() => undefined);
      throw unavailable(e, 'lock failed');
    }
    return { release: async () => void (await lease.revoke().catch(() => undefined)) };
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
