/**
 * Registers `migvisor config check [FILE]`; the checker is in ./config-run.ts,
 * loaded when the command runs.
 */
import type { Command } from 'commander';
import { action } from '../run-command.ts';

/** The cluster file commands read when none is given, relative to the working directory. */
export const DEFAULT_CLUSTER_FILE = 'config/cluster.yaml';

/** The options of `config check`. */
export interface CheckFlags {
  readonly json?: boolean;
}

/** Adds the `config` command group to the program. */
export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('work with cluster configuration files');
  config
    .command('check')
    .description('validate a cluster file: schema, memory layout, schedules, references, rights')
    .argument('[file]', 'cluster YAML file', DEFAULT_CLUSTER_FILE)
    .option('--json', 'print the result as JSON')
    .action(action(async (file: string, flags: CheckFlags) => (await import('./config-run.ts')).checkCommand(file, flags)));
}
