/** A migration's statistics as commands print them: JSON with the README's names, or a table. */
import Table from 'cli-table3';
import type { MigrationStats__Output } from '../generated/migvisor/v1/MigrationStats.ts';

/** The statistics as the README and tests name them (QEMU query-migrate style). */
export function statsJson(s: MigrationStats__Output): Record<string, unknown> {
  return {
    migration_id: s.migrationId,
    task: s.task,
    mode: s.mode,
    status: s.status,
    source: s.source,
    sink: s.sink,
    total_ms: s.totalMs,
    downtime_ms: s.downtimeMs,
    setup_ms: s.setupMs,
    bytes: s.bytes,
    pages_sent: s.pagesSent,
    pages_elided: s.pagesElided,
    compression: s.compression,
    compression_ratio: s.compressionRatio,
    rounds: s.rounds,
    pages_per_round: s.pagesPerRound,
    final_dirty_pages: s.finalDirtyPages,
    lazy_faults_served: s.lazyFaultsServed,
    resume_ms: s.resumeMs,
    residual_ms: s.residualMs,
    gate_messages: s.gateMessages,
    closed_handles: s.closedHandles,
    ...(s.error ? { error: s.error } : {}),
  };
}

/** The statistics as a two-column table, one row per figure of {@link statsJson}. */
export function statsTable(s: MigrationStats__Output): string {
  const t = new Table({ style: { head: [], border: [], compact: true } });
  for (const [k, v] of Object.entries(statsJson(s))) t.push({ [k]: Array.isArray(v) ? v.join(' ') : String(v) });
  return t.toString();
}
