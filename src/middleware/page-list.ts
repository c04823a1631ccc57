/**
 * A snapshot's page list (README "Instant restore", "The etcd layout"): which
 * pages of its page table are stored and the content address of each one's chunk.
 * Held packed (page numbers in a Uint32Array, SHA-256 addresses as 32 bytes each
 * in one buffer), never as an object per page, and stored packed too: runs of
 * consecutive page numbers and the addresses, base64. Reading the manifest of a
 * large snapshot thus costs a few large strings, not a JSON entry per page (a lazy
 * restore reads it before its task can resume). The old form, a JSON array of
 * [page, hash] entries, is still read.
 */
import { Code, MigvisorError } from '../common/index.ts';
import type { ChunkHash, Manifest } from './store.ts';

/** How a page list is stored: runs of page numbers and 32-byte addresses, or names for addresses that are not SHA-256 hex. */
export type PackedPageList =
  | { readonly encoding: 'runs+sha256'; readonly count: number; readonly runs: string; readonly hashes: string }
  | { readonly encoding: 'runs+names'; readonly count: number; readonly runs: string; readonly names: readonly string[] };

const HASH_BYTES = 32;

function damaged(where: string, what: string): MigvisorError {
  return new MigvisorError(`${where}: its page list is damaged (${what})`, Code.DATA_LOSS);
}

/** The stored pages of one snapshot, ascending by page number. */
export class PageList {
  private constructor(
    /** Page numbers, ascending. */
    private readonly index: Uint32Array,
    /** Addresses as 32 bytes each (SHA-256 hex addresses); undefined when {@link names} holds them. */
    private readonly digests: Buffer | undefined,
    /** Addresses as given, when one of them is not 64 hex digits. */
    private readonly names: readonly string[] | undefined,
  ) {}

  /** No stored page. */
  static readonly EMPTY = new PageList(new Uint32Array(0), Buffer.alloc(0), undefined);

  /** From [page, hash] entries (any order; a page listed twice is an error). */
  static fromEntries(entries: Iterable<readonly [number, ChunkHash]>): PageList {
    const list = [...entries].sort((a, b) => a[0] - b[0]);
    const index = new Uint32Array(list.length);
    for (let k = 0; k < list.length; k++) {
      const p = list[k]![0];
      if (!Number.isInteger(p) || p < 0 || p > 0xffffffff) throw new RangeError(`page list: bad page number ${p}`);
      if (k > 0 && p === index[k - 1]) throw new RangeError(`page list: page ${p} is listed twice`);
      index[k] = p;
    }
    // Packed when every address is 64 lowercase hex digits: one decode of all of them, checked by
    // encoding them back (a check or a write per address took most of the time of reading an old list).
    if (list.every(([, h]) => h.length === 64)) {
      const joined = list.map(([, h]) => h).join('');
      const digests = Buffer.from(joined, 'hex');
      if (digests.length === list.length * HASH_BYTES && digests.toString('hex') === joined) return new PageList(index, digests, undefined);
    }
    return new PageList(index, undefined, list.map(([, h]) => h));
  }

  /**
   * From a manifest's stored `pages`: the packed form, or the old array of
   * [page, hash] entries. `where` names the snapshot in the error a damaged or
   * unknown form gets.
   */
  static fromStored(v: unknown, where: string): PageList {
    if (Array.isArray(v)) {
      for (const e of v) if (!Array.isArray(e) || typeof e[0] !== 'number' || typeof e[1] !== 'string') throw damaged(where, 'an entry is not [page, hash]');
      try {
        return PageList.fromEntries(v as [number, string][]);
      } catch (e: unknown) {
        throw damaged(where, (e as Error).message);
      }
    }
    const o = (v ?? {}) as Partial<Record<string, unknown>>;
    if (o.encoding !== 'runs+sha256' && o.encoding !== 'runs+names') {
      throw new MigvisorError(`${where}: its page list is stored as ${JSON.stringify(o.encoding ?? typeof v)}, which this middleware cannot read`, Code.FAILED_PRECONDITION);
    }
    if (typeof o.count !== 'number' || typeof o.runs !== 'string') throw damaged(where, 'no count or runs');
    const runs = Buffer.from(o.runs, 'base64');
    if (runs.length % 8 !== 0) throw damaged(where, 'runs are not pairs');
    const index = new Uint32Array(o.count);
    let k = 0;
    let next = 0;
    for (let r = 0; r < runs.length; r += 8) {
      const start = runs.readUInt32LE(r);
      const n = runs.readUInt32LE(r + 4);
      if (start < next || n === 0 || k + n > o.count) throw damaged(where, 'runs out of order or longer than its count');
      for (let i = 0; i < n; i++) index[k++] = start + i;
      next = start + n;
    }
    if (k !== o.count) throw damaged(where, `runs cover ${k} pages, its count is ${o.count}`);
    if (o.encoding === 'runs+sha256') {
      if (typeof o.hashes !== 'string') throw damaged(where, 'no hashes');
      const digests = Buffer.from(o.hashes, 'base64');
      if (digests.length !== o.count * HASH_BYTES) throw damaged(where, `${digests.length} bytes of hashes for ${o.count} pages`);
      return new PageList(index, digests, undefined);
    }
    const names = o.names;
    if (!Array.isArray(names) || names.length !== o.count || !names.every((n) => typeof n === 'string')) throw damaged(where, 'names do not match its count');
    return new PageList(index, undefined, names as string[]);
  }

  /** Several lists of disjoint, ascending page ranges, one after the other (an etcd manifest's parts). */
  static join(parts: readonly PageList[]): PageList {
    if (parts.length === 1) return parts[0]!;
    const n = parts.reduce((s, p) => s + p.length, 0);
    const index = new Uint32Array(n);
    let at = 0;
    for (const p of parts) {
      if (at > 0 && p.length > 0 && p.index[0]! <= index[at - 1]!) throw new RangeError('page list parts overlap or are out of order');
      index.set(p.index, at);
      at += p.length;
    }
    if (parts.every((p) => p.digests)) return new PageList(index, Buffer.concat(parts.map((p) => p.digests!)), undefined);
    return new PageList(index, undefined, parts.flatMap((p) => [...p.hashes()]));
  }

  /** How many pages are stored. */
  get length(): number {
    return this.index.length;
  }

  /** The page number of entry `k`. */
  page(k: number): number {
    return this.index[k]!;
  }

  /** The chunk address of entry `k`. */
  hash(k: number): ChunkHash {
    return this.digests ? this.digests.toString('hex', k * HASH_BYTES, (k + 1) * HASH_BYTES) : this.names![k]!;
  }

  /** Entry `k` as [page, hash]. */
  entry(k: number): readonly [number, ChunkHash] {
    return [this.page(k), this.hash(k)];
  }

  /** The entry of `page`, or -1 if it is not stored. */
  indexOf(page: number): number {
    let lo = 0;
    let hi = this.index.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.index[mid]!;
      if (p === page) return mid;
      if (p < page) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The chunk address of `page`, if it is stored. */
  hashOf(page: number): ChunkHash | undefined {
    const k = this.indexOf(page);
    return k < 0 ? undefined : this.hash(k);
  }

  /** Calls `fn` with every stored page number, ascending (no allocation per page). */
  forEachPage(fn: (page: number) => void): void {
    for (const p of this.index) fn(p);
  }

  /** Entries `from` to `to` (exclusive) as [page, hash]. */
  slice(from = 0, to = this.length): (readonly [number, ChunkHash])[] {
    const out: (readonly [number, ChunkHash])[] = [];
    for (let k = Math.max(0, from); k < Math.min(to, this.length); k++) out.push(this.entry(k));
    return out;
  }

  /** Entries `from` to `to` (exclusive) as a list of their own. */
  sublist(from: number, to: number): PageList {
    const a = Math.max(0, from);
    const b = Math.max(a, Math.min(to, this.length));
    return new PageList(this.index.slice(a, b), this.digests?.subarray(a * HASH_BYTES, b * HASH_BYTES), this.names?.slice(a, b));
  }

  /** The entries in batches of `size`. */
  *batches(size: number): Generator<(readonly [number, ChunkHash])[]> {
    for (let k = 0; k < this.length; k += size) yield this.slice(k, k + size);
  }

  /** Every chunk address, in page order. */
  *hashes(): Generator<ChunkHash> {
    for (let k = 0; k < this.length; k++) yield this.hash(k);
  }

  /** Every entry as [page, hash]. */
  *[Symbol.iterator](): Generator<readonly [number, ChunkHash]> {
    for (let k = 0; k < this.length; k++) yield this.entry(k);
  }

  /** The stored (packed) form; JSON.stringify of a manifest writes this. */
  toJSON(): PackedPageList {
    const runs: number[] = [];
    for (let k = 0; k < this.index.length; ) {
      const start = this.index[k]!;
      let n = 1;
      while (k + n < this.index.length && this.index[k + n] === start + n) n++;
      runs.push(start, n);
      k += n;
    }
    const packed = Buffer.allocUnsafe(runs.length * 4);
    runs.forEach((v, i) => packed.writeUInt32LE(v, i * 4));
    const base = { count: this.length, runs: packed.toString('base64') };
    return this.digests ? { encoding: 'runs+sha256', ...base, hashes: this.digests.toString('base64') } : { encoding: 'runs+names', ...base, names: this.names! };
  }
}

/** A manifest as parsed from its stored JSON (either form of its page list), `where` naming it in errors. */
export function manifestFromStored(raw: unknown, where: string): Manifest {
  const m = raw as Manifest & { pages: unknown };
  return { ...m, pages: PageList.fromStored(m.pages, where) };
}
