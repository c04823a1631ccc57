/** A migration's statistics as a table (`--json` prints the wire message itself). */
import Table from 'cli-table3';
import type { MigrationStats__Output } from '../generated/migvisor/v1/MigrationStats.ts';
import { words } from './format.ts';

/** The statistics as a two-column table, one row per figure. */
export function statsTable(s: MigrationStats__Output): string {
  const rows: [string, unknown][] = [
    ['migration id', s.migrationId],
    ['task', s.taskId],
    ['mode', words(s.mode, 'MIGRATION_MODE_')],
    ['status', words(s.status, 'MIGRATION_STATUS_')],
    ['source', s.source],
    ['sink', s.sink],
    ['total ms', s.totalMs],
    ['downtime ms', s.downtimeMs],
    ['setup ms', s.setupMs],
    ['bytes', s.bytes],
    ['pages sent', s.pagesSent],
    ['pages elided', s.pagesElided],
    ['compression', words(s.compression, 'COMPRESSION_')],
    ['compression ratio', s.compressionRatio],
    ['rounds', s.rounds],
    ['pages per round', s.pagesPerRound.join(' ')],
    ['final dirty pages', s.finalDirtyPages],
    ['lazy faults served', s.lazyFaultsServed],
    ['resume ms', s.resumeMs],
    ['residual ms', s.residualMs],
    ['gate messages', s.gateMessages],
    ['closed handles', s.closedHandles],
    ...(s.error ? ([['error', s.error]] as [string, unknown][]) : []),
  ];
  const t = new Table({ style: { head: [], border: [], compact: true } });
  for (const [k, v] of rows) t.push({ [k]: String(v) });
  return t.toString();
}
