/**
 * `migvisor migrate`: asks the source node to StopAndTransfer the task to the
 * sink node and prints the statistics (JSON with --json; a progress bar on a
 * terminal). With --dry-run it asks PredictMigration instead and prints the
 * prediction, moving nothing; with --predict the statistics carry the
 * prediction made before the move, shown beside what was measured.
 */
import { COMPRESSION_WIRE, InvalidArgumentError, MIGRATION_MODE_WIRE, MigvisorError, serverStream, unary } from '../../common/index.ts';
import type { StopAndTransferResponse__Output } from '../../generated/migvisor/v1/StopAndTransferResponse.ts';
import { words } from '../format.ts';
import { predictionTable, statsTable } from '../migration-stats.ts';
import { printMessage } from '../print.ts';
import { progressBar } from '../progress.ts';
import { withRemote, type Remote } from '../remote.ts';
import type { MigrateFlags } from './migrate.ts';

/** Longest a prediction may take to measure, ms (its probes are bounded well below). */
const PREDICT_DEADLINE_MS = 120_000;

/** The fields StopAndTransfer and PredictMigration share, from the command line. */
function requestOf(task: string, sink: string, flags: MigrateFlags) {
  return {
    taskId: task,
    sink,
    sinkName: flags.to,
    mode: MIGRATION_MODE_WIRE.toWire(flags.mode),
    ...(flags.compress !== 'auto' ? { compression: COMPRESSION_WIRE.toWire(flags.compress) } : {}),
    ...(flags.precopyStopPages !== undefined ? { precopyStopPages: flags.precopyStopPages } : {}),
    ...(flags.precopyMaxRounds !== undefined ? { precopyMaxRounds: flags.precopyMaxRounds } : {}),
  };
}

/** The limits of StopAndTransfer, from the command line. */
function limitsOf(flags: MigrateFlags) {
  return {
    ...(flags.maxBandwidth !== undefined ? { maxBandwidthBytesPerS: Math.round(flags.maxBandwidth) } : {}),
    ...(flags.downtimeLimit !== undefined ? { downtimeLimitMs: flags.downtimeLimit } : {}),
    ...(flags.autoConverge ? { autoConverge: true } : {}),
  };
}

/** The fields only StopAndTransfer has, from the command line. */
function transferOf(flags: MigrateFlags) {
  return {
    ...(flags.streams !== undefined ? { streams: flags.streams } : {}),
    ...(flags.postcopyRecoverMs !== undefined ? { postcopyRecoverMs: flags.postcopyRecoverMs } : {}),
  };
}

/** Moves `task` from --from to --to and prints the statistics (--json: the last StopAndTransferResponse); --dry-run: the prediction. */
export function migrate(task: string, flags: MigrateFlags): Promise<void> {
  for (const [flag, value] of [['--from <node>', flags.from], ['--to <node>', flags.to]] as const) {
    if (!value) throw new InvalidArgumentError(`required option '${flag}' not specified`);
  }
  if (!flags.dryRun && (flags.dirtyWindowMs !== undefined || flags.probeBytes !== undefined)) {
    throw new InvalidArgumentError('--dirty-window-ms and --probe-bytes measure a --dry-run (--predict uses their defaults)');
  }
  return withRemote(flags, async (r) => (flags.dryRun ? dryRun(r, task, flags) : move(r, task, flags)));
}

/** --dry-run: PredictMigration, printed (--json: the PredictMigrationResponse). */
async function dryRun(r: Remote, task: string, flags: MigrateFlags): Promise<void> {
  const sink = await r.address(flags.to);
  const c = await r.migTask(flags.from);
  const reply = await unary(
    c.PredictMigration,
    c,
    {
      ...requestOf(task, sink, flags),
      ...limitsOf(flags),
      ...(flags.dirtyWindowMs !== undefined ? { dirtyWindowMs: flags.dirtyWindowMs } : {}),
      ...(flags.probeBytes !== undefined ? { probeBytes: flags.probeBytes } : {}),
    },
    `predict the migration of ${task}`,
    flags.deadlineMs ?? PREDICT_DEADLINE_MS,
  );
  if (!reply.prediction) throw new MigvisorError(`predict ${task}: the source answered without a prediction`);
  if (flags.json) printMessage('PredictMigrationResponse', reply);
  else {
    const p = reply.prediction;
    process.stdout.write(
      `predicted migration of ${task} from ${flags.from} to ${flags.to} (${words(p.mode, 'MIGRATION_MODE_')}); nothing moved\n${predictionTable(p)}\n`,
    );
  }
}

/** The migration itself (with --predict, predicted first). */
async function move(r: Remote, task: string, flags: MigrateFlags): Promise<void> {
  const sink = await r.address(flags.to);
  const c = await r.migTask(flags.from);
  const bar = progressBar(`migrate ${task}`);
  let last: StopAndTransferResponse__Output | null = null;
  try {
    const call = c.StopAndTransfer({
      ...requestOf(task, sink, flags),
      ...limitsOf(flags),
      ...transferOf(flags),
      ...(flags.deadlineMs !== undefined ? { deadlineMs: flags.deadlineMs } : {}),
      ...(flags.predict ? { predict: true } : {}),
    });
    for await (const m of serverStream(call, `migrate ${task}`, c)) {
      if (m.progress) bar.update(m.progress.pagesSent, m.progress.pagesTotal, words(m.progress.phase, 'MIGRATION_PHASE_'));
      if (m.stats) last = m;
    }
  } finally {
    bar.stop();
  }
  if (!last?.stats) throw new MigvisorError(`migrate ${task}: the source ended without statistics`);
  if (flags.json) printMessage('StopAndTransferResponse', last);
  else process.stdout.write(`migrated ${task} from ${flags.from} to ${flags.to}\n${statsTable(last.stats)}\n`);
}
