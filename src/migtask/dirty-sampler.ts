/**
 * How a running task dirties its memory, measured without disturbing it: its
 * dirty bits (which pre-copy reads and clears, source-chunks.ts) are taken, the
 * task runs on while the distinct pages it dirties are counted, and the bits
 * taken are put back, so that afterwards every page is dirty that would have
 * been had nobody looked.
 *
 * The counts are made at growing times up to the window (its 64th, 32nd, ...,
 * half: the rate), then every quarter window for as long as something measured
 * alongside goes on (the link probes of a prediction), and after that for as
 * long as the caller still wants more (a count still growing), so that the
 * working set has time to show.
 */
import { Code, MigvisorError, type Clock } from '../common/index.ts';
import type { MigTask } from './mig-task.ts';
import type { DirtySample } from './prediction-fits.ts';

/** When, as fractions of the window, the dirty pages are counted within it; after it, every {@link TAIL_STEP}. */
export const SAMPLE_POINTS: readonly number[] = [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 3 / 4, 1];
/** After the window, a count every this fraction of it... */
export const TAIL_STEP = 1 / 4;
/** ...but no more often than this, ms. */
export const MIN_TAIL_STEP_MS = 25;
/** The longest a sampling goes on waiting for what is measured alongside, ms. */
export const MAX_SAMPLING_MS = 60_000;

/** How to sample. */
export interface SampleOptions {
  /** The window, ms: the least the sampling lasts. */
  readonly windowMs: number;
  /** Sampling goes on (past the window) until this settles, at most {@link MAX_SAMPLING_MS}. */
  readonly alongside?: Promise<unknown>;
  /** Then on while this says so of the samples so far (at most {@link MAX_SAMPLING_MS}). */
  readonly more?: (samples: readonly DirtySample[]) => boolean;
  /** Asked at the end: false (a migration of the task began meanwhile) leaves the bits to that migration and fails with ABORTED. */
  readonly undisturbed: () => boolean;
}

/**
 * Counts the distinct pages `task` dirties (see the file header), on `clock`.
 * Fails with ABORTED when the task left its slot or `undisturbed` says no.
 */
export async function sampleDirty(task: MigTask, clock: Clock, options: SampleOptions): Promise<DirtySample[]> {
  const id = task.id;
  const pt = task.space.pageTable;
  const { windowMs } = options;
  let going = options.alongside !== undefined;
  options.alongside?.then(
    () => (going = false),
    () => (going = false),
  );
  const samples: DirtySample[] = [];
  const taken = pt.takeDirty();
  const t0 = clock.now();
  let restore = true;
  const count = async (at: number): Promise<void> => {
    const wait = t0 + at - clock.now();
    if (wait > 0) await clock.sleep(wait);
    if (task.id !== id) {
      restore = false;
      throw new MigvisorError(`task ${id} left its slot while its dirty pages were measured`, Code.ABORTED);
    }
    samples.push({ ms: clock.now() - t0, pages: pt.dirtyCount() });
  };
  try {
    for (const f of SAMPLE_POINTS) await count(f * windowMs);
    const step = Math.max(TAIL_STEP * windowMs, MIN_TAIL_STEP_MS);
    let at = windowMs + step;
    for (; going && at <= MAX_SAMPLING_MS; at += step) await count(at);
    for (; options.more?.(samples) && at <= MAX_SAMPLING_MS; at += step) await count(at);
    if (!options.undisturbed()) {
      // A pre-copy clears the bits itself; putting old ones back would only make it resend pages.
      restore = false;
      throw new MigvisorError(`a migration of task ${id} began while its dirty pages were measured; the prediction is void`, Code.ABORTED);
    }
    return samples;
  } finally {
    if (restore) pt.restoreDirty(taken);
  }
}
