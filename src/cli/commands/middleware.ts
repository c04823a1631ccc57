/**
 * `migvisor middleware start [FILE] [--listen HOST:PORT] [--store URI]`: the
 * snapshot archive and orchestrator as its own process. Prints one JSON line
 * `{"middleware","address","store","pid"}` once it serves.
 */
import type { Command } from 'commander';
import { recordMiddleware } from '../../common/index.ts';
import { loadCluster } from '../../config/index.ts';
import { clusterFile } from '../cluster-file.ts';
import { action, logUnhandled } from '../run-command.ts';

interface StartFlags {
  listen?: string;
  store?: string;
  exitWithParent?: boolean;
}

export function registerMiddlewareCommands(program: Command): void {
  const mw = program.command('middleware').description('run the middleware (snapshot archive, orchestration)');
  mw.command('start')
    .description('serve the Middleware service and take parked tasks as a MigSink')
    .argument('[file]', 'cluster file (default config/cluster.yaml)')
    .option('--listen <host:port>', 'address to serve on (default: the middleware entry of the cluster file)')
    .option('--store <uri>', 'file://PATH or etcd://HOST:PORT (default: the cluster file\'s middleware store)')
    .option('--exit-with-parent', 'stop when standard input closes (used by cluster up)')
    .option('--json', 'the ready line is JSON already (accepted for uniformity)')
    .action(
      action(async (file: string | undefined, flags: StartFlags) => {
        // Loaded here, not at start-up: every other command would pay for the store backends.
        const { MiddlewareServer, NodeBook, openStore } = await import('../../middleware/index.ts');
        logUnhandled('middleware');
        const f = clusterFile(file);
        const cluster = loadCluster(f);
        const uri = flags.store ?? cluster.middleware?.store ?? 'file://../var/store';
        const store = await openStore(uri, cluster.dir);
        const server = new MiddlewareServer(store, new NodeBook(cluster, f));
        const address = await server.listen(flags.listen ?? cluster.middleware?.listen ?? '127.0.0.1:0');
        recordMiddleware(f, address);
        process.stdout.write(`${JSON.stringify({ middleware: 'middleware', address, store: store.uri, pid: process.pid })}\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
          if (flags.exitWithParent) process.stdin.on('end', resolve).on('close', resolve).resume();
        });
        await server.shutdown();
        recordMiddleware(f, undefined);
        process.stdin.destroy();
        return 0;
      }),
    );
}
