/**
 * A migration's statistics as a table, with the prediction made before it beside
 * them when it was asked for (`--predict`), and a prediction alone as a table
 * (`--dry-run`); `--json` prints the wire messages themselves.
 */
import Table from 'cli-table3';
import { formatBandwidth } from '../config/units.ts';
import type { MigrationStats__Output } from '../generated/migvisor/v1/MigrationStats.ts';
import type { Prediction__Output } from '../generated/migvisor/v1/Prediction.ts';
import { words } from './format.ts';

type Row = [string, unknown] | [string, unknown, unknown];

function table(rows: readonly Row[], head?: readonly string[]): string {
  const t = new Table({ ...(head ? { head: [...head] } : {}), style: { head: [], border: [], compact: true } });
  for (const [k, ...v] of rows) {
    if (head) t.push([k, ...v.map((x) => (x === undefined ? '' : String(x)))]);
    else t.push({ [k]: String(v[0]) });
  }
  return t.toString();
}

/** The statistics as a table, one row per figure; with a prediction, a column of what was predicted beside the measured one. */
export function statsTable(s: MigrationStats__Output): string {
  const p = s.predicted;
  const rows: Row[] = [
    ['migration id', s.migrationId],
    ['task', s.taskId],
    ['mode', words(s.mode, 'MIGRATION_MODE_')],
    ['status', words(s.status, 'MIGRATION_STATUS_')],
    ['source', s.source],
    ['sink', s.sink],
    ['total ms', s.totalMs, p?.totalMs],
    ['downtime ms', s.downtimeMs, p?.downtimeMs],
    ['setup ms', s.setupMs],
    ['bytes', s.bytes, p?.bytes],
    ['pages sent', s.pagesSent, p?.pages],
    ['pages elided', s.pagesElided],
    ['compression', words(s.compression, 'COMPRESSION_')],
    ['compression ratio', s.compressionRatio, p?.inputs?.compressionRatio],
    ['rounds', s.rounds, p?.rounds],
    ['pages per round', s.pagesPerRound.join(' '), p?.pagesPerRound.join(' ')],
    ['final dirty pages', s.finalDirtyPages],
    ...(s.mode === 'MIGRATION_MODE_PRECOPY'
      ? ([
          ['stop rule', words(s.precopyStop, 'PRECOPY_STOP_')],
          ['expected downtime ms', s.expectedDowntimeMs],
          ['downtime limit ms', s.downtimeLimitMs],
          ['transfer rate', s.transferBytesPerS > 0 ? formatBandwidth(Number(s.transferBytesPerS)) : ''],
          ['throttle per round %', s.throttlePerRound.join(' ')],
        ] as Row[])
      : []),
    ...(Number(s.maxBandwidthBytesPerS) > 0 ? ([['max bandwidth', formatBandwidth(Number(s.maxBandwidthBytesPerS))]] as Row[]) : []),
    ...(s.queuedMs > 0 ? ([['queued ms', s.queuedMs]] as Row[]) : []),
    ['lazy faults served', s.lazyFaultsServed],
    ['resume ms', s.resumeMs],
    ['residual ms', s.residualMs],
    ['streams', s.streams > 1 ? `${s.streams} (bytes ${s.streamBytes.join(' / ')})` : (s.streams || 1)],
    ...(s.postcopyPauses ? ([['post-copy pauses', s.postcopyPauses]] as Row[]) : []),
    ['gate messages', s.gateMessages],
    ['closed handles', s.closedHandles],
    ...(s.error ? ([['error', s.error]] as Row[]) : []),
  ];
  if (!p) return table(rows.map(([k, v]) => [k, v] as Row));
  return `${table(rows, ['', 'measured', 'predicted'])}\n${inputsLine(p)}`;
}

/** What a prediction was computed from, in one line. */
function inputsLine(p: Prediction__Output): string {
  const i = p.inputs;
  if (!i) return '';
  return (
    `predicted from: ${formatBandwidth(i.bandwidthBytesPerS)}, round trip ${i.rttMs} ms, ` +
    `${i.dirtyRatePagesPerS} dirty pages/s in a working set of ${i.workingSetPages}, compression ratio ${i.compressionRatio} ` +
    `(measured in ${p.probeMs} ms)`
  );
}

/** A prediction as a table: what the migration would cost, then what that was computed from. */
export function predictionTable(p: Prediction__Output): string {
  const i = p.inputs;
  const precopy = p.mode === 'MIGRATION_MODE_PRECOPY';
  const rows: Row[] = [
    ['mode', words(p.mode, 'MIGRATION_MODE_')],
    ['compression', words(p.compression, 'COMPRESSION_')],
    ['total ms', p.totalMs],
    ['downtime ms', p.downtimeMs],
    ['bytes', p.bytes],
    ['pages sent', p.pages],
    ['rounds', p.rounds],
    ['pages per round', p.pagesPerRound.join(' ')],
  ];
  if (p.throttlePerRound.length > 0) rows.push(['throttle % per round', p.throttlePerRound.join(' ')]);
  if (i) {
    rows.push(
      ['present pages', i.presentPages],
      ['non-zero pages', i.nonzeroPages],
      ['page size', i.pageSize],
      ['bandwidth', `${formatBandwidth(i.bandwidthBytesPerS)} (${i.bandwidthBytesPerS} B/s)`],
      ['round trip ms', i.rttMs],
      ['compression ratio', i.compressionRatio],
      ['batch ms (pace, latency)', `${i.batchMs}, ${i.batchLatencyMs}`],
      ['dirty rate pages/s', i.dirtyRatePagesPerS],
      ['working set pages', i.workingSetPages],
      ['dirty growth pages/s', i.dirtyGrowthPagesPerS],
      ['dirty window ms', i.dirtyWindowMs],
    );
    if (Number(i.maxBandwidthBytesPerS) > 0) rows.push(['bandwidth cap', formatBandwidth(Number(i.maxBandwidthBytesPerS))]);
    if (precopy) {
      const rules = `at most ${i.precopyStopPages} dirty pages, downtime limit ${i.downtimeLimitMs} ms, ${i.precopyMaxRounds} rounds${i.autoConverge ? ', auto-converge' : ''}`;
      rows.push(['pre-copy stop', `${words(i.precopyStop, 'PRECOPY_STOP_')} (${rules})`]);
    }
  }
  rows.push(['measured in ms', p.probeMs]);
  return table(rows);
}
