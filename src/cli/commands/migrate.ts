/**
 * Registers `migvisor migrate TASK --from A --to B [--mode full] [--compress auto]
 * [--dry-run | --predict] [--max-bandwidth R] [--downtime-limit MS]
 * [--auto-converge]`, and its subcommands cancel, set and status
 * (./migrate-control.ts); the migration client is in ./migrate-run.ts, loaded
 * when the command runs.
 */
import { Option, type Command } from 'commander';
import { COMPRESSION_CHOICES, MIGRATION_MODES, type CompressionChoice, type MigrationMode } from '../../common/vocabulary.ts';
import { bandwidth, choiceOption, integer, size } from '../option-values.ts';
import { withClusterOption, type ClusterFlags } from '../remote-options.ts';
import { action } from '../run-command.ts';
import { registerMigrateControlCommands } from './migrate-control.ts';
import { registerMigrateRecover } from './migrate-recover.ts';

/** The longest time a migration's request takes (ms): an hour, as the node checks it. */
const MAX_MS = 3_600_000;

/** The options of `migrate`, as commander parsed them. */
export interface MigrateFlags extends ClusterFlags {
  readonly from: string;
  readonly to: string;
  readonly mode: MigrationMode;
  readonly compress: CompressionChoice;
  readonly deadlineMs?: number;
  readonly precopyStopPages?: number;
  readonly precopyMaxRounds?: number;
  /** Predict the migration and move nothing. */
  readonly dryRun?: boolean;
  /** Predict, then migrate: the statistics show both. */
  readonly predict?: boolean;
  readonly dirtyWindowMs?: number;
  readonly probeBytes?: number;
  /** Bytes per second the source may send at most. */
  readonly maxBandwidth?: number;
  /** Pre-copy: stop once the dirty pages fit in this downtime, ms. */
  readonly downtimeLimit?: number;
  readonly autoConverge?: boolean;
  /** Concurrent page streams. */
  readonly streams?: number;
  /** Post-copy: how long a lost peer may stay away (ms). */
  readonly postcopyRecoverMs?: number;
}

/** Adds the `migrate` command to the program. */
export function registerMigrateCommand(program: Command): void {
  const migrate = withClusterOption(
    program
      .command('migrate')
      .description('move a task between nodes (full: stop-and-copy, precopy: live, lazy: post-copy); prints statistics')
      .argument('<task>', 'task id')
      // Required, but checked by the command: commander would ask them of `migrate cancel|set|status` too.
      .option('--from <node>', 'source node (name or host:port); required')
      .option('--to <node>', 'sink node (name or host:port); required')
      .addOption(choiceOption('--mode <mode>', 'how the task moves', MIGRATION_MODES).default('full'))
      .addOption(choiceOption('--compress <c>', 'page compression (must be supported by the sink)', COMPRESSION_CHOICES).default('auto'))
      .option('--deadline-ms <ms>', 'budget of the whole migration', integer('--deadline-ms', 1, MAX_MS))
      .option('--precopy-stop-pages <n>', 'pre-copy: stop and copy once at most n pages are dirty (default 64)', integer('--precopy-stop-pages', 0, 1 << 30))
      .option('--precopy-max-rounds <n>', 'pre-copy: stop and copy after n rounds at most (default 12)', integer('--precopy-max-rounds', 1, 1000))
      .option('--streams <n>', 'concurrent page streams, 1..16 (default 2; as many as the sink takes)', integer('--streams', 1, 16))
      .option('--postcopy-recover-ms <ms>', 'lazy: how long either side waits for a lost peer (postcopy-paused) before the missing pages count as lost (default 30000)', integer('--postcopy-recover-ms', 1, MAX_MS))
      .addOption(new Option('--dry-run', 'predict what the migration would cost (measures the task and the link) and move nothing').conflicts('predict'))
      .option('--predict', 'predict first, then migrate: the statistics show predicted beside measured')
      .option('--dirty-window-ms <ms>', 'with --dry-run: sample the dirty pages at least this long (default 200)', integer('--dirty-window-ms', 10, 10_000))
      .option('--probe-bytes <size>', 'with --dry-run: largest bandwidth probe stream, e.g. 4MiB (default 16MiB)', size('--probe-bytes'))
      .option('--max-bandwidth <rate>', 'pace the source to this rate, e.g. 100Mbit or 2MiB/s (change it later with `migrate set`)', bandwidth('--max-bandwidth'))
      .option('--downtime-limit <ms>', 'pre-copy: stop once the dirty pages left would cross the link within this time (default 300)', integer('--downtime-limit', 0, MAX_MS))
      .option('--auto-converge', 'pre-copy: throttle the task while it dirties memory faster than half the transfer rate'),
  ).action(action(async (task: string, flags: MigrateFlags) => (await import('./migrate-run.ts')).migrate(task, flags)));
  hintFromTo(migrate);
  registerMigrateControlCommands(program, migrate);
  registerMigrateRecover(program.commands.find((c) => c.name() === 'migrate')!);
}

/**
 * `migrate TASK --node N` is a move without its ends: commander would suggest
 * `--mode` for it. Say what the move takes, and which commands take --node.
 */
function hintFromTo(migrate: Command): void {
  const inherited = migrate.configureOutput();
  const write = inherited.outputError ?? ((str: string, w: (s: string) => void) => w(str));
  migrate.configureOutput({
    ...inherited,
    outputError: (str, w) =>
      write(
        str.replace(/unknown option '--node'[\s\S]*/, "unknown option '--node': migrate moves a task with --from NODE --to NODE (--node is for migrate status, cancel, set and recover)"),
        w,
      ),
  });
}
