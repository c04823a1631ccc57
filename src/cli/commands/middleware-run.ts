/**
 * `migvisor middleware start [FILE] [--listen HOST:PORT] [--store URI] [--chunks
 * nats://...] [--chunk-replicas N] [--key-file FILE]`: the snapshot archive and
 * orchestrator as its own process. Prints one JSON line
 * `{"middleware","address","store","pid","sealed"}` once it serves.
 */
import { InvalidArgumentError, loadDialRoutes, recordMiddleware } from '../../common/index.ts';
import { loadCluster } from '../../config/index.ts';
import { ClusterMembership } from '../../hypervisor/index.ts';
import { ArchiveKeys, loadArchiveKey, MiddlewareServer, NodeBook, openStore } from '../../middleware/index.ts';
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
  // The key first: a bad key file is refused before any store is opened.
  const keys = new ArchiveKeys(loadArchiveKey(flags.keyFile));
  const chunks = flags.chunks ?? cluster.middleware?.chunks;
  if (flags.chunkReplicas !== undefined && !chunks) throw new InvalidArgumentError('--chunk-replicas: give --chunks nats://HOST:PORT[,...] too (replicas are those of the chunk bucket)');
  const store = await openStore(uri, cluster.dir, chunks ? { chunks, replicas: flags.chunkReplicas ?? cluster.middleware?.chunkReplicas ?? 3 } : {});
  try {
    keys.init(await store.listManifests());
  } catch (e: unknown) {
    await store.close();
    throw e;
  }
  const server = new MiddlewareServer(store, new NodeBook(cluster, f), new ClusterMembership(cluster, f), { keys, pushPaceMs: flags.lazyPushPace ?? 0 });
  const address = await server.listen(flags.listen ?? cluster.middleware?.listen ?? '127.0.0.1:0');
  recordMiddleware(f, address);
  process.stdout.write(`${JSON.stringify({ middleware: 'middleware', address, store: store.uri, pid: process.pid, sealed: keys.sealing ? keys.id : '' })}\n`);
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
