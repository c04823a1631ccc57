/**
 * Registers `migvisor middleware start [FILE]`; the server is in
 * ./middleware-run.ts, loaded when the command runs.
 */
import type { Command } from 'commander';
import { integer, size } from '../option-values.ts';
import { action } from '../run-command.ts';

/** The options of `middleware start`. */
export interface MiddlewareStartFlags {
  readonly listen?: string;
  readonly store?: string;
  readonly exitWithParent?: boolean;
  readonly routes?: string;
  readonly commitWindowMs?: number;
  readonly maxChunkBytes?: number;
}

/** Adds the `middleware` command group to the program. */
export function registerMiddlewareCommands(program: Command): void {
  const mw = program.command('middleware').description('run the middleware (snapshot archive, orchestration)');
  mw.command('start')
    .description('serve the Middleware service and take parked tasks as a MigSink')
    .argument('[file]', 'cluster file (default config/cluster.yaml)')
    .option('--listen <host:port>', 'address to serve on (default: the middleware entry of the cluster file)')
    .option('--store <uri>', 'file://PATH or etcd://HOST:PORT (default: the cluster file\'s middleware store)')
    .option('--exit-with-parent', 'stop when standard input closes (used by cluster up)')
    .option('--routes <file>', 'dial nodes through the relays this JSON table names ({"PEER:PORT": "RELAY:PORT"}; used by cluster up)')
    .option('--commit-window-ms <ms>', 'a staged park not made durable within this time is discarded and its node resumes the task (default 30000)', integer('--commit-window-ms', 500))
    .option('--max-chunk-bytes <size>', 'refuse tasks whose pages are larger (default: the store\'s limit; etcd: 1MiB)', size('--max-chunk-bytes'))
    .option('--json', 'the ready line is JSON already (accepted for uniformity)')
    .action(action(async (file: string | undefined, flags: MiddlewareStartFlags) => (await import('./middleware-run.ts')).startMiddleware(file, flags)));
}
