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
 * bandwidth, once the source has prepared its batch (a measured latency and
 * pace) and the stream's buffers let it go (source-stream-model.ts); each
 * exchange the protocol waits for costs one round trip. The dirty curve and the
 * bandwidth are fitted in prediction-fits.ts. A `--max-bandwidth` cap below the
 * measured bandwidth is the bandwidth.
 *
 * - full: negotiate (1 round trip); stop; look at every page (the scan); the
 *   header, the non-zero pages and the trailer; the Receive reply and the
 *   Commit (2 round trips). Downtime: everything after the negotiation.
 * - precopy: negotiate; the header; round 0 sends every present page (zero ones
 *   without data); each later round the pages dirtied during the one before;
 *   after a round, the stop rules of convergence.ts in their order (few-dirty,
 *   downtime-limit at the link rate and the sample's compression, max-rounds,
 *   no-progress); wait for the sink to catch up (what is still on its way, and a
 *   query), and ask the rules again with what is dirty then: the rule that
 *   holds stops, and if none does the stop is taken back; with auto-converge
 *   the travelers dirty only in their unthrottled share of the time, the
 *   throttle raised after each round as the migration raises it; stop and send
 *   what was dirtied during the last round and the wait, the state and the
 *   trailer; Receive reply and Commit. Downtime: from the stop. A round lasts, for the dirty bits, until its last chunk is
 *   written into the call's buffer ({@link SourceStream}), which can be long
 *   before the link has carried it.
 * - lazy: negotiate; stop; header and trailer; Receive reply and Commit (the
 *   downtime); then every present page is pushed, and the push is answered.
 */
import type { Compression, MigrationMode } from '../common/index.ts';
import { nextThrottle, stopRule, THROTTLE_MAX, transferMs } from './convergence.ts';
import { dirtiedWithin, type DirtyCurve } from './prediction-fits.ts';
import { BATCH_OVERHEAD_BYTES, dataBytes, SourceStream, zeroBytes, type StreamFacts } from './source-stream-model.ts';
import type { PrecopyStop } from './vocabulary.ts';

/** Bytes of a container trailer (digest, counts). */
export const TRAILER_BYTES = 64;

/** The measured and configured inputs of a prediction (PredictionInputs on the wire). */
export interface PredictionInputs extends StreamFacts {
  /** Pages of the task that are present. */
  readonly presentPages: number;
  /** Present pages that are not all zeros. */
  readonly nonzeroPages: number;
  /** Bytes of the container header. */
  readonly headerBytes: number;
  /** How long looking at every page once took, ms. */
  readonly scanMs: number;
  /** How the task dirties its pages. */
  readonly dirty: DirtyCurve;
  /** Round trip of a small call, ms. */
  readonly rttMs: number;
  /** Batches of present pages that hold only zero pages (sent as indices alone, last). */
  readonly zeroBatches: number;
  /** Payload bytes the bandwidth probes sent. */
  readonly probeBytes: number;
  /** Pre-copy: stop once at most this many pages are dirty. */
  readonly precopyStopPages: number;
  /** Pre-copy: stop after this many live rounds at most. */
  readonly precopyMaxRounds: number;
  /** Pre-copy: the downtime the stop rule aims for, ms. */
  readonly downtimeLimitMs: number;
  /** The sender's bandwidth cap, bytes/s (0: none). */
  readonly maxBandwidthBytesPerS: number;
  /** Pre-copy: auto-converge throttles the travelers. */
  readonly autoConverge: boolean;
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
  /** Pre-copy with auto-converge: the throttle of each live round, percent. */
  readonly throttlePerRound?: readonly number[];
}

/** A prediction: the outcome, its inputs, and what measuring them took. */
export interface Prediction extends ModelOutcome {
  readonly mode: MigrationMode;
  readonly compression: Compression;
  readonly inputs: PredictionInputs;
  /** How long measuring took, ms (not part of totalMs). */
  readonly probeMs: number;
}

/**
 * What a migration in `mode` costs with these inputs (see the file header);
 * `batchPages` is the page batch of the container, `catchUpMaxMs` the longest a
 * pre-copy source waits for its sink to catch up.
 */
export function predictOutcome(mode: MigrationMode, measured: PredictionInputs, batchPages: number, catchUpMaxMs: number): ModelOutcome {
  if (!(measured.bandwidthBytesPerS > 0)) throw new RangeError(`bandwidth must be positive, got ${measured.bandwidthBytesPerS}`);
  // A bandwidth cap paces the sender: the model sends at the lower of the two.
  const cap = measured.maxBandwidthBytesPerS;
  const inputs = cap > 0 && cap < measured.bandwidthBytesPerS ? { ...measured, bandwidthBytesPerS: cap } : measured;
  const { rttMs, presentPages, nonzeroPages, headerBytes } = inputs;
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
  const rate = inputs.bandwidthBytesPerS;
  const stream = new SourceStream(inputs, rttMs);
  stream.put(headerBytes);
  const perRound: number[] = [presentPages];
  // Auto-converge: the travelers run (100 - throttle) % of the time, so they dirty what they would in that share of a round.
  let throttle = 0;
  const throttles: number[] = [0];
  const dirtiedSince = (start: number, until: number): number => dirtiedWithin(inputs.dirty, ((until - start) * (100 - throttle)) / 100, presentPages);
  // The downtime the dirty pages would take, at the compression of a sample (convergence.ts does the same with what was sent).
  const expectedMs = (pages: number): number => transferMs((pages * inputs.pageSize) / Math.max(1e-9, inputs.compressionRatio), rate);
  const throttleAfter = (dirty: number, roundMs: number): void => {
    if (inputs.autoConverge) throttle = nextThrottle(throttle, ((dirty * inputs.pageSize) / Math.max(1, roundMs)) * 1000, rate);
  };
  /** The stop rules of convergence.ts for `dirty` pages dirty now and `previous` after the round before. */
  const rule = (dirty: number, previous: number | undefined): PrecopyStop | undefined =>
    stopRule({
      rounds: perRound.length,
      dirtyPages: dirty,
      previousDirtyPages: previous,
      expectedDowntimeMs: expectedMs(dirty),
      stopPages,
      maxRounds,
      downtimeLimitMs: inputs.downtimeLimitMs,
      canThrottleMore: inputs.autoConverge && throttle < THROTTLE_MAX,
    });
  let roundStart = stream.t;
  everyPage(stream);
  let dirty = dirtiedSince(roundStart, stream.t);
  let previous: number | undefined;
  let stop: PrecopyStop;
  let stopAt: number;
  let final: number;
  // After each round the stop rules of convergence.ts, in their order; a stop waits for the sink to catch up
  // (what is still on its way, and a query), and the rules are asked again with what is dirty then: the rule
  // that holds stops the rounds, and if none does the stop is taken back.
  for (;;) {
    const first = rule(dirty, previous);
    const roundMs = stream.t - roundStart;
    const before = previous;
    previous = dirty;
    if (first) {
      stopAt = Math.min(stream.t + catchUpMaxMs, Math.max(stream.t + rttMs, stream.linkFree + 1.5 * rttMs));
      final = dirtiedSince(roundStart, stopAt);
      const confirmed = rule(final, before);
      if (confirmed) {
        stop = confirmed;
        break;
      }
      stream.t = stopAt;
      dirty = final;
      previous = final;
    }
    throttleAfter(dirty, roundMs);
    perRound.push(dirty);
    throttles.push(throttle);
    roundStart = stream.t;
    stream.round();
    stream.putPages(dirty, batchPages);
    dirty = dirtiedSince(roundStart, stream.t);
  }
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
    ...(inputs.autoConverge ? { throttlePerRound: throttles } : {}),
  };
}
