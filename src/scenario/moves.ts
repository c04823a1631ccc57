/**
 * One move of a task as the runner makes it: a migration (StopAndTransfer on
 * the source node), a park or a restore (through the middleware). The progress
 * stream's phases are timed as they come; `onPhase` lets a `during` fault strike
 * at one; the move's end is its statistics or its gRPC status.
 */
import { COMPRESSION_WIRE, MIGRATION_MODE_WIRE, MigvisorError, serverStream, statusName, toProtoJson, unary } from '../common/index.ts';
import type { MigrationStats__Output } from '../generated/migvisor/v1/MigrationStats.ts';
import type { ClusterAccess } from './cluster-access.ts';
import type { MoveSpec, Phase } from './model.ts';
import type { MoveRecord } from './report-model.ts';

/** How a move ended, for the runner. */
export interface MoveResult {
  readonly record: MoveRecord;
  readonly stats?: MigrationStats__Output;
  /** park: the snapshot it made. */
  readonly snapshot?: string;
  /** restore: the task id on the node (the same as parked, as restore keeps it). */
  readonly taskId?: string;
}

/** What {@link runMove} needs beside the move. */
export interface MoveContext {
  readonly access: ClusterAccess;
  /** ms since the run's start. */
  readonly now: () => number;
  /** The task's name in the scenario, and its id. */
  readonly taskName: string;
  readonly taskId: string;
  /** Where it is: the source node (migrate, park), or the snapshot to restore. */
  readonly from: string;
  readonly snapshot?: string;
  /** Called at each new phase. */
  readonly onPhase?: (phase: Phase, atMs: number) => void;
  /**
   * The step's end (its timeout, the run's, Ctrl-C): a migration or park still in
   * flight is cancelled on its source (CancelMigration, reason DEADLINE), so the
   * task resumes where it was instead of finishing its move behind the next step.
   */
  readonly signal?: AbortSignal;
}

/** Asks the source node to cancel the task's migration; a move past its switch-over is refused there and goes on. */
function cancelOnAbort(ctx: MoveContext, spec: MoveSpec): () => void {
  const signal = ctx.signal;
  if (!signal || spec.kind === 'restore') return () => {};
  const cancel = (): void => {
    const c = ctx.access.migTask(ctx.from);
    unary(c.CancelMigration, c, { taskId: ctx.taskId, reason: 'CANCEL_REASON_DEADLINE' }, `cancel the migration of ${ctx.taskId}`).catch(() => undefined);
  };
  if (signal.aborted) cancel();
  else signal.addEventListener('abort', cancel, { once: true });
  return () => signal.removeEventListener('abort', cancel);
}

function phaseOf(wire: unknown): Phase | undefined {
  const p = String(wire ?? '').replace('MIGRATION_PHASE_', '').toLowerCase();
  return p && p !== 'unspecified' ? (p as Phase) : undefined;
}

/** Makes the move; never throws for a failed move (the record says how it failed). */
export async function runMove(spec: MoveSpec, ctx: MoveContext): Promise<MoveResult> {
  const startMs = ctx.now();
  const phases: { phase: string; atMs: number }[] = [];
  const seen = (wire: unknown): void => {
    const p = phaseOf(wire);
    if (!p || p === 'done' || phases[phases.length - 1]?.phase === p) return;
    const atMs = ctx.now();
    phases.push({ phase: p, atMs });
    ctx.onPhase?.(p, atMs);
  };
  const to = spec.kind === 'park' ? 'middleware' : (spec.to ?? '');
  const from = spec.kind === 'restore' ? 'middleware' : ctx.from;
  const base = { task: ctx.taskName, kind: spec.kind, from, to, startMs, phases } as const;
  let stats: MigrationStats__Output | undefined;
  let snapshot: string | undefined;
  let taskId: string | undefined;
  const stopCancelling = cancelOnAbort(ctx, spec);
  try {
    if (spec.kind === 'park') {
      const c = ctx.access.middleware();
      const call = c.Park({ taskId: ctx.taskId, node: ctx.from, ...(spec.compression !== 'auto' ? { compression: COMPRESSION_WIRE.toWire(spec.compression) } : {}) });
      for await (const m of serverStream(call, `park ${ctx.taskId}`)) {
        seen(m.phase);
        if (m.snapshot) snapshot = m.snapshot.id;
        if (m.stats) stats = m.stats;
      }
    } else if (spec.kind === 'restore') {
      if (!ctx.snapshot) throw new MigvisorError(`task ${ctx.taskId} has no snapshot to restore (park it first)`);
      const c = ctx.access.middleware();
      for await (const m of serverStream(c.Restore({ snapshotId: ctx.snapshot, node: to }), `restore ${ctx.taskId}`)) {
        seen(m.phase);
        if (m.taskId) taskId = m.taskId;
      }
    } else {
      const c = ctx.access.migTask(ctx.from);
      const call = c.StopAndTransfer({
        taskId: ctx.taskId,
        sink: ctx.access.cluster.address(to),
        sinkName: to,
        mode: MIGRATION_MODE_WIRE.toWire(spec.kind),
        ...(spec.compression !== 'auto' ? { compression: COMPRESSION_WIRE.toWire(spec.compression) } : {}),
        ...(spec.deadlineMs !== undefined ? { deadlineMs: Math.max(1, Math.round(spec.deadlineMs)) } : {}),
      });
      for await (const m of serverStream(call, `migrate ${ctx.taskId}`)) {
        seen(m.progress?.phase);
        if (m.stats) stats = m.stats;
      }
    }
  } catch (e: unknown) {
    const code = e instanceof MigvisorError ? statusName(e.code) : 'UNKNOWN';
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    const refused = code === 'FAILED_PRECONDITION' && /refused/.test(message) && !phases.some((p) => p.phase !== 'negotiate');
    return { record: { ...base, endMs: ctx.now(), outcome: refused ? 'refused' : 'failed', code, error: message } };
  } finally {
    stopCancelling();
  }
  const endMs = ctx.now();
  const downtimeMs = stats?.downtimeMs ?? 0;
  const stop = phases.find((p) => p.phase === 'stop')?.atMs ?? (downtimeMs > 0 ? endMs - downtimeMs : undefined);
  const record: MoveRecord = {
    ...base,
    endMs,
    outcome: 'completed',
    ...(stats?.error ? { code: 'DATA_LOSS', error: stats.error } : {}),
    ...(stop !== undefined && downtimeMs > 0 && spec.kind !== 'park' ? { downtime: { fromMs: stop, toMs: Math.min(endMs, stop + downtimeMs) } } : {}),
    ...(stats ? { stats: toProtoJson('MigrationStats', stats) as Record<string, unknown> } : {}),
  };
  return { record, ...(stats ? { stats } : {}), ...(snapshot ? { snapshot } : {}), ...(taskId ? { taskId } : {}) };
}
