/**
 * The distributed backend: the snapshot catalog, chunks, the directory of where
 * tasks run, and leased locks, in etcd, so several middlewares on several machines
 * share one archive and never move the same task at once. Keys under `migvisor/`:
 *
 *   chunks/<hash>              chunk bytes (a page of at most MAX_CHUNK_BYTES)
 *   snapshots/<id>             manifest without its page list
 *   snapshot-pages/<id>/<n>    the page list, in parts of PAGES_PER_KEY entries, each packed
 *                              (page-list.ts; the old form, a JSON array of entries, is read too)
 *   directory/<task>           location JSON, bound to the writing middleware's session lease
 *   locks/<task>               lock key bound to a lease (TTL), held by a mover
 *   parks/<id>, gc/<id>        markers (with leases) of parks in progress and of a gc;
 *                              the value names the owner ({"owner","pid","host","sinceUnixMs"})
 *
 * A manifest and its page list are written in one transaction (up to
 * TXN_OPS keys and TXN_BYTES bytes, about 12,000 pages; a longer list is written
 * in parts first, its head last, so it is still invisible until complete).
 * Directory entries vanish when the middleware that wrote them dies (its
 * session lease expires). Every call has a deadline and the client keeps no
 * circuit breaker: a store that comes back is used again at the next call. The
 * store compacts etcd's history itself (see {@link EtcdStoreOptions}).
 *
 * Chunks are written before the manifest that references them, in transactions
 * of at most TXN_OPS puts and TXN_BYTES bytes, so a half-written park is never
 * visible as a snapshot. A park and a gc never overlap: each announces itself
 * with a marker, then looks for the other's (a gc finding a park skips; a park
 * finding a gc waits). A committing park re-reads which chunks exist, so chunks
 * another coordinator freed since are written again, never assumed.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3, type Lease, type Namespace } from 'etcd3';
import { AlreadyExistsError, Code, describeError, MigvisorError } from '../common/index.ts';
import { PageList } from './page-list.ts';
import type { ChunkHash, ChunkWriter, Location, Lock, Manifest, SnapshotStore, StoreStats } from './store.ts';

/** A manifest from its head and its page list's parts (each packed, or an old array of entries). */
function withPages(head: Manifest & { pageParts: number }, parts: readonly PageList[]): Manifest {
  const { pageParts: _, ...rest } = head;
  void _;
  return { ...rest, pages: PageList.join(parts) };
}

/** etcd's default limits are 128 operations and 1.5 MiB per request. */
const TXN_OPS = 64;
const TXN_BYTES = 1 << 20;
const PAGES_PER_KEY = 4096;
/** Lease of park and gc markers (kept alive while the holder lives). */
const MARKER_TTL_S = 10;
/** Longest a park waits for a running gc to finish. */
const GC_WAIT_MS = 30_000;
/** The largest chunk: etcd refuses requests over 1.5 MiB (its default --max-request-bytes). */
export const MAX_CHUNK_BYTES = 1 << 20;
/** Deadline of one etcd call (ms); streams (lease keep-alives, watches) have none. */
const CALL_DEADLINE_MS = 3000;
/** Lease of this store's directory entries (s): they vanish this long after the middleware dies. */
const SESSION_TTL_S = 10;

/** Who an etcd store is, how it compacts etcd's revision history, how long its directory entries outlive it. */
export interface EtcdStoreOptions {
  /** Who holds this store's markers and directory entries. @default `middleware@HOST:PID` */
  readonly owner?: string;
  /** Compact once this many revisions were written since the last compaction (0: never). @default 1000 */
  readonly compactAfterRevisions?: number;
  /** How often the revision count is checked (ms). @default 60000 */
  readonly compactCheckMs?: number;
  /** TTL of the session lease that directory entries are bound to (s). @default 10 */
  readonly sessionTtlS?: number;
  /** TLS (etcds://): the CA etcd's certificate is signed by, and the client's key and certificate. */
  readonly credentials?: EtcdCredentials;
}

/**
 * An etcd3 fault policy that only runs the call: no retries, no circuit breaker
 * (etcd3's default breaker, once open after three failures, kept refusing calls
 * to a store that had come back). Failures reach the caller, which decides.
 */
const PASS_THROUGH = {
  execute: <T>(fn: (ctx: { signal: AbortSignal; attempt: number }) => T | Promise<T>): Promise<T> =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal, attempt: 0 })),
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
};

function unavailable(e: unknown, what: string): MigvisorError {
  return new MigvisorError(`etcd ${what}: ${describeError(e)}`, Code.UNAVAILABLE, { cause: e });
}

/**
 * An etcd client for the archive (over TLS with `credentials`): no retries, no circuit breaker
 * ({@link PASS_THROUGH}), a deadline on every unary call.
 */
export function etcdClient(hostPort: string, credentials?: EtcdCredentials): Etcd3 {
  return new Etcd3({
    hosts: `${credentials ? 'https' : 'http'}://${hostPort}`,
    dialTimeout: 3000,
    ...(credentials ? { credentials } : {}),
    faultHandling: { host: () => PASS_THROUGH as never, global: PASS_THROUGH as never },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS }),
  });
}

/** TLS for the etcd client: the CA etcd's certificate is signed by, and the client's key and certificate. */
export interface EtcdCredentials {
  readonly rootCertificate: Buffer;
  readonly privateKey: Buffer;
  readonly certChain: Buffer;
}

/** Runs a store call; a failure of etcd itself becomes one UNAVAILABLE line naming `what` (our own errors pass). */
async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e: unknown) {
    if (e instanceof MigvisorError) throw e;
    throw unavailable(e, what);
  }
}

/** The snapshot store in etcd (see the file header for its key layout). */
export class EtcdStore implements SnapshotStore {
  private readonly known = new Set<ChunkHash>();
  private readonly ns: Namespace;
  /** Chunks staged writers of this process rely on without writing them. */
  private readonly pins = new Map<ChunkHash, number>();
  /** Leases this store holds (locks, markers): revoked on close. */
  private readonly leases = new Set<Lease>();
  /** The largest chunk this store takes (bytes). */
  readonly maxChunkBytes = MAX_CHUNK_BYTES;
  /** Who holds this store's markers and directory entries. */
  readonly owner: string;
  /** The lease of this store's directory entries, granted at the first entry (and again if lost). */
  private session: Promise<{ lease: Lease; id: string }> | undefined;
  private compactTimer: NodeJS.Timeout | undefined;
  /** The revision the last compaction compacted to (0: none yet). */
  private compactedAt = 0;

  private constructor(
    private readonly client: Etcd3,
    readonly uri: string,
    options: EtcdStoreOptions,
  ) {
    this.ns = client.namespace('migvisor/');
    this.owner = options.owner ?? `middleware@${hostname()}:${process.pid}`;
    this.sessionTtlS = options.sessionTtlS ?? SESSION_TTL_S;
  }

  private readonly sessionTtlS: number;

  /** Connects (over TLS with `options.credentials`: the CA, and the client's key and certificate) and loads the names of stored chunks (values stay in etcd). */
  static async open(hostPort: string, uri = `etcd://${hostPort}`, options: EtcdStoreOptions = {}): Promise<EtcdStore> {
    const client = etcdClient(hostPort, options.credentials);
    const s = new EtcdStore(client, uri, options);
    try {
      const keys = await s.ns.getAll().prefix('chunks/').keys();
      for (const k of keys) s.known.add(k.slice('chunks/'.length));
    } catch (e: unknown) {
      client.close();
      throw unavailable(e, `at ${hostPort} unreachable`);
    }
    const every = options.compactAfterRevisions ?? 1000;
    if (every > 0) {
      s.compactTimer = setInterval(() => void s.compactIfDue(every).catch(() => undefined), options.compactCheckMs ?? 60_000);
      s.compactTimer.unref();
    }
    return s;
  }

  /** The store's current etcd revision. */
  private async revision(): Promise<number> {
    const res = await this.client.get('migvisor/').exec();
    return Number(res.header.revision);
  }

  /** Compacts when `every` revisions were written since the last compaction; resolves with the revision compacted to (0: none). */
  async compactIfDue(every: number): Promise<number> {
    const rev = await this.revision();
    if (rev - this.compactedAt < every) return 0;
    return this.compact(rev);
  }

  /**
   * Compacts etcd's history up to `revision` (default: now) and defragments the
   * member, so the database holds little more than the live keys. Another
   * middleware having compacted further already is not an error.
   */
  async compact(revision?: number): Promise<number> {
    const rev = revision ?? (await this.revision());
    try {
      await this.client.kv.compact({ revision: String(rev), physical: true });
    } catch (e: unknown) {
      if (!/compacted/i.test(describeError(e))) throw unavailable(e, 'compaction failed');
    }
    this.compactedAt = rev;
    await this.client.maintenance.defragment({ deadline: Date.now() + 30_000 }).catch(() => undefined);
    return rev;
  }

  /** What a marker names: who holds it and since when. */
  private ownerValue(): string {
    return JSON.stringify({ owner: this.owner, pid: process.pid, host: hostname(), sinceUnixMs: Date.now() });
  }

  /** The lease of this store's directory entries (kept alive while the process lives). */
  private sessionLease(): Promise<{ lease: Lease; id: string }> {
    this.session ??= (async () => {
      const lease = this.ns.lease(this.sessionTtlS, { autoKeepAlive: true });
      this.leases.add(lease);
      lease.on('lost', () => {
        this.leases.delete(lease);
        this.session = undefined;
      });
      try {
        return { lease, id: await lease.grant() };
      } catch (e: unknown) {
        this.leases.delete(lease);
        lease.release();
        this.session = undefined;
        throw e;
      }
    })();
    return this.session;
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
    try {
      await lease.put(key).value(this.ownerValue());
    } catch (e: unknown) {
      await this.dropMarker({ lease });
      throw e;
    }
    return { key, lease };
  }

  /** Revokes a marker's lease; if the store does not answer, stops keeping it alive, so it expires by itself. */
  private async dropMarker(m: { lease: Lease } | undefined): Promise<void> {
    if (!m) return;
    this.leases.delete(m.lease);
    await m.lease.revoke().catch(() => m.lease.release());
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

  /** Stores a manifest and its page list in one transaction (a list too long for one is written in parts first). */
  async putManifest(m: Manifest): Promise<void> {
    const parts: string[] = [];
    for (let i = 0; i < m.pages.length; i += PAGES_PER_KEY) parts.push(JSON.stringify(m.pages.sublist(i, i + PAGES_PER_KEY)));
    const head = JSON.stringify({ ...m, pages: [], pageParts: parts.length });
    const puts = parts.map((p, i) => [`snapshot-pages/${m.id}/${i}`, p] as const);
    try {
      // Parts that do not fit the last transaction go first: a snapshot is visible only with its head.
      let last: (readonly [string, string])[] = [];
      let bytes = head.length;
      for (let i = puts.length - 1; i >= 0 && last.length + 1 < TXN_OPS && bytes + puts[i]![1].length <= TXN_BYTES; i--) {
        bytes += puts[i]![1].length;
        last = [puts[i]!, ...last];
      }
      const early = puts.slice(0, puts.length - last.length);
      for (let i = 0; i < early.length; i += 2) await this.txn(early.slice(i, i + 2));
      await this.txn([...last, [`snapshots/${m.id}`, head]]);
    } catch (e: unknown) {
      throw unavailable(e, 'write of a manifest failed');
    }
  }

  /** Puts key/values in one transaction. */
  private async txn(kvs: readonly (readonly [string, string])[]): Promise<void> {
    await this.ns
      .if('none', 'Version', '==', 0)
      .then(...kvs.map(([k, v]) => this.ns.put(k).value(v)))
      .commit();
  }

  /** A snapshot's manifest, if it exists. */
  async getManifest(id: string): Promise<Manifest | undefined> {
    return guarded('read of a manifest failed', async () => {
      const head = await this.ns.get(`snapshots/${id}`).string();
      if (head === null) return undefined;
      return this.complete(JSON.parse(head) as Manifest & { pageParts: number });
    });
  }

  private async complete(m: Manifest & { pageParts: number }): Promise<Manifest> {
    // The parts at once: one round trip, whatever the snapshot's size.
    const parts = await Promise.all(
      Array.from({ length: m.pageParts }, async (_, i) => {
        const part = await this.ns.get(`snapshot-pages/${m.id}/${i}`).string();
        if (part === null) throw new MigvisorError(`snapshot ${m.id}: page list part ${i} is missing`, Code.DATA_LOSS);
        return PageList.fromStored(JSON.parse(part), `snapshot ${m.id}`);
      }),
    );
    return withPages(m, parts);
  }

  /** Every manifest, oldest first. */
  async listManifests(): Promise<Manifest[]> {
    return guarded('list of manifests failed', async () => {
      // Two range reads, whatever the number of snapshots: the heads, then every page list part.
      const all = await this.ns.getAll().prefix('snapshots/').strings();
      const parts = await this.ns.getAll().prefix('snapshot-pages/').strings();
      const out: Manifest[] = [];
      for (const v of Object.values(all)) {
        const head = JSON.parse(v) as Manifest & { pageParts: number };
        const lists: PageList[] = [];
        for (let i = 0; i < head.pageParts; i++) {
          const part = parts[`snapshot-pages/${head.id}/${i}`];
          // Written after the heads were read: read this one on its own.
          if (part === undefined) break;
          lists.push(PageList.fromStored(JSON.parse(part), `snapshot ${head.id}`));
        }
        out.push(lists.length === head.pageParts ? withPages(head, lists) : await this.complete(head));
      }
      return out.sort((a, b) => a.createdUnixMs - b.createdUnixMs);
    });
  }

  /** Deletes a manifest (its chunks stay until gc). */
  async deleteManifest(id: string): Promise<void> {
    try {
      await this.ns.if('none', 'Version', '==', 0).then(this.ns.delete().key(`snapshots/${id}`), this.ns.delete().prefix(`snapshot-pages/${id}/`)).commit();
    } catch (e: unknown) {
      throw unavailable(e, 'delete of a manifest failed');
    }
  }

  /** Frees unreferenced chunks, unless a park is in progress anywhere (then it frees nothing now). */
  async gc(): Promise<number> {
    return guarded('gc failed', () => this.gcOnce());
  }

  private async gcOnce(): Promise<number> {
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
    const res = await guarded('read of the chunk count failed', () => this.ns.getAll().prefix('chunks/').exec());
    let bytes = 0;
    for (const kv of res.kvs) bytes += kv.value.length;
    return { bytes, chunks: res.kvs.length };
  }

  /** Records where a task is (undefined: forgets it). */
  async setLocation(taskId: string, loc: Location | undefined): Promise<void> {
    try {
      if (loc) await this.ns.put(`directory/${taskId}`).value(JSON.stringify(loc)).lease((await this.sessionLease()).id);
      else await this.ns.delete().key(`directory/${taskId}`);
    } catch (e: unknown) {
      throw unavailable(e, 'write of the directory failed');
    }
  }

  /** Where a task was last recorded. */
  async getLocation(taskId: string): Promise<Location | undefined> {
    const v = await guarded('read of the directory failed', () => this.ns.get(`directory/${taskId}`).string());
    return v === null ? undefined : (JSON.parse(v) as Location);
  }

  /** A lock bound to a lease: if its holder dies, the lease expires and frees it. */
  async lock(taskId: string, owner: string, ttlMs: number): Promise<Lock> {
    const key = `locks/${taskId}`;
    const lease = this.ns.lease(Math.max(1, Math.ceil(ttlMs / 1000)), { autoKeepAlive: true });
    this.leases.add(lease);
    try {
      const res = await this.ns.if(key, 'Create', '==', 0).then(this.ns.put(key).value(owner).lease(await lease.grant())).commit();
      // A lock not taken, or a lease lost later, must not be kept alive.
      lease.on('lost', () => this.leases.delete(lease));
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
    if (this.compactTimer) clearInterval(this.compactTimer);
    await Promise.all([...this.leases].map((l) => l.revoke().catch(() => undefined)));
    this.leases.clear();
    this.client.close();
  }
}
