/**
 * Post-copy recovery (README, "Post-copy recovery"): when the link or the
 * source's process fails during the lazy phase, both sides go to
 * `postcopy-paused` instead of giving the missing pages up. Travelers that touch
 * a missing page wait, the others run; each side retries with backoff (or at
 * once on RecoverPostcopy, `migvisor migrate recover`) and, when the peer answers
 * again, goes through `postcopy-recover` back to `postcopy-active` and the
 * remaining pages flow. Only a peer that stays away for the recovery timeout, or
 * one that answers without the migration (its process restarted), counts as
 * gone: the loss is reported as before.
 *
 * {@link postcopyStatus} is the one place these statuses are announced; the
 * migration status events of the node (QEMU's names) can take it over.
 */
import { Code, MigvisorError, NotFoundError, type Clock } from '../common/index.ts';
import type { MigrationHost } from './migration-host.ts';
import type { PostcopySource } from './postcopy-source.ts';
import type { MigrationStatus } from './vocabulary.ts';

/** How long either side waits for a lost peer before the missing pages count as lost (ms). */
export const DEFAULT_POSTCOPY_RECOVER_MS = 30_000;

/** Longest wait between two attempts to reach a lost peer (ms). */
export const MAX_RETRY_MS = 1000;

/** The post-copy statuses this file announces. */
export type PostcopyStatus = Extract<MigrationStatus, 'postcopy-active' | 'postcopy-paused' | 'postcopy-recover'>;

/**
 * Announces a post-copy status change of `task`: a `postcopy` migration event
 * whose detail starts with the status name, and the `status` event with QEMU's
 * status name that `watch` shows for every migration (README, "Migration control").
 */
export function postcopyStatus(host: MigrationHost, task: string, status: PostcopyStatus, detail: string): void {
  host.migrationEvent(task, 'postcopy', `${status}: ${detail}`);
  host.migrationEvent(task, 'status', detail, { status });
}

/** Whether `e` says the peer is there but no longer knows the migration (its process restarted without the pages). */
export function peerForgot(e: unknown): boolean {
  return e instanceof MigvisorError && e.code === Code.NOT_FOUND;
}

/** The wait before attempt `attempt` (from 0) to reach a lost peer. */
export function retryDelay(attempt: number): number {
  return Math.min(MAX_RETRY_MS, 100 * 2 ** attempt);
}

/** A sleep that {@link wake} cuts short (RecoverPostcopy: try now). */
export class Wakeup {
  private waiters: Array<() => void> = [];

  /** Sleeps `ms` on `clock`, or until woken. */
  sleep(clock: Clock, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        t.cancel();
        this.waiters = this.waiters.filter((w) => w !== finish);
        resolve();
      };
      const t = clock.timer(ms, finish);
      this.waiters.push(finish);
    });
  }

  /** Ends every sleep now. */
  wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Where one side of a post-copy migration stands, for RecoverPostcopy. */
export interface RecoverySide {
  readonly migrationId: string;
  readonly status: PostcopyStatus;
  readonly missing: number;
  /** Retry now. */
  recoverNow(): void;
}

/** RecoverPostcopy: wakes the post-copy migration of `taskId` on this node (sink or source side) and says where it stands. */
export function recoverNow(
  host: MigrationHost,
  residuals: ReadonlyMap<string, PostcopySource>,
  taskId: string,
): { migrationId: string; role: string; status: string; missingPages: number } {
  for (const r of residuals.values()) {
    if (r.task.id !== taskId) continue;
    r.recoverNow();
    return { migrationId: r.migrationId, role: 'source', status: r.status, missingPages: r.remaining };
  }
  const task = host.findTask(taskId);
  const pc = task?.postcopy as Partial<RecoverySide> | undefined;
  if (!task || !pc || typeof pc.recoverNow !== 'function') {
    throw new NotFoundError('post-copy migration of task', taskId, `on ${host.name}`);
  }
  pc.recoverNow();
  return { migrationId: pc.migrationId ?? '', role: 'sink', status: pc.status ?? 'postcopy-active', missingPages: pc.missing ?? 0 };
}
