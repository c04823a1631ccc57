/**
 * `migvisor middleware start [FILE] [--listen HOST:PORT] [--store URI]`: the
 * snapshot archive and orchestrator as its own process. Prints one JSON line
 * `{"middleware","address","store","pid","registered"}` once it serves (`registered`: it holds the
 * cluster file's registry entry; a second middleware of the same file does not take it over).
 */
import { claimMiddleware, forgetMiddleware, loadDialRoutes } from '../../common/index.ts';
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
    retention: cluster.middleware?.retention ?? [],
    ...(flags.maxChunkBytes !== undefined ? { maxChunkBytes: flags.maxChunkBytes } : {}),
  });
  const address = await server.listen(flags.listen ?? cluster.middleware?.listen ?? '127.0.0.1:0');
  // One registry entry per middleware process: a second middleware of the same file does not take the first's.
  const registered = claimMiddleware(f, address);
  process.stdout.write(`${JSON.stringify({ middleware: 'middleware', address, store: store.uri, pid: process.pid, registered })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (flags.exitWithParent) process.stdin.on('end', resolve).on('close', resolve).resume();
  });
  await server.shutdown();
  if (registered) forgetMiddleware(f, address);
  process.stdin.destroy();
  return 0;
}
