/** Registers `migvisor cluster up [FILE]`; the supervisor is in ./cluster-run.ts, loaded when the command runs. */
import type { Command } from 'commander';
import { integer } from '../option-values.ts';
import { withLogOptions, type LogFlags } from '../log-options.ts';
import { action } from '../run-command.ts';

/** The options of `cluster up`. */
export interface UpFlags extends LogFlags {
  readonly readyFile?: string;
  readonly log?: boolean;
  /** false with --no-metrics. */
  readonly metrics: boolean;
  readonly json?: boolean;
  readonly seed: number;
  readonly testbed?: string;
  readonly dashboard: string;
}

/** Adds the `cluster` command group to the program. */
export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('run a whole cluster');
  const up = cluster
    .command('up')
    .description('start every node and the middleware as child processes, their links and the testbed (migvisor link, migvisor fault); stop them all on SIGINT/SIGTERM')
    .argument('[file]', 'cluster file (default config/cluster.yaml)')
    .option('--ready-file <file>', 'write {"nodes": {...}, "middleware": ..., "testbed": ..., "metrics": {...}, "dashboard": ...} here once all serve')
    .option('--log', 'log every node\'s events, console lines and transitions too (nodes at --log-level debug)')
    .option('--no-metrics', 'start the processes without Prometheus endpoints (default: each serves one, its metrics key or a free port)')
    .option('--json', 'print the endpoints as one JSON line on stdout once all serve')
    .option('--seed <n>', 'seed of the links\' loss and jitter', integer('--seed'), 1)
    .option('--testbed <host:port>', 'where the testbed serves (default 127.0.0.1, a free port)')
    .option('--dashboard <host:port>', 'where the dashboard (migvisor dashboard) serves its page', '127.0.0.1:0');
  withLogOptions(up, "every process's").action(action(async (file: string | undefined, flags: UpFlags) => (await import('./cluster-run.ts')).up(file, flags)));
}
