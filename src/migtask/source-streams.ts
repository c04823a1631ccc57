/**
 * The source's side of parallel streams (README, "Parallel streams"): the pages
 * of a migration are striped over N concurrent streams — Receive's own (stream
 * 0) and N-1 ReceiveStream calls on the same channel — each preparing (copying,
 * compressing, hashing) its own batches a few ahead. A page always goes on the
 * stream of its stripe, so a page sent again in a later pre-copy round reaches
 * the sink after its earlier copy. The sink stages the container only when
 * every stream verified; a stream that fails fails the migration.
 */
import { Code, MigvisorError } from '../common/index.ts';
import { ChunkEncoder, type PreparedPages, type RawChunk } from './container-codec.ts';
import { BATCH_PAGES } from './container-snapshot.ts';
import { paced, type Pacer } from './pacer.ts';
import { PIPELINE_DEPTH, slices } from './pipeline.ts';
import { streamOfPage } from './side-stream.ts';
import type { SinkPort } from './sink-port.ts';

/** Streams a migration uses unless asked otherwise. */
export const DEFAULT_STREAMS = 2;

/** Pages of one stripe: consecutive pages that go on the same stream. */
export const STRIPE_PAGES = BATCH_PAGES;

/** The streams a migration uses: what it asked for, as far as the sink takes them (`sinkMax` 0: only Receive's own). */
export function streamsToUse(asked: number | undefined, sinkMax: number): number {
  return Math.max(1, Math.min(asked ?? DEFAULT_STREAMS, sinkMax || 1));
}

/** A promise with its settling functions outside (settling twice does nothing; a rejection nobody awaits is no unhandled rejection). */
function deferred(): { promise: Promise<void>; resolve(): void; reject(e: unknown): void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

interface Item {
  readonly batch: readonly number[];
  readonly prepare: (batch: readonly number[]) => Promise<PreparedPages>;
}

/** The batches waiting for one side stream (page numbers only: the bytes are copied when the stream takes them). */
class BatchQueue {
  readonly items: Item[] = [];
  closed = false;
  private wake: (() => void) | undefined;

  push(i: Item): void {
    this.items.push(i);
    this.poke();
  }

  close(): void {
    this.closed = true;
    this.poke();
  }

  poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  wait(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }
}

/** Streams 1..count-1 of one migration, on the source. */
export class PageStreams {
  private readonly queues: BatchQueue[] = [];
  private aborted: unknown;
  private drainWaiters: Array<() => void> = [];
  /** Pages handed to streams 1..count-1, and of those the pages framed so far. */
  pagesQueued = 0;
  pagesSent = 0;
  /** Page bytes before and after compression on streams 1..count-1. */
  raw = 0;
  sent = 0;
  /** Payload bytes per stream (index 0 unused here: the run counts Receive's own). */
  readonly bytes: number[];
  /** Streams used: at most what was asked, fixed by {@link decide} before the header goes. */
  count: number;
  private decided!: () => void;
  private readonly whenDecided = new Promise<void>((resolve) => (this.decided = resolve));
  /** Settles once the sink verified every side stream (rejects with the first failure). */
  private readonly verified = deferred();

  constructor(
    readonly migrationId: string,
    count: number,
    /** Called with each chunk's payload size as it goes out (statistics). */
    private readonly onBytes: (stream: number, bytes: number) => void = () => {},
    /** The migration's `--max-bandwidth` pacer, shared with stream 0: the cap holds for all streams together. */
    private readonly pacer?: Pacer,
  ) {
    this.count = count;
    for (let i = 0; i < count; i++) this.queues.push(new BatchQueue());
    this.bytes = new Array<number>(count).fill(0);
  }

  /**
   * Fixes the number of streams for `pages` pages to send, before the header
   * names it: no more streams than stripes (a small task goes on one stream and
   * waits for no other). Returns the count.
   */
  decide(pages: number): number {
    this.count = Math.max(1, Math.min(this.count, Math.ceil(pages / STRIPE_PAGES)));
    this.queues.length = this.count;
    this.bytes.length = this.count;
    this.decided();
    return this.count;
  }

  /** Which stream carries `page`. */
  streamOf(page: number): number {
    return streamOfPage(page, this.count, STRIPE_PAGES);
  }

  /**
   * Queues the pages of streams 1..count-1 (each batch prepared with `prepare`
   * when its stream takes it) and returns those of stream 0, in order.
   */
  spread(pages: readonly number[], prepare: (batch: readonly number[]) => Promise<PreparedPages>): number[] {
    if (this.queues[1]?.closed) throw new MigvisorError('pages after the streams were closed', Code.INTERNAL);
    const lists: number[][] = this.queues.map(() => []);
    for (const p of pages) lists[this.streamOf(p)]!.push(p);
    for (let i = 1; i < this.count; i++) {
      for (const batch of slices(lists[i]!, BATCH_PAGES)) this.queues[i]!.push({ batch, prepare });
      this.pagesQueued += lists[i]!.length;
    }
    return lists[0]!;
  }

  /** No more pages: each stream sends its trailer once its queue is empty. */
  close(): void {
    for (const q of this.queues) q.close();
  }

  /**
   * Resolves once the sink has verified and installed every page of streams
   * 1..count-1 (each answered its ReceiveStream); rejects with the first
   * failure. Pre-copy closes them and waits for this before it stops the task,
   * so that the stop carries only Receive's own stream (and a page of the last
   * round lands after its copies on the other streams).
   */
  finished(): Promise<void> {
    return this.verified.promise;
  }

  /** Resolves once every queued batch has been taken (prepared or being prepared). */
  taken(): Promise<void> {
    if (this.queues.every((q) => q.items.length === 0) || this.aborted !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private checkDrained(): void {
    if (this.drainWaiters.length === 0) return;
    if (this.aborted === undefined && !this.queues.every((q) => q.items.length === 0)) return;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  /** Stops every stream (the migration failed or was cancelled). */
  abort(reason: unknown): void {
    this.aborted ??= reason;
    this.verified.reject(this.aborted);
    for (const q of this.queues) q.close();
    this.checkDrained();
  }

  /** Stream `i`'s chunks: its batches prepared a few ahead, then its trailer. */
  private async *chunks(i: number): AsyncGenerator<RawChunk> {
    const q = this.queues[i]!;
    const encoder = new ChunkEncoder();
    const ahead: Promise<PreparedPages>[] = [];
    for (;;) {
      if (this.aborted !== undefined) throw this.aborted;
      while (ahead.length < PIPELINE_DEPTH && q.items.length > 0) {
        const item = q.items.shift()!;
        const p = item.prepare(item.batch);
        p.catch(() => undefined);
        ahead.push(p);
      }
      this.checkDrained();
      if (ahead.length === 0) {
        if (q.closed) break;
        await q.wait();
        continue;
      }
      const prepared = await ahead.shift()!;
      if (this.aborted !== undefined) throw this.aborted;
      const c = encoder.pageChunk(prepared);
      this.pagesSent += prepared.pages;
      this.raw += prepared.raw;
      this.sent += prepared.payload.length;
      this.account(i, c);
      yield c;
    }
    const t = encoder.trailer();
    this.account(i, t);
    yield t;
  }

  private account(i: number, c: RawChunk): void {
    this.bytes[i]! += c.payload.length;
    this.onBytes(i, c.payload.length);
  }

  /**
   * Opens streams 1..count-1 to `sink` and resolves once the sink verified them
   * all; rejects with the first failure (and stops the others).
   */
  async send(sink: SinkPort, ms: number, signal: AbortSignal): Promise<void> {
    const receiveStream = sink.receiveStream?.bind(sink);
    if (!receiveStream) throw new MigvisorError(`${sink.address} takes one stream only`, Code.FAILED_PRECONDITION);
    const onAbort = (): void => {
      this.abort(signal.reason);
      this.decided();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.whenDecided;
      if (this.aborted !== undefined) throw this.aborted;
      const calls: Promise<unknown>[] = [];
      for (let i = 1; i < this.count; i++) {
        const chunks = this.pacer ? paced(this.chunks(i), this.pacer, signal) : this.chunks(i);
        const call = receiveStream(this.migrationId, i, chunks, ms, signal).catch((e: unknown) => {
          const err = e instanceof MigvisorError ? new MigvisorError(`page stream ${i}: ${e.message}`, e.code, { cause: e }) : e;
          this.abort(err);
          throw err;
        });
        calls.push(call);
      }
      await Promise.all(calls);
      this.verified.resolve();
    } catch (e: unknown) {
      this.verified.reject(e);
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
