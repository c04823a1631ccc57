/**
 * `migvisor middleware start [FILE] [--listen HOST:PORT] [--store URI] [--chunks
 * nats://...] [--chunk-replicas N] [--key-file FILE] [--metrics HOST:PORT]`: the
 * snapshot archive and orchestrator as its own process. Prints one JSON line
 * `{"middleware","address","store","pid","registered","sealed"}` (with
 * `"metrics"` when it serves them) once it serves (`registered`: it holds the
 * cluster file's registry entry; a second middleware of the same file does not
 * take it over); logs through the structured log on stderr.
 */
import * as fs from 'node:fs';
import { claimMiddleware, createLogger, createRegistry, forgetMiddleware, InvalidArgumentError, loadDialRoutes, logUnhandledRejections, registerGrpcMetrics, serveMetrics, setProcessLogger, type MetricsServer } from '../../common/index.ts';
import { applySecurity, loadCluster } from '../../config/index.ts';
import { ClusterMembership } from '../../hypervisor/index.ts';
import { ArchiveKeys, FileStore, loadArchiveKey, logArchive, MiddlewareServer, NodeBook, openStore, registerMiddlewareMetrics } from '../../middleware/index.ts';
import { clusterFile } from '../cluster-file.ts';
import type { MiddlewareStartFlags } from './middleware.ts';
import { streamLimits } from './stream-flags.ts';

/** Serves the middleware of the cluster file `file` until SIGINT/SIGTERM (or, with --exit-with-parent, until stdin closes). */
export async function startMiddleware(file: string | undefined, flags: MiddlewareStartFlags): Promise<number> {
  const logger = createLogger({ level: flags.logLevel ?? 'info', format: flags.logFormat ?? 'auto', fields: { process: 'middleware' } });
  setProcessLogger(logger);
  logUnhandledRejections();
  const f = clusterFile(file);
  const cluster = loadCluster(f);
  if (flags.routes) loadDialRoutes(flags.routes);
  applySecurity(cluster, 'middleware');
  // prom-client is loaded only by a middleware that serves metrics; the endpoint comes first, before the store opens.
  const metricsAt = flags.metrics ?? cluster.middleware?.metrics;
  const registry = metricsAt ? createRegistry() : undefined;
  const metrics: MetricsServer | undefined = registry && metricsAt ? await serveMetrics(registry, metricsAt) : undefined;
  const uri = flags.store ?? cluster.middleware?.store ?? 'file://../var/store';
  // The key first: a bad key file is refused before any store is opened.
  const keys = new ArchiveKeys(loadArchiveKey(flags.keyFile));
  // A key others may read protects nothing from them: say so (as ssh does of a private key).
  const keyMode = flags.keyFile ? fs.statSync(flags.keyFile).mode & 0o777 : 0;
  if ((keyMode & 0o077) !== 0) logger.warn({ keyFile: flags.keyFile, mode: keyMode.toString(8) }, `archive key file ${flags.keyFile} can be read by other users (mode ${keyMode.toString(8)}); chmod 600 it`);
  const chunks = flags.chunks ?? cluster.middleware?.chunks;
  if (flags.chunkReplicas !== undefined && !chunks) throw new InvalidArgumentError('--chunk-replicas: give --chunks nats://HOST:PORT[,...] too (replicas are those of the chunk bucket)');
  const store = await openStore(uri, cluster.dir, chunks ? { chunks, replicas: flags.chunkReplicas ?? cluster.middleware?.chunkReplicas ?? 3 } : {});
  // A damaged file of the filesystem store is skipped, not fatal: say which, as it is found.
  if (store instanceof FileStore) {
    const damaged = (file: string, problem: string): void => logger.warn({ file, problem }, `store ${store.uri}: ${file} is damaged (${problem}); it is left out`);
    for (const [file, problem] of store.damaged) damaged(file, problem);
    store.onDamaged = damaged;
  }
  try {
    keys.init(await store.listManifests());
  } catch (e: unknown) {
    await store.close();
    throw e;
  }
  const server = new MiddlewareServer(store, new NodeBook(cluster, f), new ClusterMembership(cluster, f), {
    streams: streamLimits(flags),
    ...(flags.commitWindowMs !== undefined ? { stagingTimeoutMs: flags.commitWindowMs } : {}),
    retention: cluster.middleware?.retention ?? [],
    ...(flags.maxChunkBytes !== undefined ? { maxChunkBytes: flags.maxChunkBytes } : {}),
    keys,
    pushPaceMs: flags.lazyPushPace ?? 0,
    lazyRecoverMs: flags.lazyRecoverMs ?? 0,
  });
  logArchive(server, logger);
  if (registry) {
    registerGrpcMetrics(registry);
    registerMiddlewareMetrics(server, registry);
  }
  const address = await server.listen(flags.listen ?? cluster.middleware?.listen ?? '127.0.0.1:0');
  // One registry entry per middleware process: a second middleware of the same file does not take the first's.
  const registered = claimMiddleware(f, address);
  const sealed = keys.sealing ? keys.id : '';
  logger.info({ address, store: store.uri, registered, sealed, ...(metrics ? { metrics: metrics.address } : {}) }, `serving at ${address}, store ${store.uri}${metrics ? `, metrics at http://${metrics.address}/metrics` : ''}`);
  process.stdout.write(`${JSON.stringify({ middleware: 'middleware', address, store: store.uri, pid: process.pid, registered, sealed, ...(metrics ? { metrics: metrics.address } : {}) })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (flags.exitWithParent) process.stdin.on('end', resolve).on('close', resolve).resume();
  });
  logger.info('stopping');
  await server.shutdown();
  await metrics?.close();
  if (registered) forgetMiddleware(f, address);
  process.stdin.destroy();
  return 0;
}
