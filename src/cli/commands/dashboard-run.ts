/**
 * `migvisor dashboard [--listen HOST:PORT] [--cluster FILE]`: finds the nodes of
 * the cluster file as every remote command does (the registry of `cluster up`
 * and `node start`, else fixed ports in the file) and serves the dashboard until
 * SIGINT/SIGTERM. `cluster up` and the demo start the same dashboard through
 * {@link dashboardTargets} and {@link startDashboard}.
 */
import { describeError } from '../../common/index.ts';
import { startDashboard, type NodeTarget } from '../../dashboard/index.ts';
import type { ClusterConfig } from '../../config/index.ts';
import { withRemote } from '../remote.ts';
import type { DashboardFlags } from './dashboard.ts';

/** The nodes of `cluster` at `addresses` (name → host:port), with what the file says of their memory and CPU. */
export function dashboardTargets(cluster: ClusterConfig, addresses: Readonly<Record<string, string>>): NodeTarget[] {
  return cluster.nodes
    .filter((n) => addresses[n.name] !== undefined)
    .map((n) => ({ name: n.name, address: addresses[n.name]!, memory: n.memory, instructionsPerTick: n.cpu.instructionsPerTick }));
}

/** Serves the dashboard of the cluster file until SIGINT/SIGTERM. */
export async function dashboard(flags: DashboardFlags): Promise<number> {
  const targets = await withRemote(flags, async (r) => {
    const { loadCluster } = await import('../../config/index.ts');
    const cluster = loadCluster(r.clusterFile);
    const addresses: Record<string, string> = {};
    const missing: unknown[] = [];
    for (const n of cluster.nodes) {
      try {
        addresses[n.name] = await r.address(n.name);
      } catch (e: unknown) {
        missing.push(e);
      }
    }
    // Without a single running node there is nothing to show; a node not started yet is left out, said once.
    if (missing.length === cluster.nodes.length) throw missing[0];
    for (const e of missing) process.stderr.write(`migvisor dashboard: left out: ${describeError(e)}\n`);
    return dashboardTargets(cluster, addresses);
  });
  const d = await startDashboard({ nodes: targets, listen: flags.listen });
  if (flags.json) process.stdout.write(`${JSON.stringify({ dashboard: d.address, url: d.url, nodes: Object.fromEntries(targets.map((t) => [t.name, t.address])) })}\n`);
  else process.stdout.write(`dashboard ${d.url} (${targets.map((t) => `${t.name} ${t.address}`).join(', ')})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await d.close();
  return 0;
}
