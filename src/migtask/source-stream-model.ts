/**
 * The source's end of a migration stream as time goes for it (see
 * {@link SourceStream}): how long page batches take to prepare, how the call's
 * buffer and the layers below it hold writes, what the link carries when. The
 * prediction model (prediction-model.ts) runs its rounds through it. Pure.
 */
import { PIPELINE_DEPTH } from './pipeline.ts';

/** Bytes of a page's index in a page batch (a varint; 3 covers 2^21 pages). */
export const PAGE_INDEX_BYTES = 3;
/** Bytes a page batch adds to its pages (field tags and lengths). */
export const BATCH_OVERHEAD_BYTES = 16;
/**
 * Bytes the layers below a client stream's buffer (the HTTP/2 session, the
 * sockets, a relay) take before they hold a write back: about four page
 * batches, as measured on loopback through the testbed's relays (the first
 * writes of a stream leave the call's buffer at once, whatever the link).
 */
export const BELOW_BUFFER_BYTES = 1 << 20;
/** Messages a client stream's call buffers before a write says to wait (grpc-js: an object-mode Writable's highWaterMark). */
export const WRITE_BUFFER_CHUNKS = 16;

/** What the stream needs to know of a prediction's inputs. */
export interface StreamFacts {
  /** Bytes per page. */
  readonly pageSize: number;
  /** Raw page bytes per byte sent for them. */
  readonly compressionRatio: number;
  /** Payload bytes per second through the link. */
  readonly bandwidthBytesPerS: number;
  /** How often the source can finish a page batch when it prepares several at once, ms a batch. */
  readonly batchMs: number;
  /** How long one page batch takes to prepare once started, ms. */
  readonly batchLatencyMs: number;
}

/** Payload bytes of `pages` pages with data, in batches of `batch`, compressed by the facts' ratio. */
export function dataBytes(pages: number, facts: StreamFacts, batch: number): number {
  if (pages <= 0) return 0;
  return (pages * (facts.pageSize + PAGE_INDEX_BYTES)) / facts.compressionRatio + Math.ceil(pages / batch) * BATCH_OVERHEAD_BYTES;
}

/** Payload bytes of zero pages: their index alone. */
export function zeroBytes(pages: number): number {
  return Math.max(0, pages) * PAGE_INDEX_BYTES;
}

/**
 * The source's end of a migration stream, as time goes for it. Page batches are
 * prepared {@link PIPELINE_DEPTH} ahead of the one being written (pipeline.ts),
 * each ready `batchLatencyMs` after it was started and `batchMs` after the one
 * before at the soonest. A chunk written waits in the call's buffer (grpc-js: an
 * object-mode Writable of {@link WRITE_BUFFER_CHUNKS} messages) until the layers
 * below have room for it ({@link BELOW_BUFFER_BYTES} not yet on the link); the
 * link carries what they hold in order, at the bandwidth. A write that fills the
 * call's buffer makes the source wait for 'drain': until the buffer is empty. So
 * a pre-copy round ends, for the dirty bits, when its last chunk is written, not
 * when it arrives: up to two buffers' worth earlier.
 */
export class SourceStream {
  /** The source's clock, ms since the migration began. */
  t: number;
  /** When the link will have sent every byte handed below so far, ms. */
  linkFree: number;
  /** Payload bytes written. */
  bytes = 0;
  /** When each chunk still in the call's buffer is handed below. */
  private buffered: number[] = [];
  private lastHandoff: number;
  /** This round's batches: when each was written (the pipeline starts the one DEPTH later then). */
  private taken: number[] = [];
  private ready = 0;
  private start = 0;
  private readonly bandwidth: number;
  private readonly batchMs: number;
  private readonly batchLatencyMs: number;

  constructor(
    private readonly inputs: StreamFacts,
    at: number,
  ) {
    this.bandwidth = inputs.bandwidthBytesPerS;
    this.batchMs = Math.max(0, inputs.batchMs);
    this.batchLatencyMs = Math.max(this.batchMs, inputs.batchLatencyMs);
    this.t = at;
    this.linkFree = at;
    this.lastHandoff = at;
    this.round();
  }

  /** A new series of page batches (a round): its pipeline starts now. */
  round(): void {
    this.taken = [];
    this.start = this.t;
    this.ready = this.t;
  }

  /** Writes one chunk of `bytes` payload bytes; `batch`: a page batch, prepared first. */
  put(bytes: number, batch = false): void {
    if (batch) {
      const i = this.taken.length;
      // Started when the batch DEPTH before it was taken (or with the round); done a latency later, and no sooner than the pace allows.
      const started = i >= PIPELINE_DEPTH ? this.taken[i - PIPELINE_DEPTH]! : this.start;
      this.ready = Math.max(i === 0 ? this.start : this.ready + this.batchMs, started + this.batchLatencyMs);
      this.t = Math.max(this.t, this.ready);
    }
    const ms = (b: number): number => (b / this.bandwidth) * 1000;
    // Handed below, in order, once what is there and not yet on the link leaves room for it.
    const handoff = Math.max(this.t, this.lastHandoff, this.linkFree - ms(Math.max(0, BELOW_BUFFER_BYTES - bytes)));
    this.lastHandoff = handoff;
    this.linkFree = Math.max(this.linkFree, handoff) + ms(bytes);
    this.bytes += bytes;
    const t = this.t;
    this.buffered = this.buffered.filter((h) => h > t);
    this.buffered.push(handoff);
    if (this.buffered.length >= WRITE_BUFFER_CHUNKS) {
      // 'drain': the buffer is empty once its last chunk is handed below.
      this.t = Math.max(this.t, handoff);
      this.buffered = [];
    }
    if (batch) this.taken.push(this.t);
  }

  /** Writes `pages` pages with data, in batches. */
  putPages(pages: number, batchPages: number): void {
    for (let left = pages; left > 0; left -= batchPages) this.put(dataBytes(Math.min(batchPages, left), this.inputs, batchPages), true);
  }
}
