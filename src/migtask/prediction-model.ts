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
 * bandwidth are fitted in prediction-fits.ts.
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
