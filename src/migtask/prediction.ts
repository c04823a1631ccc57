/**
 * PredictMigration on the source: what a StopAndTransfer of the same request
 * would cost, with nothing moved. It checks and negotiates as the migration does
 * (source-negotiate.ts: the same refusals, nothing stopped), then measures the
 * inputs of the model (prediction-model.ts) while the task keeps running:
 *
 * - its memory: present and non-zero pages, the container header's size, and
 *   how long looking at every page takes (what a full migration does stopped);
 * - the pages it dirties over a window (dirty-sampler.ts, without a trace);
 * - the link to the sink on the migration's route: round trip and bandwidth
 *   (link-probe.ts);
 * - how well a sample of its non-zero pages compresses with the negotiated
 *   compression, batch by batch as the codec does it (a batch that does not
 *   compress goes as it is).
 */
import { performance } from 'node:perf_hooks';
import { IllegalStateError, type Compression } from '../common/index.ts';
import type { AddressSpace } from '../partition/index.ts';
import { encodeHeader, prepareEncoded } from './container-codec.ts';
import { BATCH_PAGES, snapshotOf } from './container-snapshot.ts';
import { sampleDirty } from './dirty-sampler.ts';
import { measureBandwidth, measureRtt, type DiscardPort } from './link-probe.ts';
import type { MigrationHost } from './migration-host.ts';
import { DEFAULT_PRECOPY_MAX_ROUNDS, DEFAULT_PRECOPY_STOP_PAGES, type MigrateOptions } from './migration-run.ts';
import { sourceFacts, type SourceContext } from './migration-source.ts';
import { encodePageBatch } from './page-batch.ts';
import { fitDirtyCurve, predictOutcome, type Prediction, type PredictionInputs } from './prediction-model.ts';
import type { SinkPort } from './sink-port.ts';
import { CATCH_UP_MS } from './source-chunks.ts';
import { negotiate, sourceTask } from './source-negotiate.ts';

/** Default of {@link PredictOptions.dirtyWindowMs}. */
export const DEFAULT_DIRTY_WINDOW_MS = 200;
/** Default of {@link PredictOptions.probeBytes}. */
export const DEFAULT_PROBE_BYTES = 16 << 20;
/** Page batches whose compression is tried, spread over the non-zero pages. */
export const COMPRESSION_SAMPLE_BATCHES = 8;
const RTT_DEADLINE_MS = 5_000;

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

    const samples = await sampleDirty(task, host.clock, options.dirtyWindowMs ?? DEFAULT_DIRTY_WINDOW_MS, () => task.state === 'MigSource' && !facts.migrating(id));
    const rttMs = await measureRtt(() => sink.info(task.partition.name, RTT_DEADLINE_MS));
    const pageSize = task.space.pageSize;
    const link = await measureBandwidth(discard, BATCH_PAGES * pageSize, options.probeBytes ?? DEFAULT_PROBE_BYTES);
    const compressionRatio = await sampleCompression(task.space, snap.pages, compression);

    const inputs: PredictionInputs = {
      pageSize,
      presentPages: snap.pages.length + snap.elided,
      nonzeroPages: snap.pages.length,
      headerBytes,
      scanMs,
      dirty: fitDirtyCurve(samples),
      bandwidthBytesPerS: link.bytesPerS,
      rttMs,
      compressionRatio,
      probeBytes: link.bytes,
      precopyStopPages: options.precopyStopPages ?? DEFAULT_PRECOPY_STOP_PAGES,
      precopyMaxRounds: options.precopyMaxRounds ?? DEFAULT_PRECOPY_MAX_ROUNDS,
    };
    const outcome = predictOutcome(options.mode, inputs, BATCH_PAGES, CATCH_UP_MS);
    return { ...outcome, mode: options.mode, compression, inputs, probeMs: performance.now() - t0 };
  } finally {
    context.measuring.delete(id);
  }
}

/**
 * Raw bytes per byte sent of {@link COMPRESSION_SAMPLE_BATCHES} page batches
 * spread over `pages`, each compressed as the codec would (1 without compression
 * or pages).
 */
async function sampleCompression(space: AddressSpace, pages: readonly number[], compression: Compression): Promise<number> {
  if (compression === 'none' || pages.length === 0) return 1;
  const batches = Math.min(COMPRESSION_SAMPLE_BATCHES, Math.ceil(pages.length / BATCH_PAGES));
  const stride = Math.floor(pages.length / batches);
  let raw = 0;
  let sent = 0;
  for (let i = 0; i < batches; i++) {
    const batch = pages.slice(i * stride, Math.min(pages.length, i * stride + BATCH_PAGES));
    const prepared = await prepareEncoded(encodePageBatch(space, batch), batch.length, compression);
    raw += prepared.raw;
    sent += prepared.payload.length;
  }
  return sent > 0 ? raw / sent : 1;
}
