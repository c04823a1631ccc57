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
 *   `precopyMaxRounds` rounds; wait for the sink to catch up (what is in flight,
 *   and one query); stop and send what was dirtied during the last round and the
 *   wait, the state and the trailer; Receive reply and Commit. Downtime: from
 *   the stop.
 * - lazy: negotiate; stop; header and trailer; Receive reply and Commit (the
 *   downtime); then every present page is pushed, and the push is answered.
 */
import type { Compression, MigrationMode } from '../common/index.ts';
import type { PrecopyStop } from './vocabulary.ts';

/** Bytes of a page's index in a page batch (a varint; 3 covers 2^21 pages). */
export const PAGE_INDEX_BYTES = 3;
/** Bytes a page batch adds to its pages (field tags and lengths). */
export const BATCH_OVERHEAD_BYTES = 16;
/** Bytes of a container trailer (digest, counts). */
export const TRAILER_BYTES = 64;
/**
 * Bytes of a migration still in flight when a pre-copy round ends (the sink's
 * HTTP/2 receive window: the source cannot have more unacknowledged).
 */
export const IN_FLIGHT_BYTES = 64 * 1024;

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
 * window's end). The working set is the last sample; the rate is the one whose
 * curve min(rate × t, working set) is closest to the samples (least squares);
 * the growth is the slope over the window's last quarter (from the latest
 * sample at most three quarters into it to the last).
 */
export function fitDirtyCurve(samples: readonly DirtySample[]): DirtyCurve {
  const last = samples.at(-1);
  if (!last || last.pages === 0 || last.ms <= 0) return { windowMs: last?.ms ?? 0, workingSetPages: 0, ratePagesPerS: 0, growthPagesPerS: 0 };
  const ws = last.pages;
  const error = (rate: number): number => samples.reduce((sum, s) => sum + (Math.min((rate * s.ms) / 1000, ws) - s.pages) ** 2, 0);
  let rate = (ws / last.ms) * 1000;
  let best = error(rate);
  for (const s of samples) {
    if (s.ms <= 0 || s.pages === 0) continue;
    const r = (s.pages / s.ms) * 1000;
    const e = error(r);
    if (e < best) [rate, best] = [r, e];
  }
  // The growth at the end: the last sample against the latest one at least a quarter window before it.
  const before = [...samples].reverse().find((s) => s.ms <= last.ms * 0.75);
  const growth = before && last.ms > before.ms ? Math.max(0, ((last.pages - before.pages) / (last.ms - before.ms)) * 1000) : 0;
  return { windowMs: last.ms, workingSetPages: ws, ratePagesPerS: rate, growthPagesPerS: growth };
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
 * Bytes per second from the probes (in the order made, growing): the difference
 * of the last two, so what every call costs alike (a round trip, a token
 * bucket's burst) cancels out; one probe alone (or two that do not grow) gives
 * its bytes over its time.
 */
export function bandwidthOf(probes: readonly LinkProbe[]): number {
  const b = probes.at(-1);
  if (!b || b.ms <= 0) return 0;
  const a = probes.at(-2);
  if (a && b.bytes > a.bytes && b.ms > a.ms) return ((b.bytes - a.bytes) / (b.ms - a.ms)) * 1000;
  return (b.bytes / b.ms) * 1000;
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
  const bw = inputs.bandwidthBytesPerS;
  if (!(bw > 0)) throw new RangeError(`bandwidth must be positive, got ${bw}`);
  const send = (bytes: number): number => (bytes / bw) * 1000;
  const zeroPages = presentPages - nonzeroPages;
  const containerEnds = headerBytes + TRAILER_BYTES;
  // Receive's reply (the last byte there, the reply back) and the Commit.
  const commit = 2 * rttMs;

  if (mode === 'full') {
    const bytes = containerEnds + dataBytes(nonzeroPages, inputs, batchPages);
    const downtime = inputs.scanMs + send(bytes) + commit;
    return { totalMs: rttMs + downtime, downtimeMs: downtime, rounds: 1, bytes: Math.round(bytes), pages: nonzeroPages, pagesPerRound: [nonzeroPages] };
  }
  if (mode === 'lazy') {
    const downtime = send(containerEnds) + commit;
    const pushed = dataBytes(nonzeroPages, inputs, batchPages) + zeroBytes(zeroPages);
    const total = rttMs + downtime + send(pushed) + rttMs;
    return { totalMs: total, downtimeMs: downtime, rounds: 1, bytes: Math.round(containerEnds + pushed), pages: presentPages, pagesPerRound: [presentPages] };
  }

  // Pre-copy.
  const stopPages = inputs.precopyStopPages;
  const maxRounds = Math.max(1, inputs.precopyMaxRounds);
  const perRound: number[] = [presentPages];
  let bytes = headerBytes + dataBytes(nonzeroPages, inputs, batchPages) + zeroBytes(zeroPages);
  let live = send(headerBytes);
  let round = send(bytes - headerBytes);
  live += round;
  let dirty = dirtiedWithin(inputs.dirty, round, presentPages);
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
    const b = dataBytes(dirty, inputs, batchPages);
    bytes += b;
    round = send(b);
    live += round;
    dirty = dirtiedWithin(inputs.dirty, round, presentPages);
  }
  // The wait for the sink: what is in flight arrives, and a query says so.
  const catchUp = Math.min(catchUpMaxMs, send(Math.min(IN_FLIGHT_BYTES, bytes)) + rttMs);
  const final = dirtiedWithin(inputs.dirty, round + catchUp, presentPages);
  perRound.push(final);
  const last = dataBytes(final, inputs, batchPages) + headerBytes + TRAILER_BYTES;
  bytes += last;
  const downtime = send(last) + commit;
  return {
    totalMs: rttMs + live + catchUp + downtime,
    downtimeMs: downtime,
    rounds: perRound.length,
    bytes: Math.round(bytes),
    pages: perRound.reduce((a, b) => a + b, 0),
    pagesPerRound: perRound,
    precopyStop: stop,
  };
}
