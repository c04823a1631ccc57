/**
 * `migvisor dirty-rate` (MeasureDirtyRate; README, "Migration control"): how fast
 * a running task dirties its memory, measured over a window with the sampler
 * predictions use (dirty-sampler.ts: the task's dirty bits are as if nobody had
 * looked afterwards), without migrating it.
 */
import { Code, IllegalStateError, InvalidArgumentError, MigvisorError } from '../common/index.ts';
import { sampleDirty } from './dirty-sampler.ts';
import type { MigrationHost } from './migration-host.ts';
import { fitDirtyCurve } from './prediction-fits.ts';

/** The default window, ms. */
export const DEFAULT_DIRTY_RATE_WINDOW_MS = 1000;

/** A task's dirty rate. */
export interface DirtyRate {
  readonly task: string;
  readonly windowMs: number;
  /** Distinct pages dirtied within the window. */
  readonly pagesDirtied: number;
  readonly pagesPerS: number;
  readonly bytesPerS: number;
  readonly pageSize: number;
  /** Pages per second while the working set filled (the fit of predictions). */
  readonly initialPagesPerS: number;
}

/** What the measurement must not run into: migrations and other measurements of the task. */
export interface DirtyRateContext {
  readonly measuring: Set<string>;
  migrating(task: string): boolean;
}

/** Measures task `taskId` of `host` over `windowMs` (10..10000). */
export async function measureDirtyRate(host: MigrationHost, taskId: string, windowMs: number, context: DirtyRateContext): Promise<DirtyRate> {
  if (!Number.isInteger(windowMs) || windowMs < 10 || windowMs > 10_000) throw new InvalidArgumentError(`window_ms must be 10..10000 ms (got ${windowMs})`);
  const task = host.task(taskId);
  if (task.state !== 'MigSource') throw new IllegalStateError(task.state, 'MeasureDirtyRate', `task ${taskId} is not running on ${host.name}`);
  if (context.migrating(taskId)) throw new MigvisorError(`task ${taskId} is migrating: its dirty pages belong to the migration`, Code.FAILED_PRECONDITION);
  if (context.measuring.has(taskId)) throw new MigvisorError(`task ${taskId} is being measured already`, Code.FAILED_PRECONDITION);
  context.measuring.add(taskId);
  try {
    const samples = await sampleDirty(task, host.clock, { windowMs, undisturbed: () => !context.migrating(taskId) });
    const last = samples.at(-1) ?? { ms: windowMs, pages: 0 };
    const seconds = Math.max(1e-3, last.ms / 1000);
    const pageSize = task.space.pageSize;
    const pagesPerS = last.pages / seconds;
    return {
      task: taskId,
      windowMs: last.ms,
      pagesDirtied: last.pages,
      pagesPerS,
      bytesPerS: pagesPerS * pageSize,
      pageSize,
      initialPagesPerS: fitDirtyCurve(samples).ratePagesPerS,
    };
  } finally {
    context.measuring.delete(taskId);
  }
}
