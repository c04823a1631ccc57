/**
 * `migvisor simulate`: boots one node from the cluster file in virtual time (no
 * network), runs N ticks, prints the console lines and then the ps table (and,
 * for a node with several schedule plans, its plan status). Runs are
 * deterministic: task ids come from a seeded generator.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { NotFoundError, seededIds } from '../../common/index.ts';
import { formatEvent, Node, toScheduleStatus, toTaskSummary, toWireEvent, type Sequenced } from '../../hypervisor/index.ts';
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
  node.eventLog.stream.subscribe((s) => {
    if (s.event.kind === 'transition') return;
    if (flags.json) events.push(s);
    else process.stdout.write(`${formatEvent(s.event)}\n`);
  });
  node.boot();
  for (const spec of flags.task) node.startTask(spec);
  const clock = new VirtualTimeScheduler();
  node.start(clock, flags.ticks);
  clock.flush();
  const tasks = node.ps({ hashes: true }).map((t) => toTaskSummary(t, node.name));
  const plans = node.plans.names.length > 1 ? toScheduleStatus(node) : undefined;
  if (flags.json) {
    // A PsResponse of the node at the end, and the events of the run (transitions aside) as Watch gives them.
    printJson({
      ...toProtoJson('PsResponse', { node: node.name, tick: node.tick, tasks }),
      events: events.map((s) => toProtoJson('Event', toWireEvent(s))),
      ...(plans ? { schedule: toProtoJson('ScheduleStatusResponse', plans) } : {}),
    });
  } else {
    process.stdout.write(`${psTable(tasks)}\n`);
    if (plans) {
      const last = plans.lastSwitchTick === undefined ? 'never switched' : `since tick ${plans.lastSwitchTick}`;
      process.stdout.write(`schedule plan ${plans.currentPlan} (${last})${plans.nextPlan ? `, ${plans.nextPlan} from tick ${plans.nextPlanTick}` : ''}\n`);
    }
  }
  node.shutdown();
}
