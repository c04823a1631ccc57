/**
 * `migvisor node start [FILE] --node NAME [--listen HOST:PORT]`: runs one node as
 * its own process, paced to wall-clock time, serving its gRPC services. Prints
 * one JSON line `{"node":..,"address":..}` once it serves; stops cleanly on
 * SIGINT/SIGTERM (and, when started by `cluster up`, when its parent goes away).
 */
import { asyncScheduler, config as rxjsConfig } from 'rxjs';
import { NotFoundError, forgetNode, loadDialRoutes, recordNode, resolveNode } from '../../common/index.ts';
import { ClusterMembership, formatEvent, Node, NodeServer } from '../../hypervisor/index.ts';
import { applySecurity, loadCluster } from '../../config/index.ts';
import { clusterFile } from '../cluster-file.ts';
import { logUnhandled } from '../run-command.ts';
import type { NodeStartFlags } from './node.ts';
import { streamLimits } from './stream-flags.ts';

/**
 * Runs the node --node of the cluster file `fileArg` (default: see {@link clusterFile})
 * until SIGINT/SIGTERM (or, with --exit-with-parent, until stdin closes).
 */
export async function startNode(fileArg: string | undefined, flags: NodeStartFlags): Promise<number> {
  const file = clusterFile(fileArg);
  logUnhandled(`node ${flags.node}`);
  // An observer that throws (an event subscriber) is logged; rxjs would rethrow it later and end the process.
  rxjsConfig.onUnhandledError = (e: unknown) => {
    process.stderr.write(`node ${flags.node}: error in an event observer: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  };
  const cluster = loadCluster(file);
  const def = cluster.nodes.find((n) => n.name === flags.node);
  if (!def) throw new NotFoundError('node', flags.node, `in ${file} (nodes: ${cluster.nodes.map((n) => n.name).join(', ')})`);
  if (flags.routes) loadDialRoutes(flags.routes);
  applySecurity(cluster, { node: def.name });
  const node = new Node(def, cluster);
  // Sampling port messages reach the destinations' nodes wherever they run now.
  node.ports.connect((peer) => resolveNode(peer, file, () => cluster));
  if (flags.log) node.events.subscribe((e) => process.stderr.write(`${formatEvent(e)}\n`));
  const server = new NodeServer(node, new ClusterMembership(cluster, file), { streams: streamLimits(flags) });
  const address = await server.listen(flags.listen ?? def.listen);
  if (flags.boot) node.boot();
  node.start(asyncScheduler);
  recordNode(file, def.name, address);
  process.stdout.write(`${JSON.stringify({ node: def.name, address, pid: process.pid })}\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (flags.exitWithParent) {
      process.stdin.on('end', stop).on('close', stop).resume();
    }
  });
  node.stop();
  await server.shutdown();
  node.shutdown();
  forgetNode(file, def.name, address);
  // Stop reading the parent's pipe, or the process would stay alive for it.
  process.stdin.destroy();
  return 0;
}
