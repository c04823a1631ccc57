/**
 * Registers `migvisor node start [FILE] --node NAME`; the node runtime is in
 * ./node-run.ts, loaded when the command runs.
 */
import type { Command } from 'commander';
import { duration, integer } from '../option-values.ts';
import { withLogOptions, type LogFlags } from '../log-options.ts';
import { action } from '../run-command.ts';

/** The options of `node start`. */
export interface NodeStartFlags extends LogFlags {
  readonly node: string;
  readonly listen?: string;
  readonly log?: boolean;
  readonly metrics?: string;
  readonly exitWithParent?: boolean;
  readonly boot: boolean;
  readonly routes?: string;
  /** Idle timeout of inbound client streams (ms). */
  readonly streamIdleTimeout?: number;
  /** Most inbound client streams open at once. */
  readonly maxInboundStreams?: number;
}

/** Adds the `node` command group to the program. */
export function registerNodeCommands(program: Command): void {
  const node = program.command('node').description('run a node');
  const start = node
    .command('start')
    .description('run one node as its own process (gRPC: MigTask, NodeControl, health, reflection; Prometheus metrics with --metrics)')
    .argument('[file]', 'cluster file (default config/cluster.yaml)')
    .requiredOption('--node <name>', 'node of the cluster file to run')
    .option('--listen <host:port>', 'address to serve on (default: the node\'s listen address; port 0 picks one)')
    .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (default: the node\'s metrics key; port 0 picks one)')
    .option('--log', 'log every event, console lines and transitions too (same as --log-level debug)')
    .option('--no-boot', 'do not start the boot tasks of the configuration')
    .option('--exit-with-parent', 'stop when standard input closes (used by cluster up)')
    .option('--routes <file>', 'dial peers through the relays this JSON table names ({"PEER:PORT": "RELAY:PORT"}; used by cluster up)')
    .option('--stream-idle-timeout <duration>', 'fail an inbound stream (Receive, Load, PushPages, Discard) that sends nothing for this long (default 30s)', duration('--stream-idle-timeout'))
    .option('--max-inbound-streams <n>', 'refuse inbound streams beyond this many open at once (default 16)', integer('--max-inbound-streams', 1))
    .option('--json', 'the ready line is JSON already (accepted for uniformity)');
  withLogOptions(start, "the node's").action(action(async (file: string | undefined, flags: NodeStartFlags) => (await import('./node-run.ts')).startNode(file, flags)));
}
