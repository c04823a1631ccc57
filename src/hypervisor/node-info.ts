/**
 * Info on the command channel, as the node answers it: what it offers a migration
 * (CPU, page size, compressions), and for a task or a partition the slot's
 * MigThread state, the partition's fingerprint and settings, its free slots and
 * their size; for a task that left, where it went.
 */
import { NotFoundError, type Compression, type Endian, type WordSize } from '../common/index.ts';
import { acceptedCommands, type MigState, type MigTask } from '../migtask/index.ts';
import type { PartitionSettings } from '../partition/index.ts';
import type { Node } from './node.ts';

/** One slot, as Info describes it to a migration source (or a client). */
export interface SlotInfo {
  readonly slot: string;
  readonly state: MigState;
  readonly taskId: string;
  readonly partition: string;
  readonly migratable: boolean;
  readonly fingerprint: string;
  readonly settings: PartitionSettings;
  /** Commands the slot's state accepts (Info always). */
  readonly acceptedCommands: string[];
  /** MigSink slots of the partition. */
  readonly freeSlots: number;
  /** Bytes of one slot's address space. */
  readonly slotBytes: number;
}

/** What Info says of a node (and of one slot, or of a task that left). */
export interface NodeInfo {
  readonly node: string;
  readonly word: WordSize;
  readonly endian: Endian;
  readonly pageSize: number;
  readonly compression: readonly Compression[];
  readonly tick: number;
  /** Gates forwarded to other nodes, as `gate -> node`. */
  readonly gateForwards: string[];
  /** The task asked about, when it left this node. */
  readonly departed?: { readonly taskId: string; readonly to: string };
  readonly slot?: SlotInfo;
}

/**
 * Info for a task (id or slot name), or for a free slot of a partition (a
 * migration source asking whether it may send one), or the node alone.
 */
export function nodeInfo(node: Node, task: string, partition: string): NodeInfo {
  const cpu = node.def.cpu;
  const base: NodeInfo = {
    node: node.name,
    word: cpu.word,
    endian: cpu.endian,
    pageSize: cpu.pageSize,
    compression: node.def.compression,
    tick: node.tick,
    gateForwards: node.taskGates.forwards,
  };
  let slot: MigTask | undefined;
  if (task) {
    slot = node.slots.find((s) => s.id === task || s.slotName === task);
    if (!slot) {
      const gone = node.departures.get(task);
      if (gone) return { ...base, departed: { taskId: task, to: gone.to } };
      throw new NotFoundError('task', task, `on node ${node.name}`);
    }
  } else if (partition) {
    const p = node.partitions.get(partition);
    if (!p) return base;
    const free = node.slots.filter((s) => s.partition === p && s.state === 'MigSink');
    slot = free[0] ?? node.slots.find((s) => s.partition === p);
  }
  if (!slot) return base;
  const p = slot.partition;
  return {
    ...base,
    slot: {
      slot: slot.slotName,
      state: slot.state,
      taskId: slot.id ?? '',
      partition: p.name,
      migratable: p.migratable,
      fingerprint: p.fingerprint,
      settings: p.settings,
      acceptedCommands: ['Info', ...acceptedCommands(slot.state).filter((c) => /^[A-Z]/.test(c) && c !== 'Kill')],
      freeSlots: node.slots.filter((s) => s.partition === p && s.state === 'MigSink').length,
      slotBytes: slot.space.size,
    },
  };
}
