/**
 * `migvisor node start [FILE] --node NAME [--listen HOST:PORT] [--metrics HOST:PORT]`:
 * runs one node as its own process, paced to wall-clock time, serving its gRPC
 * services (and Prometheus metrics). Prints one JSON line
 * `{"node":..,"address":..,"pid":..}` (with `"metrics"` when it serves them) once
 * it serves; logs through the structured log on stderr; stops cleanly on
 * SIGINT/SIGTERM (and, when started by `cluster up`, when its parent goes away).
 */
import { asyncScheduler, config as rxjsConfig } from 'rxjs';
import { createLogger, createRegistry, forgetNode, loadDialRoutes, logUnhandledRejections, NotFoundError, recordNode, registerGrpcMetrics, resolveNode, serveMetrics, setProcessLogger, type MetricsServer } from '../../common/index.ts';
import { ClusterMembership, logNode, Node, NodeServer, registerNodeMetrics } from '../../hypervisor/index.ts';
import { applySecurity, loadCluster } from '../../config/index.ts';
import { clusterFile } from '../cluster-file.ts';
import type { NodeStartFlags } from './node.ts';
import { streamLimits } from './stream-flags.ts';

/**
 * Runs the node --node of the cluster file `fileArg` (default: see {@link clusterFile})
 * until SIGINT/SIGTERM (or, with --exit-with-parent, until stdin closes).
 */
export async function startNode(fileArg: string | undefined, flags: NodeStartFlags): Promise<number> {
  const file = clusterFile(fileArg);
  const logger = createLogger({ level: flags.log ? 'debug' : (flags.logLevel ?? 'info'), format: flags.logFormat ?? 'auto', fields: { node: flags.node } });
  setProcessLogger(logger);
  logUnhandledRejections();
  // An observer that throws (an event subscriber) is logged; rxjs would rethrow it later and end the process.
  rxjsConfig.onUnhandledError = (e: unknown) => {
    logger.error({ err: e }, `error in an event observer: ${e instanceof Error ? e.message : String(e)}`);
  };
  const cluster = loadCluster(file);
  const def = cluster.nodes.find((n) => n.name === flags.node);
  if (!def) throw new NotFoundError('node', flags.node, `in ${file} (nodes: ${cluster.nodes.map((n) => n.name).join(', ')})`);
  if (flags.routes) loadDialRoutes(flags.routes);
  applySecurity(cluster, { node: def.name });
  const node = new Node(def, cluster);
  // Sampling port messages reach the destinations' nodes wherever they run now.
  node.ports.connect((peer) => resolveNode(peer, file, () => cluster));
  logNode(node, logger);
  // prom-client is loaded only by a node that serves metrics.
  const metricsAt = flags.metrics ?? def.metrics;
  let metrics: MetricsServer | undefined;
  if (metricsAt) {
    const registry = createRegistry();
    registerGrpcMetrics(registry);
    registerNodeMetrics(node, registry);
    metrics = await serveMetrics(registry, metricsAt);
  }
  const server = new NodeServer(node, new ClusterMembership(cluster, file), { streams: streamLimits(flags) });
  const address = await server.listen(flags.listen ?? def.listen);
  if (flags.boot) node.boot();
  node.start(asyncScheduler);
  recordNode(file, def.name, address);
  logger.info({ address, ...(metrics ? { metrics: metrics.address } : {}) }, `serving at ${address}${metrics ? `, metrics at http://${metrics.address}/metrics` : ''}`);
  process.stdout.write(`${JSON.stringify({ node: def.name, address, pid: process.pid, ...(metrics ? { metrics: metrics.address } : {}) })}\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (flags.exitWithParent) {
      process.stdin.on('end', stop).on('close', stop).resume();
    }
  });
  logger.info('stopping');
  node.stop();
  await server.shutdown();
  await metrics?.close();
  node.shutdown();
  forgetNode(file, def.name, address);
  // Stop reading the parent's pipe, or the process would stay alive for it.
  process.stdin.destroy();
  return 0;
}
