/**
 * Registers `migvisor middleware start [FILE]`; the server is in
 * ./middleware-run.ts, loaded when the command runs.
 */
import type { Command } from 'commander';
import { duration, integer, size } from '../option-values.ts';
import { withLogOptions, type LogFlags } from '../log-options.ts';
import { action } from '../run-command.ts';

/** The options of `middleware start`. */
export interface MiddlewareStartFlags extends LogFlags {
  readonly listen?: string;
  readonly metrics?: string;
  readonly store?: string;
  readonly chunks?: string;
  readonly chunkReplicas?: number;
  readonly keyFile?: string;
  readonly lazyPushPace?: number;
  readonly lazyRecoverMs?: number;
  readonly exitWithParent?: boolean;
  readonly routes?: string;
  /** Idle timeout of inbound client streams (ms). */
  readonly streamIdleTimeout?: number;
  /** Most inbound client streams open at once. */
  readonly maxInboundStreams?: number;
  readonly commitWindowMs?: number;
  readonly maxChunkBytes?: number;
}

/** Adds the `middleware` command group to the program. */
export function registerMiddlewareCommands(program: Command): void {
  const mw = program.command('middleware').description('run the middleware (snapshot archive, orchestration)');
  const start = mw
    .command('start')
    .description('serve the Middleware service and take parked tasks as a MigSink (Prometheus metrics with --metrics)')
    .argument('[file]', 'cluster file (default config/cluster.yaml)')
    .option('--listen <host:port>', 'address to serve on (default: the middleware entry of the cluster file)')
    .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (default: the middleware\'s metrics key; port 0 picks one)')
    .option('--store <uri>', 'file://PATH or etcd://HOST:PORT (default: the cluster file\'s middleware store)')
    .option('--chunks <uri>', 'nats://HOST:PORT[,HOST:PORT...] (tls://... over TLS): keep chunk bytes in NATS JetStream\'s object store (with an etcd:// or etcds:// store for the catalog)')
    .option('--chunk-replicas <n>', 'replicas of the chunk bucket (default: the cluster file\'s, else 3)', integer('--chunk-replicas', 1))
    .option('--key-file <file>', 'archive key (32 bytes, hex or base64): seal every chunk with AES-256-GCM (else $MIGVISOR_ARCHIVE_KEY; never the cluster file)')
    .option('--lazy-push-pace <ms>', 'pause between the page batches a lazy restore pushes (default 0)', integer('--lazy-push-pace', 0))
    .option('--lazy-recover-ms <ms>', 'how long a lazily restored task\'s node waits for this middleware (postcopy-paused) before its missing pages count as lost (default 30000)', integer('--lazy-recover-ms', 1))
    .option('--exit-with-parent', 'stop when standard input closes (used by cluster up)')
    .option('--routes <file>', 'dial nodes through the relays this JSON table names ({"PEER:PORT": "RELAY:PORT"}; used by cluster up)')
    .option('--stream-idle-timeout <duration>', 'fail an inbound stream (Receive, Load, PushPages, Discard) that sends nothing for this long (default 30s)', duration('--stream-idle-timeout'))
    .option('--max-inbound-streams <n>', 'refuse inbound streams beyond this many open at once (default 16)', integer('--max-inbound-streams', 1))
    .option('--commit-window-ms <ms>', 'a staged park not made durable within this time is discarded and its node resumes the task (default 30000)', integer('--commit-window-ms', 500))
    .option('--max-chunk-bytes <size>', 'refuse tasks whose pages are larger (default: the store\'s limit; etcd: 1MiB)', size('--max-chunk-bytes'))
    .option('--json', 'the ready line is JSON already (accepted for uniformity)');
  withLogOptions(start, "the middleware's").action(action(async (file: string | undefined, flags: MiddlewareStartFlags) => (await import('./middleware-run.ts')).startMiddleware(file, flags)));
}
