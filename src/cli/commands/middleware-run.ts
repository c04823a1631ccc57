/**
 * `migvisor middleware start [FILE] [--listen HOST:PORT] [--store URI]`: the
 * snapshot archive and orchestrator as its own process. Prints one JSON line
 * `{"middleware","address","store","pid"}` once it serves.
 */
import { loadDialRoutes, recordMiddleware } from '../../common/index.ts';
import { loadCluster } from '../../config/index.ts';
import { ClusterMembership } from '../../hypervisor/index.ts';
import { MiddlewareServer, NodeBook, openStore } from '../../middleware/index.ts';
import { clusterFile } from '../cluster-file.ts';
import { logUnhandled } from '../run-command.ts';
import type { MiddlewareStartFlags } from './middleware.ts';

/** Serves the middleware of the cluster file `file` until SIGINT/SIGTERM (or, with --exit-with-parent, until stdin closes). */
export async function startMiddleware(file: string | undefined, flags: MiddlewareStartFlags): Promise<number> {
  logUnhandled('middleware');
  const f = clusterFile(file);
  const cluster = loadCluster(f);
  if (flags.routes) loadDialRoutes(flags.routes);
  const uri = flags.store ?? cluster.middleware?.store ?? 'file://../var/store';
  const store = await openStore(uri, cluster.dir);
  const server = new MiddlewareServer(store, new NodeBook(cluster, f), new ClusterMembership(cluster, f), {
    ...(flags.commitWindowMs !== undefined ? { stagingTimeoutMs: flags.commitWindowMs } : {}),
  });
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
}
