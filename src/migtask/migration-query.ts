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
  const remaining = run.options.mode === 'precopy' ? c.remainingBytes : Math.max(0, run.task.space.pageTable.pageCount * run.task.space.pageSize - run.raw);
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
    expectedDowntimeMs: run.options.mode === 'precopy' && c.expectedDowntimeMs > 0 ? c.expectedDowntimeMs : finite(transferMs(remaining, rate)),
    throttlePercent: c.throttle,
    waiting: c.waiting,
    bytesSent: run.stats.bytes,
    maxBandwidth: c.maxBandwidth,
    downtimeLimitMs: c.downtimeLimitMs,
    totalMs: performance.now() - run.t0,
  };
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
