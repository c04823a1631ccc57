/** Registers `migvisor cluster up [FILE]`; the supervisor is in ./cluster-run.ts, loaded when the command runs. */
import type { Command } from 'commander';
import { action } from '../run-command.ts';

/** The options of `cluster up`. */
export interface UpFlags {
  readonly readyFile?: string;
  readonly log?: boolean;
  readonly json?: boolean;
}

/** Adds the `cluster` command group to the program. */
export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('run a whole cluster');
  cluster
    .command('up')
    .description('start every node and the middleware as child processes; stop them all on SIGINT/SIGTERM')
    .argument('[file]', 'cluster file (default config/cluster.yaml)')
    .option('--ready-file <file>', 'write {"nodes": {...}, "middleware": ...} here once all serve')
    .option('--log', 'show every node\'s events')
    .option('--json', 'print the endpoints as one JSON line on stdout once all serve')
    .action(action(async (file: string | undefined, flags: UpFlags) => (await import('./cluster-run.ts')).up(file, flags)));
}
