/**
 * `migvisor migrate`: asks the source node to StopAndTransfer the task to the
 * sink node and prints the statistics (JSON with --json; a progress bar on a
 * terminal).
 */
import { COMPRESSION_WIRE, MIGRATION_MODE_WIRE, MigvisorError, serverStream } from '../../common/index.ts';
import type { StopAndTransferResponse__Output } from '../../generated/migvisor/v1/StopAndTransferResponse.ts';
import { words } from '../format.ts';
import { statsTable } from '../migration-stats.ts';
import { printMessage } from '../print.ts';
import { progressBar } from '../progress.ts';
import { withRemote } from '../remote.ts';
import type { MigrateFlags } from './migrate.ts';

/** Moves `task` from --from to --to and prints the statistics (--json: the last StopAndTransferResponse). */
export function migrate(task: string, flags: MigrateFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const sink = await r.address(flags.to);
    const c = await r.migTask(flags.from);
    const bar = progressBar(`migrate ${task}`);
    let last: StopAndTransferResponse__Output | null = null;
    try {
      const call = c.StopAndTransfer({
        taskId: task,
        sink,
        sinkName: flags.to,
        mode: MIGRATION_MODE_WIRE.toWire(flags.mode),
        ...(flags.compress !== 'auto' ? { compression: COMPRESSION_WIRE.toWire(flags.compress) } : {}),
        ...(flags.deadlineMs !== undefined ? { deadlineMs: flags.deadlineMs } : {}),
        ...(flags.precopyStopPages !== undefined ? { precopyStopPages: flags.precopyStopPages } : {}),
        ...(flags.precopyMaxRounds !== undefined ? { precopyMaxRounds: flags.precopyMaxRounds } : {}),
      });
      for await (const m of serverStream(call, `migrate ${task}`)) {
        if (m.progress) bar.update(m.progress.pagesSent, m.progress.pagesTotal, words(m.progress.phase, 'MIGRATION_PHASE_'));
        if (m.stats) last = m;
      }
    } finally {
      bar.stop();
    }
    if (!last?.stats) throw new MigvisorError(`migrate ${task}: the source ended without statistics`);
    if (flags.json) printMessage('StopAndTransferResponse', last);
    else process.stdout.write(`migrated ${task} from ${flags.from} to ${flags.to}\n${statsTable(last.stats)}\n`);
  });
}
