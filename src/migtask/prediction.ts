/**
 * PredictMigration on the source: what a StopAndTransfer of the same request
 * would cost, with nothing moved. It checks and negotiates as the migration does
 * (source-negotiate.ts: the same refusals, nothing stopped), then measures the
 * inputs of the model (prediction-model.ts) while the task keeps running:
 *
 * - its memory: present and non-zero pages, the container header's size, and
 *   how long looking at every page takes (what a full migration does stopped);
 * - the link to the sink on the migration's route: round trip and bandwidth
 *   (link-probe.ts);
 * - meanwhile, the pages it dirties (dirty-sampler.ts, without a trace): over
 *   the window, for as long as the link probes take, and while the count still
 *   grows for as long as pre-copy's round 0 would take (at most
 *   {@link MAX_WINDOWS} windows): the model then need not guess the working set;
 * - how well a sample of its non-zero pages compresses with the negotiated
 *   compression, batch by batch as the codec does it (a batch that does not
 *   compress goes as it is), and how long preparing a batch takes.
 */
import { performance } from 'node:perf_hooks';
import { IllegalStateError, messageType, type Compression } from '../common/index.ts';
import { Pte, type AddressSpace } from '../partition/index.ts';
import { ChunkEncoder, encodeHeader, prepareEncoded, toWireChunk, type PreparedPages } from './container-codec.ts';
import { BATCH_PAGES, PAGE_ZERO, snapshotOf } from './container-snapshot.ts';
import { sampleDirty } from './dirty-sampler.ts';
import { measureBandwidth, measureRtt, type DiscardPort } from './link-probe.ts';
import type { MigrationHost } from './migration-host.ts';
import { DEFAULT_PRECOPY_MAX_ROUNDS, DEFAULT_PRECOPY_STOP_PAGES, type MigrateOptions } from './migration-run.ts';
import { sourceFacts, type SourceContext } from './migration-source.ts';
import { encodePageBatch } from './page-batch.ts';
import { pipelined, PIPELINE_DEPTH } from './pipeline.ts';
import { fitDirtyCurve, levelledOff, median } from './prediction-fits.ts';
import { predictOutcome, type Prediction, type PredictionInputs } from './prediction-model.ts';
import { DEFAULT_DOWNTIME_LIMIT_MS } from './run-control.ts';
import type { SinkPort } from './sink-port.ts';
import { CATCH_UP_MS } from './source-chunks.ts';
import { negotiate, sourceTask } from './source-negotiate.ts';

/** Default of {@link PredictOptions.dirtyWindowMs}. */
export const DEFAULT_DIRTY_WINDOW_MS = 200;
/** Default of {@link PredictOptions.probeBytes}. */
export const DEFAULT_PROBE_BYTES = 16 << 20;
/** Page batches prepared as a sample (compression, time), spread over the non-zero pages. */
export const COMPRESSION_SAMPLE_BATCHES = 8;
const RTT_DEADLINE_MS = 5_000;
/** The message a page batch travels in (its encoding is part of what a batch costs). */
const CHUNK = messageType('Chunk');
/** A pause after the scan before the dirty pages are counted, ms. */
const SETTLE_MS = 10;
/** A dirty count still growing after the probes is followed for at most this many windows. */
export const MAX_WINDOWS = 8;

/** What a PredictMigration asks: the migration to predict, and how long to measure. */
export interface PredictOptions extends MigrateOptions {
  /** How long the task's dirty pages are sampled (ms). @default 200 */
  readonly dirtyWindowMs?: number;
  /** Most payload bytes of one bandwidth probe stream. @default 16 MiB */
  readonly probeBytes?: number;
}

/** A source context that also knows which tasks a prediction is measuring. */
export interface PredictContext extends SourceContext {
  /** Task ids being measured now (one prediction at a time per task). */
  readonly measuring: Set<string>;
}

/**
 * Predicts the migration of `options.task` of `host` to `sink` (see the file
 * header); `discard` is the sink's Diagnostics Discard. Refuses as StopAndTransfer
 * would, and with FAILED_PRECONDITION while another prediction measures the task.
 */
export async function predictMigration(host: MigrationHost, sink: SinkPort, discard: DiscardPort, options: PredictOptions, context: PredictContext): Promise<Prediction> {
  const t0 = performance.now();
  const facts = sourceFacts(context);
  const task = sourceTask(host, options, facts, 'PredictMigration');
  const id = options.task;
  if (context.measuring.has(id)) throw new IllegalStateError(task.state, 'PredictMigration', `task ${id} is being measured by another prediction`);
  context.measuring.add(id);
  try {
    const compression = await negotiate(host, task, sink, options.sinkName ?? sink.address, options);

    // Memory, and the look at every page a full migration takes once stopped.
    const tScan = performance.now();
    const snap = snapshotOf(task, { node: host.name, tick: host.tick, endian: host.cpu.endian, migrationId: '00000000-0000-0000-0000-000000000000', mode: options.mode });
    const scanMs = performance.now() - tScan;
    const headerBytes = encodeHeader(snap.header).length;
    // The scan held the event loop: let the node run the ticks it owes first, or they would all count at the window's start.
    await host.clock.sleep(SETTLE_MS);

    // The link, while the dirty pages are counted (for the window, and as long as the probes take).
    const pageSize = task.space.pageSize;
    let round0Ms = 0;
    const probes = (async () => {
      const rttMs = await measureRtt(() => sink.info(task.partition.name, RTT_DEADLINE_MS));
      const link = await measureBandwidth(discard, BATCH_PAGES * pageSize, options.probeBytes ?? DEFAULT_PROBE_BYTES);
      round0Ms = link.bytesPerS > 0 ? ((snap.pages.length * pageSize) / link.bytesPerS) * 1000 : 0;
      return { rttMs, link };
    })();
    const windowMs = options.dirtyWindowMs ?? DEFAULT_DIRTY_WINDOW_MS;
    const sampled = sampleDirty(task, host.clock, {
      windowMs,
      alongside: probes,
      // A count still growing goes on as long as pre-copy's round 0 would last (no longer than the window allows).
      more: (samples) => !levelledOff(samples) && (samples.at(-1)?.ms ?? 0) < Math.min(round0Ms, MAX_WINDOWS * windowMs),
      undisturbed: () => task.state === 'MigSource' && !facts.migrating(id),
    });
    // Both end before anything else happens (the sampler puts the dirty bits back even when the probes fail).
    const [dirtyOutcome, probeOutcome] = await Promise.allSettled([sampled, probes]);
    if (dirtyOutcome.status === 'rejected') throw dirtyOutcome.reason;
    if (probeOutcome.status === 'rejected') throw probeOutcome.reason;
    const samples = dirtyOutcome.value;
    const { rttMs, link } = probeOutcome.value;
    const sample = await sampleBatches(task.space, snap.pages, compression);

    const inputs: PredictionInputs = {
      pageSize,
      presentPages: snap.pages.length + snap.elided,
      nonzeroPages: snap.pages.length,
      headerBytes,
      scanMs,
      dirty: fitDirtyCurve(samples),
      bandwidthBytesPerS: link.bytesPerS,
      rttMs,
      compressionRatio: sample.ratio,
      batchMs: sample.batchMs,
      batchLatencyMs: sample.batchLatencyMs,
      zeroBatches: zeroBatches(snap.header.pageFlags as Uint8Array),
      probeBytes: link.bytes,
      precopyStopPages: options.precopyStopPages ?? DEFAULT_PRECOPY_STOP_PAGES,
      precopyMaxRounds: options.precopyMaxRounds ?? DEFAULT_PRECOPY_MAX_ROUNDS,
      downtimeLimitMs: options.downtimeLimitMs ?? DEFAULT_DOWNTIME_LIMIT_MS,
      maxBandwidthBytesPerS: options.maxBandwidth ?? 0,
      autoConverge: options.autoConverge ?? false,
    };
    const outcome = predictOutcome(options.mode, inputs, BATCH_PAGES, CATCH_UP_MS);
    return { ...outcome, mode: options.mode, compression, inputs, probeMs: performance.now() - t0 };
  } finally {
    context.measuring.delete(id);
  }
}

/** Batches of present pages (in page-table order, as round 0 sends them) whose pages are all zero, by the page map. */
function zeroBatches(map: Uint8Array): number {
  let batches = 0;
  let inBatch = 0;
  let allZero = true;
  for (const b of map) {
    if (!(b & Pte.PRESENT)) continue;
    allZero &&= (b & PAGE_ZERO) !== 0;
    if (++inBatch === BATCH_PAGES) {
      if (allZero) batches++;
      inBatch = 0;
      allZero = true;
    }
  }
  return inBatch > 0 && allZero ? batches + 1 : batches;
}

/** What preparing a sample of page batches showed. */
interface BatchSample {
  /** Raw bytes per byte sent (1 without compression or pages). */
  readonly ratio: number;
  /** ms a batch when {@link PIPELINE_DEPTH} are prepared at once, as a migration does. */
  readonly batchMs: number;
  /** ms from starting one batch to having it (the median of the batches one by one: a stall of the process costs one of them). */
  readonly batchLatencyMs: number;
}

/**
 * Prepares {@link COMPRESSION_SAMPLE_BATCHES} page batches spread over `pages`
 * as a migration would (copied, compressed when it pays, hashed, framed as the
 * message the stream sends), one by one and then pipelined, and reports the
 * compression and the times.
 */
async function sampleBatches(space: AddressSpace, pages: readonly number[], compression: Compression): Promise<BatchSample> {
  if (pages.length === 0) return { ratio: 1, batchMs: 0, batchLatencyMs: 0 };
  const count = Math.min(COMPRESSION_SAMPLE_BATCHES, Math.ceil(pages.length / BATCH_PAGES));
  const stride = Math.floor(pages.length / count);
  const batches = Array.from({ length: count }, (_, i) => pages.slice(i * stride, Math.min(pages.length, i * stride + BATCH_PAGES)));
  const encoder = new ChunkEncoder();
  const prepare = async (batch: readonly number[]): Promise<PreparedPages> => {
    const prepared = await prepareEncoded(encodePageBatch(space, batch), batch.length, compression);
    CHUNK.encode(toWireChunk(encoder.pageChunk(prepared))).finish();
    return prepared;
  };
  let raw = 0;
  let sent = 0;
  const times: number[] = [];
  for (const batch of batches) {
    const t0 = performance.now();
    const prepared = await prepare(batch);
    times.push(performance.now() - t0);
    raw += prepared.raw;
    sent += prepared.payload.length;
  }
  const t0 = performance.now();
  for await (const prepared of pipelined(batches, prepare)) void prepared;
  const batchMs = (performance.now() - t0) / count;
  return { ratio: compression !== 'none' && sent > 0 ? raw / sent : 1, batchMs, batchLatencyMs: median(times) };
}
