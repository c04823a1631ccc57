/**
 * Helpers for the health-monitor and partition-mode specs: a one-node cluster
 * with an optional HM table, a node of it in virtual time recording its events,
 * and programs assembled from inline source.
 */
import { seededIds } from '../../src/common/ids.ts';
import { parseClusterText } from '../../src/config/load.ts';
import type { NodeEvent } from '../../src/hypervisor/events.ts';
import { Node } from '../../src/hypervisor/node.ts';
import { assembleFor } from '../../src/machine/program-loader.ts';
import type { MigTask } from '../../src/migtask/mig-task.ts';

/** A one-node cluster: partitions app (2 slots) and io, `appExtra`/`nodeExtra` indented YAML under them. */
export function hmCluster(appExtra = '', nodeExtra = ''): string {
  return `version: 1
providers:
  box: { kind: gate, capacity: 2, message_size: 16 }
partitions:
  app:
    migratable: true
    slots: 2
    max_travelers: 2
    stack_per_traveler: 4KiB
    regions:
      - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
      - { name: data,  vaddr: 0x20000, paddr: 0x20000, size: 4KiB, rights: rw }
      - { name: stack, vaddr: 0x30000, paddr: 0x30000, size: 8KiB, rights: rw }
    providers: { box: s }
${appExtra}
  io:
    max_travelers: 1
    regions:
      - { name: code,  vaddr: 0x10000, paddr: 0x50000, size: 4KiB, rights: rx }
      - { name: stack, vaddr: 0x30000, paddr: 0x60000, size: 4KiB, rights: rw }
    providers: { box: r }
nodes:
  - name: n1
    cpu: { word: 32, endian: little, instructions_per_tick: 100 }
    memory: 1MiB
    partitions: [app, io]
    schedule: { major_frame: 4, windows: [{ partition: app, start: 0, duration: 3 }, { partition: io, start: 3, duration: 1 }] }
${nodeExtra}
`;
}

/** A node of {@link hmCluster}, with every event it publishes recorded. */
export function hmNode(appExtra = '', nodeExtra = ''): { node: Node; events: NodeEvent[]; start(source: string, travelers?: number, partition?: string): MigTask } {
  const r = parseClusterText(hmCluster(appExtra, nodeExtra), '/tmp/hm-cluster.yaml');
  if (!r.config) throw new Error(r.problems.map((p) => p.message).join('\n'));
  const config = r.config;
  const node = new Node(config.nodes[0]!, config, { ids: seededIds(7) });
  const events: NodeEvent[] = [];
  node.events.subscribe((e) => events.push(e));
  const start = (source: string, travelers = 1, partition = 'app'): MigTask => {
    const def = node.partition(partition).def;
    const program = assembleFor(source, 'test.s', def, node.def.cpu);
    return node.startTask({ partition, assembled: { program, name: 'test.s' }, travelers });
  };
  return { node, events, start };
}

/** Console lines, in order. */
export function lines(events: readonly NodeEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'console' ? [e.text] : []));
}

