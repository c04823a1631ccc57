/**
 * How a running task dirties its memory, measured without disturbing it: its
 * dirty bits (which pre-copy reads and clears, source-chunks.ts) are taken, the
 * task runs on for a window while the distinct pages it dirties are counted at
 * growing intervals, and the bits taken are put back, so that afterwards every
 * page is dirty that would have been had nobody looked.
 */
import { Code, MigvisorError, type Clock } from '../common/index.ts';
import type { MigTask } from './mig-task.ts';
import type { DirtySample } from './prediction-model.ts';

/** When, as fractions of the window, the dirty pages are counted: finely at first (the rate), then to its end (the working set). */
export const SAMPLE_POINTS: readonly number[] = [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 3 / 4, 1];

/**
 * Counts the distinct pages `task` dirties during `windowMs` on `clock`.
 * `undisturbed` is asked at the end: false (a migration of the task began
 * meanwhile) leaves the bits to that migration and fails with ABORTED; so does a
 * task that left its slot.
 */
export async function sampleDirty(task: MigTask, clock: Clock, windowMs: number, undisturbed: () => boolean): Promise<DirtySample[]> {
  const id = task.id;
  const pt = task.space.pageTable;
  const samples: DirtySample[] = [];
  const taken = pt.takeDirty();
  const t0 = clock.now();
  let restore = true;
  try {
    for (const f of SAMPLE_POINTS) {
      const wait = t0 + f * windowMs - clock.now();
      if (wait > 0) await clock.sleep(wait);
      if (task.id !== id) {
        restore = false;
        throw new MigvisorError(`task ${id} left its slot while its dirty pages were measured`, Code.ABORTED);
      }
      samples.push({ ms: clock.now() - t0, pages: pt.dirtyCount() });
    }
    if (!undisturbed()) {
      // A pre-copy clears the bits itself; putting old ones back would only make it resend pages.
      restore = false;
      throw new MigvisorError(`a migration of task ${id} began while its dirty pages were measured; the prediction is void`, Code.ABORTED);
    }
    return samples;
  } finally {
    if (restore) pt.restoreDirty(taken);
  }
}
