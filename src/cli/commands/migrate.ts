/**
 * Registers `migvisor migrate TASK --from A --to B [--mode full] [--compress auto]`;
 * the migration client is in ./migrate-run.ts, loaded when the command runs.
 */
import type { Command } from 'commander';
import { COMPRESSION_CHOICES, MIGRATION_MODES, type CompressionChoice, type MigrationMode } from '../../common/vocabulary.ts';
import { choiceOption, integer } from '../option-values.ts';
import { withClusterOption, type ClusterFlags } from '../remote-options.ts';
import { action } from '../run-command.ts';

/** The options of `migrate`, as commander parsed them. */
export interface MigrateFlags extends ClusterFlags {
  readonly from: string;
  readonly to: string;
  readonly mode: MigrationMode;
  readonly compress: CompressionChoice;
  readonly deadlineMs?: number;
  readonly precopyStopPages?: number;
  readonly precopyMaxRounds?: number;
}

/** Adds the `migrate` command to the program. */
export function registerMigrateCommand(program: Command): void {
  withClusterOption(
    program
      .command('migrate')
      .description('move a task between nodes (full: stop-and-copy, precopy: live, lazy: post-copy); prints statistics')
      .argument('<task>', 'task id')
      .requiredOption('--from <node>', 'source node (name or host:port)')
      .requiredOption('--to <node>', 'sink node (name or host:port)')
      .addOption(choiceOption('--mode <mode>', 'how the task moves', MIGRATION_MODES).default('full'))
      .addOption(choiceOption('--compress <c>', 'page compression (must be supported by the sink)', COMPRESSION_CHOICES).default('auto'))
      .option('--deadline-ms <ms>', 'budget of the whole migration', integer('--deadline-ms'))
      .option('--precopy-stop-pages <n>', 'pre-copy: stop and copy once at most n pages are dirty (default 64)', integer('--precopy-stop-pages'))
      .option('--precopy-max-rounds <n>', 'pre-copy: stop and copy after n rounds at most (default 12)', integer('--precopy-max-rounds')),
  ).action(action(async (task: string, flags: MigrateFlags) => (await import('./migrate-run.ts')).migrate(task, flags)));
}
