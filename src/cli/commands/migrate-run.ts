/**
 * `migvisor migrate`: asks the source node to StopAndTransfer the task to the
 * sink node and prints the statistics (JSON with --json; a progress bar on a
 * terminal).
 */
import { serverStream, MigvisorError } from '../../common/index.ts';
import type { MigrationStats__Output } from '../../generated/migvisor/v1/MigrationStats.ts';
import { statsJson, statsTable } from '../migration-stats.ts';
import { progressBar } from '../progress.ts';
import { withRemote } from '../remote.ts';
import { printJson } from '../run-command.ts';
import type { MigrateFlags } from './migrate.ts';

/** Moves `task` from --from to --to and prints the statistics. */
export function migrate(task: string, flags: MigrateFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const sink = await r.address(flags.to);
    const c = await r.migTask(flags.from);
    const bar = progressBar(`migrate ${task}`);
    let stats: MigrationStats__Output | null = null;
    try {
      const call = c.StopAndTransfer({
        task,
        sink,
        sinkName: flags.to,
        mode: flags.mode,
        compression: flags.compress,
        deadlineMs: flags.deadlineMs ?? 0,
        precopyStopPages: flags.precopyStopPages ?? 0,
        precopyMaxRounds: flags.precopyMaxRounds ?? 0,
      });
      for await (const p of serverStream(call, `migrate ${task}`)) {
        bar.update(p.pagesSent, p.pagesTotal, p.phase);
        if (p.stats) stats = p.stats;
      }
    } finally {
      bar.stop();
    }
    if (!stats) throw new MigvisorError(`migrate ${task}: the source ended without statistics`);
    if (flags.json) printJson(statsJson(stats));
    else process.stdout.write(`migrated ${task} from ${flags.from} to ${flags.to}\n${statsTable(stats)}\n`);
  });
}
