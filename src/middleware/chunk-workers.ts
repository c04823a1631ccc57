/**
 * The archive's chunk crypto off the main thread: a small pool of worker threads
 * names, seals and opens whole page batches (one message a batch each way), so
 * the main thread, which also parses HTTP/2, only hands a batch over and applies
 * what comes back. The bytes are those of the synchronous codec
 * (archive-codec.ts), byte for byte: addresses, the sealed layout NONCE|ct|TAG,
 * the address (latin1) as associated data; nonces come from a counter range the
 * codec reserves on the main thread for each batch.
 *
 * Batches of fewer than {@link INLINE_PAGES} pages, and plain batches (SHA-256
 * only), stay on the calling thread (a hop costs more than their crypto). Workers hold nothing but the job at
 * hand: they do not keep the process alive while idle, a crashed one fails only
 * the batches it held and the next batch starts another, and {@link close}
 * ends them (the middleware's stop).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Code, describeError, MigvisorError } from '../common/index.ts';
import { corrupted, NONCE, OPEN_FAILURES, TAG, type ChunkCodec } from './archive-codec.ts';
import type { ChunkHash, Manifest } from './store.ts';

/**
 * Sealed batches of fewer pages are sealed and opened on the calling thread.
 * Measured on the 2-core bench machine (CPU profiles of bench/_prof.ts): the
 * main thread spends about 30 µs a sealed page of 4 KiB on HMAC and GCM, and
 * 0.5 to 0.8 ms a batch on handing one over (copy into an arena, postMessage,
 * the reply), so a batch of 64 pages costs it a third of what it did; below a
 * few pages (a lazy restore's single-page faults) the hop only adds latency.
 * Plain batches stay on the calling thread by default: SHA-256 of a page costs
 * it 4 to 5 µs, so the handover costs as much as it saves (a plain park took
 * longer with workers, 1.7 s against 1.4 s at best of 6).
 */
export const INLINE_PAGES = 4;

/**
 * Worker threads of a pool unless told otherwise: one core is the main
 * thread's, so 1 on a 2-core machine, 2 with more. Measured on 2 cores (64 MiB
 * sealed in batches of 64 pages, 8 in flight): with 1 worker the main thread is
 * busy 0.14 to 0.35 s of it, with 2 workers 0.54 to 0.69 s (they take its core),
 * against 0.58 to 1.05 s sealing itself; the worker keeps up either way.
 */
export const DEFAULT_WORKERS = Math.max(1, Math.min(2, availableParallelism() - 1));

/** A page batch named and sealed: address and stored bytes of each page, in batch order. */
export interface SealedPages {
  readonly addresses: readonly ChunkHash[];
  readonly chunks: readonly Uint8Array[];
}

/**
 * The worker's program: plain JavaScript with node:crypto only, run with
 * `eval`, so it loads alike from dist/ and under tsx.
 *
 * park: {id, op, job, pageSize, count, arena, length} → {id, addresses (32 bytes each), sealed?}
 * open: {id, op, job, addresses (hex), lengths, arena, length} → {id, status (a byte each: OPEN_FAILURES), plain?, lengths?}
 * (the input in a shared arena, the output in buffers the worker allocates and transfers)
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const { createCipheriv, createDecipheriv, createHmac, createSecretKey, hash, timingSafeEqual } = require('node:crypto');
const NONCE = ${NONCE}, TAG = ${TAG};
// Key objects, made once per data key: node:crypto then prepares a key once, not on every page.
const keyObjects = new Map();
function keysOf(job) {
  if (job.mode !== 'sealed') return job;
  const id = Buffer.from(job.encKey).toString('latin1') + Buffer.from(job.macKey).toString('latin1');
  let k = keyObjects.get(id);
  if (!k) {
    if (keyObjects.size >= 64) keyObjects.clear();
    k = { mode: 'sealed', encKey: createSecretKey(job.encKey), macKey: createSecretKey(job.macKey) };
    keyObjects.set(id, k);
  }
  return { mode: 'sealed', encKey: k.encKey, macKey: k.macKey, prefix: job.prefix, counter: job.counter };
}
function address(job, data) {
  return job.mode === 'sealed' ? createHmac('sha256', job.macKey).update(data).digest() : hash('sha256', data, 'buffer');
}
function park(m) {
  const job = keysOf(m.job), size = m.pageSize, n = m.count, data = Buffer.from(m.arena, 0, m.length);
  const addresses = Buffer.from(new ArrayBuffer(32 * n));
  const sealed = job.mode === 'sealed' ? Buffer.from(new ArrayBuffer(n * (NONCE + size + TAG))) : undefined;
  for (let k = 0; k < n; k++) {
    const page = data.subarray(k * size, (k + 1) * size);
    const a = address(job, page);
    a.copy(addresses, 32 * k);
    if (!sealed) continue;
    const at = k * (NONCE + size + TAG);
    const nonce = sealed.subarray(at, at + NONCE);
    nonce.set(job.prefix, 0);
    nonce.writeUInt32BE(job.counter + k, 8);
    const c = createCipheriv('aes-256-gcm', job.encKey, nonce).setAAD(Buffer.from(a.toString('hex'), 'latin1'));
    c.update(page).copy(sealed, at + NONCE);
    c.final();
    c.getAuthTag().copy(sealed, at + NONCE + size);
  }
  const transfer = [addresses.buffer];
  if (sealed) transfer.push(sealed.buffer);
  parentPort.postMessage({ id: m.id, addresses: addresses.buffer, sealed: sealed && sealed.buffer }, transfer);
}
function open(m) {
  const job = keysOf(m.job), n = m.addresses.length, data = Buffer.from(m.arena, 0, m.length);
  const status = new Uint8Array(n);
  if (job.mode !== 'sealed') {
    for (let k = 0, at = 0; k < n; at += m.lengths[k], k++) {
      if (hash('sha256', data.subarray(at, at + m.lengths[k]), 'hex') !== m.addresses[k]) status[k] = 1;
    }
    parentPort.postMessage({ id: m.id, status });
    return;
  }
  let total = 0;
  for (let k = 0; k < n; k++) total += Math.max(0, m.lengths[k] - NONCE - TAG);
  const plain = Buffer.from(new ArrayBuffer(total));
  const lengths = new Uint32Array(n);
  for (let k = 0, at = 0, out = 0; k < n; at += m.lengths[k], k++) {
    const b = data.subarray(at, at + m.lengths[k]);
    const addr = m.addresses[k];
    if (b.length < NONCE + TAG) { status[k] = 2; continue; }
    let page;
    try {
      const d = createDecipheriv('aes-256-gcm', job.encKey, b.subarray(0, NONCE)).setAAD(Buffer.from(addr, 'latin1'));
      d.setAuthTag(b.subarray(b.length - TAG));
      const body = d.update(b.subarray(NONCE, b.length - TAG));
      d.final();
      page = body;
    } catch {
      status[k] = 3;
      continue;
    }
    const expect = Buffer.from(addr, 'hex');
    const again = createHmac('sha256', job.macKey).update(page).digest();
    if (expect.length !== 32 || !timingSafeEqual(again, expect)) { status[k] = 4; continue; }
    page.copy(plain, out);
    lengths[k] = page.length;
    out += page.length;
  }
  parentPort.postMessage({ id: m.id, status, plain: plain.buffer, lengths }, [plain.buffer]);
}
parentPort.on('message', (m) => {
  try {
    if (m.op === 'park') park(m);
    else if (m.op === 'open') open(m);
    else if (m.op === 'crash') throw new Error(m.why);
    else parentPort.postMessage({ id: m.id, error: 'unknown job ' + m.op });
  } catch (e) {
    if (m.op === 'crash') throw e;
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;

interface Reply {
  readonly id: number;
  readonly error?: string;
  readonly addresses?: ArrayBuffer;
  readonly sealed?: ArrayBuffer;
  readonly status?: Uint8Array;
  readonly plain?: ArrayBuffer;
  readonly lengths?: Uint32Array;
}

interface Pending {
  resolve(r: Reply): void;
  reject(e: unknown): void;
}

/** One worker thread and the jobs it holds. */
class Slot {
  readonly worker: Worker;
  readonly jobs = new Map<number, Pending>();
  private ended = false;

  constructor(
    readonly index: number,
    private readonly onEnd: (slot: Slot) => void,
  ) {
    // execArgv: none of the parent's (a loader such as tsx has nothing to do in plain JavaScript).
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const p = this.jobs.get(r.id);
      if (!p) return;
      this.jobs.delete(r.id);
      if (this.jobs.size === 0) this.worker.unref();
      if (r.error !== undefined) p.reject(new MigvisorError(`chunk worker ${this.index} failed a batch: ${r.error}`, Code.INTERNAL));
      else p.resolve(r);
    });
    this.worker.on('error', (e: unknown) => this.end(`chunk worker ${this.index} crashed: ${describeError(e)}`));
    this.worker.on('exit', (code) => this.end(`chunk worker ${this.index} exited (code ${code})`));
  }

  /** Fails every job it holds and leaves the pool (once). */
  end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const p of jobs) p.reject(new MigvisorError(why, Code.INTERNAL));
    void this.worker.terminate().catch(() => undefined);
  }

  post(id: number, message: object): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      if (this.jobs.size === 0) this.worker.ref();
      this.jobs.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message });
    });
  }
}

/** Smallest arena (bytes): a batch of 64 pages of 4 KiB, plain or sealed (64 × 4124 bytes), so one arena serves parks and restores. */
const ARENA_BYTES = 320 * 1024;
/** Free arenas kept for reuse, at most (the sinks bound the batches in flight). */
const SPARE_ARENAS = 16;

/**
 * Shared buffers a batch's bytes are copied into for a worker to read, reused
 * batch after batch: fresh memory of a few hundred KiB costs the main thread
 * more (its pages fault in) than the crypto it would save. What a worker
 * returns is memory it allocated and transferred, so results never alias an arena.
 */
class Arenas {
  private readonly free: SharedArrayBuffer[] = [];

  /** An arena holding `parts` one after the other (`length` bytes in all). */
  take(parts: readonly Uint8Array[]): { arena: SharedArrayBuffer; length: number } {
    let length = 0;
    for (const p of parts) length += p.length;
    const i = this.free.findIndex((a) => a.byteLength >= length);
    const arena = i >= 0 ? this.free.splice(i, 1)[0]! : new SharedArrayBuffer(Math.max(ARENA_BYTES, length));
    const view = new Uint8Array(arena, 0, length);
    let at = 0;
    for (const p of parts) {
      view.set(p, at);
      at += p.length;
    }
    return { arena, length };
  }

  /** Gives an arena back once its worker replied (never after a crash: it may still be read). */
  give(arena: SharedArrayBuffer): void {
    if (this.free.length < SPARE_ARENAS) {
      this.free.push(arena);
      return;
    }
    // Full: keep the larger ones (a batch that needed a large arena is likely followed by more).
    let smallest = 0;
    for (let i = 1; i < this.free.length; i++) if (this.free[i]!.byteLength < this.free[smallest]!.byteLength) smallest = i;
    if (this.free[smallest]!.byteLength < arena.byteLength) this.free[smallest] = arena;
  }
}

/** A pool of chunk worker threads (see the file header). */
export class ChunkWorkers {
  private readonly slots: (Slot | undefined)[];
  private readonly arenas = new Arenas();
  private nextId = 1;
  private closed = false;

  constructor(
    /** Worker threads at most (0: every batch on the calling thread). @default DEFAULT_WORKERS */
    readonly size = DEFAULT_WORKERS,
    /** Batches of fewer pages stay on the calling thread. @default INLINE_PAGES */
    readonly inlinePages = INLINE_PAGES,
    /** Plain batches (SHA-256 only) go to the workers too; by default they stay on the calling thread (see {@link INLINE_PAGES}). */
    readonly offloadPlain = false,
  ) {
    this.slots = new Array<Slot | undefined>(Math.max(0, size)).fill(undefined);
  }

  /** Whether a batch of `pages` pages under `codec` goes to a worker. */
  private offloads(codec: ChunkCodec, pages: number): boolean {
    return !this.closed && this.slots.length > 0 && pages >= this.inlinePages && (this.offloadPlain || codec.sealed !== undefined);
  }

  /** Starts the workers now, so the first batch does not wait for them. */
  warm(): void {
    for (let i = 0; i < this.slots.length && !this.closed; i++) this.slots[i] ??= this.spawn(i);
  }

  /** Worker threads running. */
  get running(): number {
    return this.slots.filter((s) => s !== undefined).length;
  }

  private spawn(i: number): Slot {
    return new Slot(i, (s) => {
      if (this.slots[s.index] === s) this.slots[s.index] = undefined;
    });
  }

  /** The least busy worker (started when missing); undefined once closed. */
  private pick(): Slot | undefined {
    if (this.closed) return undefined;
    let best: Slot | undefined;
    for (let i = 0; i < this.slots.length; i++) {
      const s = (this.slots[i] ??= this.spawn(i));
      if (!best || s.jobs.size < best.jobs.size) best = s;
    }
    return best;
  }

  /** Posts a job reading `parts` from an arena; the arena is reused once the worker replied. */
  private async send(message: object, parts: readonly Uint8Array[]): Promise<Reply | undefined> {
    const slot = this.pick();
    if (!slot) return undefined;
    const { arena, length } = this.arenas.take(parts);
    const reply = await slot.post(this.nextId++, { ...message, arena, length });
    this.arenas.give(arena);
    return reply;
  }

  /**
   * Names and seals the `data.length / pageSize` pages of a batch with `codec`
   * (addresses and stored bytes equal to its `address` and `seal`).
   */
  async seal(codec: ChunkCodec, data: Uint8Array, pageSize: number): Promise<SealedPages> {
    const count = Math.floor(data.length / pageSize);
    if (!this.offloads(codec, count)) return sealInline(codec, data, pageSize);
    const job = codec.job(count);
    const r = await this.send({ op: 'park', job, pageSize, count }, [data]);
    if (!r) return sealInline(codec, data, pageSize);
    const hex = Buffer.from(r.addresses!).toString('hex');
    const addresses: ChunkHash[] = [];
    const chunks: Uint8Array[] = [];
    const stride = NONCE + pageSize + TAG;
    const sealed = r.sealed ? new Uint8Array(r.sealed) : undefined;
    for (let k = 0; k < count; k++) {
      addresses.push(hex.slice(64 * k, 64 * (k + 1)));
      chunks.push(sealed ? sealed.subarray(k * stride, (k + 1) * stride) : data.subarray(k * pageSize, (k + 1) * pageSize));
    }
    return { addresses, chunks };
  }

  /**
   * Opens and checks the stored chunks of `pages` (page, address) of snapshot
   * `m`, like `codec.open` page by page: the first page that fails throws its
   * ContainerError, in the same words.
   */
  async open(codec: ChunkCodec, m: Manifest, pages: readonly (readonly [number, ChunkHash])[], stored: readonly Uint8Array[]): Promise<Uint8Array[]> {
    if (!this.offloads(codec, pages.length)) return openInline(codec, m, pages, stored);
    const job = codec.job(0);
    const lengths = stored.map((d) => d.length);
    const r = await this.send({ op: 'open', job, addresses: pages.map(([, h]) => h), lengths }, stored);
    if (!r) return openInline(codec, m, pages, stored);
    const status = r.status!;
    for (let k = 0; k < pages.length; k++) {
      const s = status[k]!;
      if (s !== 0) throw corrupted(m, pages[k]![0], pages[k]![1], OPEN_FAILURES[s as 1 | 2 | 3 | 4] ?? 'check');
    }
    if (!r.plain) return [...stored];
    const plain = new Uint8Array(r.plain);
    const out: Uint8Array[] = [];
    for (let k = 0, at = 0; k < pages.length; k++) {
      const n = r.lengths![k]!;
      out.push(plain.subarray(at, at + n));
      at += n;
    }
    return out;
  }

  /** For tests: the worker holding the next job crashes (its uncaught error ends it), failing the jobs it holds. */
  crashOne(why: string): Promise<void> {
    const slot = this.pick();
    if (!slot) return Promise.resolve();
    slot.worker.postMessage({ id: 0, op: 'crash', why });
    return new Promise((resolve) => slot.worker.once('exit', () => resolve()));
  }

  /** Ends every worker; jobs in flight fail, later batches run on the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.filter((s): s is Slot => s !== undefined);
    this.slots.fill(undefined);
    for (const s of slots) s.end('chunk workers stopped (the middleware is stopping)');
    await Promise.all(slots.map((s) => s.worker.terminate().catch(() => undefined)));
  }
}

/** {@link ChunkWorkers.seal} on the calling thread. */
export function sealInline(codec: ChunkCodec, data: Uint8Array, pageSize: number): SealedPages {
  const count = Math.floor(data.length / pageSize);
  const addresses: ChunkHash[] = [];
  const chunks: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const page = data.subarray(k * pageSize, (k + 1) * pageSize);
    const a = codec.address(page);
    addresses.push(a);
    chunks.push(codec.seal(a, page));
  }
  return { addresses, chunks };
}

/** {@link ChunkWorkers.open} on the calling thread. */
export function openInline(codec: ChunkCodec, m: Manifest, pages: readonly (readonly [number, ChunkHash])[], stored: readonly Uint8Array[]): Uint8Array[] {
  return stored.map((d, k) => codec.open(m, pages[k]![0], pages[k]![1], d));
}
