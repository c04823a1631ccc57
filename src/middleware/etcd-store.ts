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
 *   parks/<id>, gc/<id>        markers (with leases) of parks in progress and of a gc
 *
 * Chunks are written before the manifest that references them, in transactions
 * of at most TXN_OPS puts and TXN_BYTES bytes, so a half-written park is never
 * visible as a snapshot. A park and a gc never overlap: each announces itself
 * with a marker, then looks for the other's (a gc finding a park skips; a park
 * finding a gc waits). A committing park re-reads which chunks exist, so chunks
 * another coordinator freed since are written again, never assumed.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3, type Lease, type Namespace } from 'etcd3';
import { AlreadyExistsError, Code, describeError, MigvisorError } from '../common/index.ts';
import type { ChunkHash, ChunkWriter, Location, Lock, Manifest, SnapshotStore, StoreStats } from './store.ts';

/** etcd's default limits are 128 operations and 1.5 MiB per request. */
const TXN_OPS = 64;
const TXN_BYTES = 1 << 20;
const PAGES_PER_KEY = 4096;
/** Lease of park and gc markers (kept alive while the holder lives). */
const MARKER_TTL_S = 10;
/** Longest a park waits for a running gc to finish. */
const GC_WAIT_MS = 30_000;

function unavailable(e: unknown, what: string): MigvisorError {
  return new MigvisorError(`etcd ${what}: ${describeError(e)}`, Code.UNAVAILABLE, { cause: e });
}

/** TLS for the etcd client: the CA etcd's certificate is signed by, and the client's key and certificate. */
export interface EtcdCredentials {
  readonly rootCertificate: Buffer;
  readonly privateKey: Buffer;
  readonly certChain: Buffer;
}

/** The snapshot store in etcd (see the file header for its key layout). */
export class EtcdStore implements SnapshotStore {
  private readonly known = new Set<ChunkHash>();
  private readonly ns: Namespace;
  /** Chunks staged writers of this process rely on without writing them. */
  private readonly pins = new Map<ChunkHash, number>();
  /** Leases this store holds (locks, markers): revoked on close. */
  private readonly leases = new Set<Lease>();

  private constructor(
    private readonly client: Etcd3,
    readonly uri: string,
  ) {
    this.ns = client.namespace('migvisor/');
  }

  /** Connects (over TLS with `credentials`: the CA, and the client's key and certificate) and loads the names of stored chunks (values stay in etcd). */
  static async open(hostPort: string, uri = `etcd://${hostPort}`, credentials?: EtcdCredentials): Promise<EtcdStore> {
    const client = new Etcd3({ hosts: `${credentials ? 'https' : 'http'}://${hostPort}`, dialTimeout: 3000, ...(credentials ? { credentials } : {}) });
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

  /** Whether the store holds a chunk. */
  has(hash: ChunkHash): boolean {
    return this.known.has(hash);
  }

  private pin(hash: ChunkHash, by: number): void {
    const n = (this.pins.get(hash) ?? 0) + by;
    if (n > 0) this.pins.set(hash, n);
    else this.pins.delete(hash);
  }

  private async marker(kind: 'parks' | 'gc'): Promise<{ key: string; lease: Lease }> {
    const lease = this.ns.lease(MARKER_TTL_S, { autoKeepAlive: true });
    this.leases.add(lease);
    const key = `${kind}/${randomUUID()}`;
    await lease.put(key).value('1');
    return { key, lease };
  }

  private async dropMarker(m: { lease: Lease } | undefined): Promise<void> {
    if (!m) return;
    this.leases.delete(m.lease);
    await m.lease.revoke().catch(() => undefined);
  }

  /** Writes chunks in transactions bounded by operation count and bytes. */
  private async putChunks(entries: readonly (readonly [ChunkHash, Uint8Array])[]): Promise<void> {
    for (let i = 0; i < entries.length; ) {
      const batch: (readonly [ChunkHash, Uint8Array])[] = [];
      let bytes = 0;
      while (i < entries.length && batch.length < TXN_OPS && (batch.length === 0 || bytes + entries[i]![1].length <= TXN_BYTES)) {
        bytes += entries[i]![1].length;
        batch.push(entries[i++]!);
      }
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
  }

  /** Re-reads the names of stored chunks. */
  private async refresh(): Promise<Set<ChunkHash>> {
    const keys = await this.ns.getAll().prefix('chunks/').keys();
    const now = new Set(keys.map((k) => k.slice('chunks/'.length)));
    this.known.clear();
    for (const h of now) this.known.add(h);
    return now;
  }

  /** A writer for the chunks of one park. */
  writer(): ChunkWriter {
    const pending = new Map<ChunkHash, Uint8Array>();
    /** Chunks skipped as already stored, with their bytes in case they vanish meanwhile. */
    const skipped = new Map<ChunkHash, Uint8Array>();
    let park: { key: string; lease: Lease } | undefined;
    const release = async (): Promise<void> => {
      for (const h of skipped.keys()) this.pin(h, -1);
      skipped.clear();
      await this.dropMarker(park);
      park = undefined;
    };
    return {
      put: (hash, data) => {
        if (pending.has(hash) || skipped.has(hash)) return 0;
        if (this.known.has(hash)) {
          skipped.set(hash, data);
          this.pin(hash, 1);
          return 0;
        }
        pending.set(hash, data);
        return data.length;
      },
      commit: async () => {
        try {
          park = await this.marker('parks');
          const until = Date.now() + GC_WAIT_MS;
          while ((await this.ns.getAll().prefix('gc/').keys()).length > 0) {
            if (Date.now() > until) throw new MigvisorError('etcd store: a gc has been running for too long', Code.UNAVAILABLE);
            await sleep(50);
          }
          const present = await this.refresh();
          // A chunk skipped as stored may have been freed by another coordinator since.
          const missing = [...skipped].filter(([h]) => !present.has(h));
          await this.putChunks([...pending, ...missing]);
        } catch (e: unknown) {
          if (e instanceof MigvisorError) throw e;
          throw unavailable(e, 'commit of chunks failed');
        }
      },
      release,
      abort: async () => {
        pending.clear();
        await release();
      },
    };
  }

  /** Reads a chunk (the caller checks it against its hash). */
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

  /** Reads several chunks, in order. */
  async getMany(hashes: readonly ChunkHash[]): Promise<Uint8Array[]> {
    return Promise.all(hashes.map((h) => this.get(h)));
  }

  /** Stores a manifest atomically: the snapshot becomes visible. */
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

  /** A snapshot's manifest, if it exists. */
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

  /** Every manifest, oldest first. */
  async listManifests(): Promise<Manifest[]> {
    const all = await this.ns.getAll().prefix('snapshots/').strings();
    const out: Manifest[] = [];
    for (const v of Object.values(all)) out.push(await this.complete(JSON.parse(v) as Manifest & { pageParts: number }));
    return out.sort((a, b) => a.createdUnixMs - b.createdUnixMs);
  }

  /** Deletes a manifest (its chunks stay until gc). */
  async deleteManifest(id: string): Promise<void> {
    await this.ns.delete().key(`snapshots/${id}`);
    await this.ns.delete().prefix(`snapshot-pages/${id}/`);
  }

  /** Frees unreferenced chunks, unless a park is in progress anywhere (then it frees nothing now). */
  async gc(): Promise<number> {
    const mark = await this.marker('gc');
    try {
      if ((await this.ns.getAll().prefix('parks/').keys()).length > 0) return 0;
      const live = new Set<ChunkHash>(this.pins.keys());
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
    } finally {
      await this.dropMarker(mark);
    }
  }

  /** Chunk bytes and count. */
  async stats(): Promise<StoreStats> {
    const res = await this.ns.getAll().prefix('chunks/').exec();
    let bytes = 0;
    for (const kv of res.kvs) bytes += kv.value.length;
    return { bytes, chunks: res.kvs.length };
  }

  /** Records where a task is (undefined: forgets it). */
  async setLocation(taskId: string, loc: Location | undefined): Promise<void> {
    if (loc) await this.ns.put(`directory/${taskId}`).value(JSON.stringify(loc));
    else await this.ns.delete().key(`directory/${taskId}`);
  }

  /** Where a task was last recorded. */
  async getLocation(taskId: string): Promise<Location | undefined> {
    const v = await this.ns.get(`directory/${taskId}`).string();
    return v === null ? undefined : (JSON.parse(v) as Location);
  }

  /** A lock bound to a lease: if its holder dies, the lease expires and frees it. */
  async lock(taskId: string, owner: string, ttlMs: number): Promise<Lock> {
    const key = `locks/${taskId}`;
    const lease = this.ns.lease(Math.max(1, Math.ceil(ttlMs / 1000)), { autoKeepAlive: true });
    this.leases.add(lease);
    try {
      const res = await this.ns.if(key, 'Create', '==', 0).then(this.ns.put(key).value(owner).lease(await lease.grant())).commit();
      if (!res.succeeded) {
        const holder = await this.ns.get(key).string();
        this.leases.delete(lease);
        await lease.revoke().catch(() => undefined);
        throw new AlreadyExistsError(`task ${taskId} is being moved by ${holder ?? 'another coordinator'}`);
      }
    } catch (e: unknown) {
      if (e instanceof MigvisorError) throw e;
      this.leases.delete(lease);
      await lease.revoke().catch(() => undefined);
      throw unavailable(e, 'lock failed');
    }
    return {
      release: async () => {
        this.leases.delete(lease);
        await lease.revoke().catch(() => undefined);
      },
    };
  }

  /** Releases every lease this store holds (locks and markers), then disconnects. */
  async close(): Promise<void> {
    await Promise.all([...this.leases].map((l) => l.revoke().catch(() => undefined)));
    this.leases.clear();
    this.client.close();
  }
}
