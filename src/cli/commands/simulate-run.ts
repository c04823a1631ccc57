/**
 * `migvisor simulate`: boots one node from the cluster file in virtual time (no
 * network), runs N ticks, prints the console lines and then the ps table. Runs
 * are deterministic: task ids come from a seeded generator.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { NotFoundError, seededIds } from '../../common/index.ts';
import { formatEvent, type NodeEvent, Node } from '../../hypervisor/index.ts';
import { loadCluster } from '../../config/index.ts';
import { clusterFile } from '../cluster-file.ts';
import { psTable } from '../format.ts';
import { printJson } from '../run-command.ts';
import type { SimulateFlags } from './simulate.ts';

/** Runs node --node of the cluster file `file` for --ticks ticks of virtual time. */
export function simulate(file: string | undefined, flags: SimulateFlags): void {
  const cluster = loadCluster(clusterFile(file));
  const def = cluster.nodes.find((n) => n.name === flags.node);
  if (!def) throw new NotFoundError('node', flags.node, `in ${cluster.file} (nodes: ${cluster.nodes.map((n) => n.name).join(', ')})`);
  const node = new Node(def, cluster, { ids: seededIds(flags.seed) });
  const events: NodeEvent[] = [];
  node.events.subscribe((e) => {
    if (e.kind === 'transition') return;
    events.push(e);
    if (!flags.json) process.stdout.write(`${formatEvent(e)}\n`);
  });
  node.boot();
  for (const spec of flags.task) node.startTask(spec);
  const clock = new VirtualTimeScheduler();
  node.start(clock, flags.ticks);
  clock.flush();
  const ps = node.ps({ hashes: true });
  if (flags.json) printJson({ node: node.name, ticks: node.tick, events, ps });
  else process.stdout.write(`${psTable(ps)}\n`);
  node.shutdown();
}
