/**
 * QueryMigrate (README, "Migration control": status): a migration in flight as
 * QEMU's query-migrate shows it — status, pass, remaining bytes, dirty and
 * transfer rates, expected downtime, throttle — from its run's live figures.
 */
import { performance } from 'node:perf_hooks';
import type { MigrationMode } from '../common/index.ts';
import type { MigrationRun } from './migration-run.ts';
import { transferMs } from './convergence.ts';
import type { MigrationPhase, MigrationStatus } from './vocabulary.ts';

/** Where a migration stands (sizes in bytes, rates per second, times in ms). */
export interface MigrationQuery {
  readonly migrationId: string;
  readonly status: MigrationStatus;
  readonly mode: MigrationMode;
  readonly sink: string;
  readonly phase: MigrationPhase;
  readonly pass: number;
  readonly remainingBytes: number;
  readonly dirtyRatePagesPerS: number;
  readonly transferBytesPerS: number;
  readonly expectedDowntimeMs: number;
  readonly throttlePercent: number;
  /** Why it waits for its turn ('' when it does not). */
  readonly waiting: string;
  readonly bytesSent: number;
  readonly maxBandwidth: number;
  readonly downtimeLimitMs: number;
  readonly totalMs: number;
}

/** The query-migrate view of `run` now. */
export function queryOf(run: MigrationRun): MigrationQuery {
  const c = run.control;
  const elapsedS = Math.max(1e-3, (performance.now() - run.t0) / 1000);
  // Before the first pass ends, the rate so far is the best there is.
  const rate = c.transferBytesPerS > 0 ? c.transferBytesPerS : run.stats.bytes / elapsedS;
  const status: MigrationStatus = run.statusNow;
  const remaining = remainingBytes(run);
  return {
    migrationId: run.stats.migrationId,
    status,
    mode: run.options.mode,
    sink: run.sinkName,
    phase: run.phase,
    pass: run.options.mode === 'precopy' ? c.pass : run.stats.bytes > 0 ? 1 : 0,
    remainingBytes: remaining,
    dirtyRatePagesPerS: c.dirtyRatePagesPerS,
    transferBytesPerS: rate,
    expectedDowntimeMs: expectedDowntimeMs(run, remaining, rate),
    throttlePercent: c.throttle,
    waiting: c.waiting,
    bytesSent: run.stats.bytes,
    maxBandwidth: c.maxBandwidth,
    downtimeLimitMs: c.downtimeLimitMs,
    totalMs: performance.now() - run.t0,
  };
}

/**
 * Page bytes still to move to the sink. Pre-copy: the dirty pages the governor
 * counted. Full: the pages that were not zero at its snapshot (zero pages are
 * never sent), less those sent. Lazy: every page until the switch-over, then the
 * pages the sink still lacks.
 */
function remainingBytes(run: MigrationRun): number {
  const size = run.task.space.pageSize;
  if (run.options.mode === 'precopy') return run.control.remainingBytes;
  if (run.options.mode === 'lazy') return run.residualPages ? run.residualPages() * size : run.task.space.pageTable.pageCount * size;
  const total = run.toSendPages > 0 ? run.toSendPages * size : run.task.space.pageTable.pageCount * size;
  return Math.max(0, total - run.raw - (run.pageStreams?.raw ?? 0));
}

/**
 * The downtime to expect. Pre-copy: the governor's figure once it has one.
 * Full: what is left at the rate (the task is stopped for all of it). Lazy: 0,
 * its switch-over carries no page (and once it is over, it is over).
 */
function expectedDowntimeMs(run: MigrationRun, remaining: number, rate: number): number {
  if (run.options.mode === 'lazy') return 0;
  if (run.options.mode === 'precopy' && run.control.expectedDowntimeMs > 0) return run.control.expectedDowntimeMs;
  return finite(transferMs(remaining, rate));
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
