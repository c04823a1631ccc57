/**
 * `migvisor simulate`: boots one node from the cluster file in virtual time (no
 * network), runs N ticks, prints the console lines and then the ps table. Runs
 * are deterministic: task ids come from a seeded generator. Any number of ticks
 * runs in flat stack and memory (README, "Benchmarks" gives the speed).
 */
import { NotFoundError, seededIds } from '../../common/index.ts';
import { formatEvent, Node, toTaskSummary, toWireEvent, type Sequenced } from '../../hypervisor/index.ts';
import { loadCluster } from '../../config/index.ts';
import { clusterFile } from '../cluster-file.ts';
import { psTable } from '../format.ts';
import { toProtoJson } from '../../common/index.ts';
import { printJson } from '../run-command.ts';
import type { SimulateFlags } from './simulate.ts';

/** Runs node --node of the cluster file `file` for --ticks ticks of virtual time. */
export function simulate(file: string | undefined, flags: SimulateFlags): void {
  const cluster = loadCluster(clusterFile(file));
  const def = cluster.nodes.find((n) => n.name === flags.node);
  if (!def) throw new NotFoundError('node', flags.node, `in ${cluster.file} (nodes: ${cluster.nodes.map((n) => n.name).join(', ')})`);
  const node = new Node(def, cluster, { ids: seededIds(flags.seed) });
  const events: Sequenced[] = [];
  const out = new LineBuffer();
  node.eventLog.stream.subscribe((s) => {
    if (s.event.kind === 'transition') return;
    if (flags.json) events.push(s);
    else out.add(`${formatEvent(s.event)}\n`);
  });
  try {
    node.boot();
    for (const spec of flags.task) node.startTask(spec);
    // Nothing else shares the node's virtual time here, so the ticks run back to back
    // (Node.runTicks: idle stretches pass in one go, with the output of tick by tick).
    node.runTicks(flags.ticks);
  } finally {
    out.flush();
  }
  const tasks = node.ps({ hashes: true }).map((t) => toTaskSummary(t, node.name));
  if (flags.json) {
    // A PsResponse of the node at the end, and the events of the run (transitions aside) as Watch gives them.
    printJson({ ...toProtoJson('PsResponse', { node: node.name, tick: node.tick, tasks }), events: events.map((s) => toProtoJson('Event', toWireEvent(s))) });
  } else process.stdout.write(`${psTable(tasks)}\n`);
  node.shutdown();
}

/** Console lines, written about 64 KiB at a time (a write per line was most of a long run's time). */
class LineBuffer {
  private parts: string[] = [];
  private size = 0;

  add(line: string): void {
    this.parts.push(line);
    this.size += line.length;
    if (this.size >= 65536) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    process.stdout.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}
