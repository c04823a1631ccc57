/**
 * `migvisor migrate TASK --from A --to B [--mode full] [--compress auto]`: asks the
 * source node to StopAndTransfer the task to the sink node and prints the
 * statistics (JSON with --json; a progress bar on a terminal).
 */
import type { Command } from 'commander';
import Table from 'cli-table3';
import { serverStream, InvalidArgumentError, MigvisorError } from '../../common/index.ts';
import type { MigrationStats__Output } from '../../generated/migvisor/v1/MigrationStats.ts';
import { progressBar } from '../progress.ts';
import { action, printJson } from '../run-command.ts';
import { withClusterOption, withRemote, type ClusterFlags } from '../remote.ts';

interface MigrateFlags extends ClusterFlags {
  from: string;
  to: string;
  mode: string;
  compress: string;
  deadlineMs?: string;
  precopyStopPages?: string;
  precopyMaxRounds?: string;
}

function count(text: string | undefined, what: string): number {
  if (text === undefined) return 0;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a non-negative integer, got ${text}`);
  return n;
}

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

export function statsTable(s: MigrationStats__Output): string {
  const t = new Table({ style: { head: [], border: [], compact: true } });
  for (const [k, v] of Object.entries(statsJson(s))) t.push({ [k]: Array.isArray(v) ? v.join(' ') : String(v) });
  return t.toString();
}

export function registerMigrateCommand(program: Command): void {
  withClusterOption(
    program
      .command('migrate')
      .description('move a task between nodes (full: stop-and-copy, precopy: live, lazy: post-copy); prints statistics')
      .argument('<task>', 'task id')
      .requiredOption('--from <node>', 'source node (name or host:port)')
      .requiredOption('--to <node>', 'sink node (name or host:port)')
      .option('--mode <mode>', 'full, lazy or precopy', 'full')
      .option('--compress <c>', 'auto, none, deflate or brotli (must be supported by the sink)', 'auto')
      .option('--deadline-ms <ms>', 'budget of the whole migration')
      .option('--precopy-stop-pages <n>', 'pre-copy: stop and copy once at most n pages are dirty (default 64)')
      .option('--precopy-max-rounds <n>', 'pre-copy: stop and copy after n rounds at most (default 12)'),
  ).action(
    action((task: string, flags: MigrateFlags) =>
      withRemote(flags, async (r) => {
        if (!['full', 'precopy', 'lazy'].includes(flags.mode)) throw new InvalidArgumentError(`--mode must be full, precopy or lazy, got ${flags.mode}`);
        if (!['auto', 'none', 'deflate', 'brotli'].includes(flags.compress)) {
          throw new InvalidArgumentError(`--compress must be auto, none, deflate or brotli, got ${flags.compress}`);
        }
        const deadline = count(flags.deadlineMs, '--deadline-ms');
        const precopyStopPages = count(flags.precopyStopPages, '--precopy-stop-pages');
        const precopyMaxRounds = count(flags.precopyMaxRounds, '--precopy-max-rounds');
        const sink = r.address(flags.to);
        const c = r.migTask(flags.from);
        const bar = progressBar(`migrate ${task}`);
        let stats: MigrationStats__Output | null = null;
        try {
          const call = c.StopAndTransfer({ task, sink, sinkName: flags.to, mode: flags.mode, compression: flags.compress, deadlineMs: deadline, precopyStopPages, precopyMaxRounds });
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
      }),
    ),
  );
}
