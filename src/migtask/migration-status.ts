/**
 * A migration's status, in one place (README, "Migration control": events): the
 * status names are QEMU's (query-migrate: setup, active, postcopy-active,
 * postcopy-paused, postcopy-recover, cancelling, cancelled, completed, failed;
 * and in-doubt), each change is set on the task's transit record (what ps and
 * Info show) and published as a migration event of step `status`; a pre-copy
 * pass is published as step `pass`. Every part of a migration (source, sink,
 * post-copy recovery) announces a status change through {@link publishStatus}.
 */
import type { MigTask } from './mig-task.ts';
import type { MigrationHost } from './migration-host.ts';
import { MIGRATION_STATUSES, type MigrationStatus } from './vocabulary.ts';

export { MIGRATION_STATUSES, type MigrationStatus };

/** What a migration event of step `status` or `pass` carries besides its detail. */
export interface MigrationEventExtra {
  /** Step `status`: the new status. */
  readonly status?: MigrationStatus;
  /** Step `pass`: the pre-copy pass just sent, from 1. */
  readonly pass?: number;
}

/** The statuses after which nothing more happens to a migration. */
export const FINAL_STATUSES: ReadonlySet<MigrationStatus> = new Set(['cancelled', 'completed', 'failed']);

/** The last status published per node and migration id (a status is announced once per change). */
const lastStatus = new Map<string, MigrationStatus>();

/**
 * Announces that migration `migrationId` of `task` (on `host`) is now `status`:
 * sets it on the task's transit record when that record is this migration's, and
 * publishes a migration event of step `status` (once per change; `detail` says
 * why in words). Returns whether it changed.
 */
export function publishStatus(host: MigrationHost, task: MigTask | undefined, taskId: string, migrationId: string, status: MigrationStatus, detail = ''): boolean {
  if (task?.transit?.migrationId === migrationId) task.transit.status = status;
  // Per node: a source and its sink in one process announce the same migration each.
  const key = `${host.name}\u0000${migrationId}`;
  if (lastStatus.get(key) === status) return false;
  if (FINAL_STATUSES.has(status)) lastStatus.delete(key);
  else lastStatus.set(key, status);
  host.migrationEvent(taskId, 'status', detail, { status });
  return true;
}

/** Announces that pre-copy pass `pass` (from 1) of the migration of `taskId` was sent. */
export function publishPass(host: MigrationHost, taskId: string, pass: number, detail: string): void {
  host.migrationEvent(taskId, 'pass', detail, { pass });
}
