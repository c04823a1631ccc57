/**
 * The node's gRPC edge for controlling migrations in flight (README, "Migration
 * control"): the limits a StopAndTransfer asks for (bandwidth cap, downtime
 * limit, auto-converge), SetMigration, QueryMigrate and MeasureDirtyRate. Each
 * only translates a request into a call on the node's migrations.
 */
import { MIGRATION_MODE_WIRE, optionalInt, requiredName, unaryHandler } from '../common/index.ts';
import type { MigTaskHandlers } from '../generated/migvisor/v1/MigTask.ts';
import type { StopAndTransferRequest__Output } from '../generated/migvisor/v1/StopAndTransferRequest.ts';
import { DEFAULT_DIRTY_RATE_WINDOW_MS, DEFAULT_DOWNTIME_LIMIT_MS, MIGRATION_PHASE_WIRE, MIGRATION_STATUS_WIRE, round3, type ControlOptions, type NodeMigrations } from '../migtask/index.ts';

/** The largest bandwidth cap accepted, bytes/s (1 TiB/s). */
const MAX_BANDWIDTH = 2 ** 40;

/** The limits of a StopAndTransfer (or PredictMigration) request. */
export function controlOptions(r: Pick<StopAndTransferRequest__Output, 'maxBandwidthBytesPerS' | 'downtimeLimitMs' | 'autoConverge'>): ControlOptions {
  return {
    maxBandwidth: optionalInt(r.maxBandwidthBytesPerS, 'max_bandwidth_bytes_per_s', 0, MAX_BANDWIDTH, 0),
    downtimeLimitMs: optionalInt(r.downtimeLimitMs, 'downtime_limit_ms', 0, 3_600_000, DEFAULT_DOWNTIME_LIMIT_MS),
    autoConverge: r.autoConverge === true,
  };
}

/** SetMigration, QueryMigrate and MeasureDirtyRate over `migrations`. */
export function migrationControlHandlers(migrations: NodeMigrations): Pick<MigTaskHandlers, 'SetMigration' | 'QueryMigrate' | 'MeasureDirtyRate'> {
  return {
    SetMigration: unaryHandler((r) => {
      const taskId = requiredName(r.taskId, 'task_id');
      const maxBandwidth = r.maxBandwidthBytesPerS === undefined ? undefined : optionalInt(r.maxBandwidthBytesPerS, 'max_bandwidth_bytes_per_s', 0, MAX_BANDWIDTH, 0);
      const s = migrations.setMigration(taskId, { ...(maxBandwidth !== undefined ? { maxBandwidth } : {}) });
      return { migrationId: s.migrationId, maxBandwidthBytesPerS: Math.round(s.maxBandwidth) };
    }),
    QueryMigrate: unaryHandler((r) => {
      const q = migrations.query(requiredName(r.taskId, 'task_id'));
      if (!q) return { inFlight: false };
      return {
        inFlight: true,
        migrationId: q.migrationId,
        status: MIGRATION_STATUS_WIRE.toWire(q.status),
        mode: MIGRATION_MODE_WIRE.toWire(q.mode),
        sink: q.sink,
        phase: MIGRATION_PHASE_WIRE.toWire(q.phase),
        pass: q.pass,
        remainingBytes: Math.round(q.remainingBytes),
        dirtyRatePagesPerS: round3(q.dirtyRatePagesPerS),
        transferBytesPerS: Math.round(q.transferBytesPerS),
        expectedDowntimeMs: round3(q.expectedDowntimeMs),
        throttlePercent: q.throttlePercent,
        waiting: q.waiting,
        bytesSent: q.bytesSent,
        maxBandwidthBytesPerS: Math.round(q.maxBandwidth),
        downtimeLimitMs: q.downtimeLimitMs,
        totalMs: round3(q.totalMs),
      };
    }),
    MeasureDirtyRate: unaryHandler(async (r) => {
      const taskId = requiredName(r.taskId, 'task_id');
      const d = await migrations.dirtyRate(taskId, optionalInt(r.windowMs, 'window_ms', 10, 10_000, DEFAULT_DIRTY_RATE_WINDOW_MS));
      return {
        taskId,
        windowMs: round3(d.windowMs),
        pagesDirtied: d.pagesDirtied,
        pagesPerS: round3(d.pagesPerS),
        bytesPerS: Math.round(d.bytesPerS),
        pageSize: d.pageSize,
        initialPagesPerS: round3(d.initialPagesPerS),
      };
    }),
  };
}
