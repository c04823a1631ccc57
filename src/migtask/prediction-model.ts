/**
 * The prediction model of a migration (README, "Migration": predicting), pure:
 * from what was measured — the task's memory, the pages it dirties over a
 * window, the link to the sink, a compression sample — to what a migration in a
 * given mode would cost, in the terms of its statistics. After the pre-copy
 * model of SimGrid (Hirofuchi, Lèbre, Pouilloux: "Adding a live migration model
 * into SimGrid", CloudCom 2013): the pages dirtied during a round of d ms are
 * min(working set, dirty rate × d), and they are the next round.
 *
 * It follows the code it predicts step by step (migration-source.ts,
 * source-chunks.ts): every payload byte crosses the link at the measured
 * bandwidth; each exchange the protocol waits for costs one round trip.
 *
 * - full: negotiate (1 round trip); stop; look at every page (the scan); the
 *   header, the non-zero pages and the trailer; the Receive reply and the
 *   Commit (2 round trips). Downtime: everything after the negotiation.
 * - precopy: negotiate; the header; round 0 sends every present page (zero ones
 *   without data); each later round the pages dirtied during the one before;
 *   after a round, stop once at most `precopyStopPages` are dirty or after
 *   `precopyMaxRounds` rounds; wait for the sink to catch up (what is still on
 *   its way, and a query); stop and send what was dirtied during the last round
 *   and the wait, the state and the trailer; Receive reply and Commit. Downtime:
 *   from the stop. A round lasts, for the dirty bits, until its last chunk is
 *   written into the call's buffer ({@link SourceStream}), which can be long
 *   before the link has carried it.
 * - lazy: negotiate; stop; header and trailer; Receive reply and Commit (the
 *   downtime); then every present page is pushed, and the push is answered.
 */
import type { Compression, MigrationMode } from '../common/index.ts';
import { PIPELINE_DEPTH } from './pipeline.ts';
import type { PrecopyStop } from './vocabulary.ts';

/** Bytes of a page's index in a page batch (a varint; 3 covers 2^21 pages). */
export const PAGE_INDEX_BYTES = 3;
/** Bytes a page batch adds to its pages (field tags and lengths). */
export const BATCH_OVERHEAD_BYTES = 16;
/** Bytes of a container trailer (digest, counts). */
export const TRAILER_BYTES = 64;
/**
 * Bytes the layers below a client stream's buffer (the HTTP/2 session, the
 * sockets, a relay) take before they hold a write back: about four page
 * batches, as measured on loopback through the testbed's relays (the first
 * writes of a stream leave the call's buffer at once, whatever the link).
 */
export const BELOW_BUFFER_BYTES = 1 << 20;
/** Messages a client stream's call buffers before a write says to wait (grpc-js: an object-mode Writable's highWaterMark). */
export const WRITE_BUFFER_CHUNKS = 16;

/** One look at the dirty pages during the window: ms since it began, distinct pages dirtied since. */
export interface DirtySample {
  readonly ms: number;
  readonly pages: number;
}

/** How a task dirties its pages, as fitted to the samples of one window. */
export interface DirtyCurve {
  /** How long the window was, ms. */
  readonly windowMs: number;
  /** Distinct pages dirtied during the window: the working set it saw. */
  readonly workingSetPages: number;
  /** Pages dirtied per second while the working set is not yet all dirty. */
  readonly ratePagesPerS: number;
  /** How fast the distinct dirty pages still grew at the end of the window, pages/s (0: levelled off). */
  readonly growthPagesPerS: number;
}

/** The measured and configured inputs of a prediction (PredictionInputs on the wire). */
export interface PredictionInputs {
  readonly pageSize: number;
  readonly presentPages: number;
  readonly nonzeroPages: number;
  /** Bytes of the container header. */
  readonly headerBytes: number;
  /** How long looking at every page once took, ms. */
  readonly scanMs: number;
  readonly dirty: DirtyCurve;
  /** Payload bytes per second through the link. */
  readonly bandwidthBytesPerS: number;
  /** Round trip of a small call, ms. */
  readonly rttMs: number;
  /** Raw page bytes per byte sent for them. */
  readonly compressionRatio: number;
  /** How often the source can finish a page batch when it prepares several at once, ms a batch. */
  readonly batchMs: number;
  /** How long one page batch takes to prepare once started, ms. */
  readonly batchLatencyMs: number;
  /** Batches of present pages that hold only zero pages (sent as indices alone, last). */
  readonly zeroBatches: number;
  /** Payload bytes the bandwidth probes sent. */
  readonly probeBytes: number;
  readonly precopyStopPages: number;
  readonly precopyMaxRounds: number;
}

/** What the model says a migration costs (Prediction on the wire, without the inputs). */
export interface ModelOutcome {
  readonly totalMs: number;
  readonly downtimeMs: number;
  readonly rounds: number;
  readonly bytes: number;
  readonly pages: number;
  readonly pagesPerRound: readonly number[];
  /** Pre-copy: which rule ends the live rounds. */
  readonly precopyStop?: PrecopyStop;
}

/** A prediction: the outcome, its inputs, and what measuring them took. */
export interface Prediction extends ModelOutcome {
  readonly mode: MigrationMode;
  readonly compression: Compression;
  readonly inputs: PredictionInputs;
  /** How long measuring took, ms (not part of totalMs). */
  readonly probeMs: number;
}

/** The middle value (the mean of the middle two for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Fits a dirty curve to the samples of a window (in time order, the last at the
 * window's end). The working set is the last sample; the rate is how fast the
 * count reached half of it (interpolated between the samples around that
 * point): a burst of catch-up ticks at the start sways it only as far as it
 * brings that point sooner, and the levelling off at the end not at all; the
 * growth is the slope over the samples' last quarter.
 */
export function fitDirtyCurve(samples: readonly DirtySample[]): DirtyCurve {
  const last = samples.at(-1);
  if (!last || last.pages === 0 || last.ms <= 0) return { windowMs: last?.ms ?? 0, workingSetPages: 0, ratePagesPerS: 0, growthPagesPerS: 0 };
  const ws = last.pages;
  const half = ws / 2;
  let before: DirtySample = { ms: 0, pages: 0 };
  let rate = (ws / last.ms) * 1000;
  for (const s of samples) {
    if (s.pages >= half && s.pages > before.pages) {
      const at = before.ms + ((half - before.pages) * (s.ms - before.ms)) / (s.pages - before.pages);
      if (at > 0) rate = (half / at) * 1000;
      break;
    }
    before = s;
  }
  return { windowMs: last.ms, workingSetPages: ws, ratePagesPerS: rate, growthPagesPerS: endGrowth(samples) };
}

/** The growth over the samples' last quarter (from the latest sample at most three quarters in to the last), pages/s. */
function endGrowth(samples: readonly DirtySample[]): number {
  const last = samples.at(-1);
  if (!last) return 0;
  const before = [...samples].reverse().find((s) => s.ms <= last.ms * 0.75);
  return before && last.ms > before.ms ? Math.max(0, ((last.pages - before.pages) / (last.ms - before.ms)) * 1000) : 0;
}

/** Pages the distinct dirty count may still grow by in the last quarter for it to count as levelled off: this share of it... */
export const LEVEL_SHARE = 0.02;
/** ...or this many pages, whichever is more. */
export const LEVEL_PAGES = 2;

/** Whether the distinct dirty pages have levelled off: they grew by at most {@link LEVEL_SHARE} (or {@link LEVEL_PAGES}) in the last quarter. */
export function levelledOff(samples: readonly DirtySample[]): boolean {
  const last = samples.at(-1);
  if (!last) return true;
  const before = [...samples].reverse().find((s) => s.ms <= last.ms * 0.75);
  if (!before) return false;
  return last.pages - before.pages <= Math.max(LEVEL_PAGES, LEVEL_SHARE * last.pages);
}

/**
 * Distinct pages the curve dirties in `ms` (at most `present`): min(rate × t,
 * working set) within the window, growing on at the end's growth beyond it.
 */
export function dirtiedWithin(curve: DirtyCurve, ms: number, present: number): number {
  const t = Math.max(0, ms);
  const within = Math.min((curve.ratePagesPerS * t) / 1000, curve.workingSetPages);
  const beyond = (curve.growthPagesPerS * Math.max(0, t - curve.windowMs)) / 1000;
  return Math.min(present, Math.round(within + beyond));
}

/** One bandwidth probe: payload bytes streamed, and ms from the first byte to the reply. */
export interface LinkProbe {
  readonly bytes: number;
  readonly ms: number;
}

/**
 * Bytes per second from the probes (in the order made, growing): the slope of
 * time over bytes, fitted (least squares) to the probes of at least a quarter
 * of the last one's bytes, so that what every call costs alike (a round trip, a
 * token bucket's burst) cancels out; one probe alone (or probes that do not
 * grow) gives the last one's bytes over its time.
 */
export function bandwidthOf(probes: readonly LinkProbe[]): number {
  const last = probes.at(-1);
  if (!last || last.ms <= 0) return 0;
  const fit = probes.filter((p) => p.bytes >= last.bytes / 4);
  const n = fit.length;
  const mb = fit.reduce((s, p) => s + p.bytes, 0) / n;
  const mt = fit.reduce((s, p) => s + p.ms, 0) / n;
  const sbb = fit.reduce((s, p) => s + (p.bytes - mb) ** 2, 0);
  const sbt = fit.reduce((s, p) => s + (p.bytes - mb) * (p.ms - mt), 0);
  if (n >= 2 && sbb > 0 && sbt > 0) return (sbb / sbt) * 1000;
  return (last.bytes / last.ms) * 1000;
}

/** Payload bytes of `pages` pages with data, in batches of `batch`, compressed by `ratio`. */
function dataBytes(pages: number, inputs: PredictionInputs, batch: number): number {
  if (pages <= 0) return 0;
  return (pages * (inputs.pageSize + PAGE_INDEX_BYTES)) / inputs.compressionRatio + Math.ceil(pages / batch) * BATCH_OVERHEAD_BYTES;
}

/** Zero pages go as their index alone. */
function zeroBytes(pages: number): number {
  return Math.max(0, pages) * PAGE_INDEX_BYTES;
}

/**
 * What a migration in `mode` costs with these inputs (see the file header);
 * `batchPages` is the page batch of the container, `catchUpMaxMs` the longest a
 * pre-copy source waits for its sink to catch up.
 */
export function predictOutcome(mode: MigrationMode, inputs: PredictionInputs, batchPages: number, catchUpMaxMs: number): ModelOutcome {
  const { rttMs, presentPages, nonzeroPages, headerBytes } = inputs;
  if (!(inputs.bandwidthBytesPerS > 0)) throw new RangeError(`bandwidth must be positive, got ${inputs.bandwidthBytesPerS}`);
  const zeroPages = presentPages - nonzeroPages;
  // Receive's reply (the last byte there, the reply back) and the Commit.
  const commit = 2 * rttMs;
  // Every present page, the zero ones as their index alone (pre-copy's round 0, post-copy's push).
  // The batches with data first, then those of zero pages alone.
  const everyPage = (stream: SourceStream): void => {
    const batches = Math.ceil(presentPages / batchPages);
    const zeroOnly = Math.min(batches, Math.max(0, inputs.zeroBatches));
    const withData = batches - zeroOnly;
    const zeroLeft = Math.max(0, zeroPages - zeroOnly * batchPages);
    const bytes = dataBytes(nonzeroPages, inputs, batchPages) + zeroBytes(zeroLeft);
    stream.round();
    for (let i = 0; i < withData; i++) stream.put(bytes / withData, true);
    // A batch of zero pages is a list of indices: nothing to copy, compress or hash to speak of.
    for (let i = 0; i < zeroOnly; i++) stream.put(zeroBytes(batchPages) + BATCH_OVERHEAD_BYTES);
  };

  if (mode === 'full') {
    // Negotiated; stopped; every page looked at; the header, the non-zero pages, the trailer.
    const stopAt = rttMs;
    const stream = new SourceStream(inputs, stopAt + inputs.scanMs);
    stream.put(headerBytes);
    stream.round();
    stream.putPages(nonzeroPages, batchPages);
    stream.put(TRAILER_BYTES);
    const downtime = stream.linkFree - stopAt + commit;
    return { totalMs: stopAt + downtime, downtimeMs: downtime, rounds: 1, bytes: Math.round(stream.bytes), pages: nonzeroPages, pagesPerRound: [nonzeroPages] };
  }
  if (mode === 'lazy') {
    const stopAt = rttMs;
    const stream = new SourceStream(inputs, stopAt);
    stream.put(headerBytes);
    stream.put(TRAILER_BYTES);
    const downtime = stream.linkFree - stopAt + commit;
    // Then the push, on its own stream, answered once the sink has every page.
    const push = new SourceStream(inputs, stopAt + downtime);
    everyPage(push);
    const total = push.linkFree + rttMs;
    return { totalMs: total, downtimeMs: downtime, rounds: 1, bytes: Math.round(stream.bytes + push.bytes), pages: presentPages, pagesPerRound: [presentPages] };
  }

  // Pre-copy: the header, then the rounds while the task runs.
  const stopPages = inputs.precopyStopPages;
  const maxRounds = Math.max(1, inputs.precopyMaxRounds);
  const stream = new SourceStream(inputs, rttMs);
  stream.put(headerBytes);
  const perRound: number[] = [presentPages];
  let roundStart = stream.t;
  everyPage(stream);
  let dirty = dirtiedWithin(inputs.dirty, stream.t - roundStart, presentPages);
  let stop: PrecopyStop;
  for (;;) {
    if (dirty <= stopPages) {
      stop = 'few-dirty';
      break;
    }
    if (perRound.length >= maxRounds) {
      stop = 'max-rounds';
      break;
    }
    perRound.push(dirty);
    roundStart = stream.t;
    stream.round();
    stream.putPages(dirty, batchPages);
    dirty = dirtiedWithin(inputs.dirty, stream.t - roundStart, presentPages);
  }
  // The wait for the sink: until a query answered after the last byte arrived
  // says it has every page (one way there, the query's round trip), at most the limit.
  const stopAt = Math.min(stream.t + catchUpMaxMs, Math.max(stream.t + rttMs, stream.linkFree + 1.5 * rttMs));
  const final = dirtiedWithin(inputs.dirty, stopAt - roundStart, presentPages);
  perRound.push(final);
  stream.t = stopAt;
  stream.round();
  stream.putPages(final, batchPages);
  stream.put(headerBytes);
  stream.put(TRAILER_BYTES);
  const downtime = Math.max(stream.linkFree, stopAt) - stopAt + commit;
  return {
    totalMs: stopAt + downtime,
    downtimeMs: downtime,
    rounds: perRound.length,
    bytes: Math.round(stream.bytes),
    pages: perRound.reduce((a, b) => a + b, 0),
    pagesPerRound: perRound,
    precopyStop: stop,
  };
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
class SourceStream {
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
    private readonly inputs: PredictionInputs,
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
