/**
 * Info on the command channel, as the node answers it: what it offers a migration
 * (CPU, page size, compressions), and for a task or a partition the slot's
 * MigThread state, the partition's fingerprint and settings, its free slots and
 * their size; for a task that left, where it went.
 */
import { NotFoundError, type Compression, type Endian, type WordSize } from '../common/index.ts';
import { channelCommands, type ChannelCommand, type MigState, type MigTask, type Transit } from '../migtask/index.ts';
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
  /** Commands the slot accepts now (Info always). */
  readonly acceptedCommands: ChannelCommand[];
  /** MigSink slots of the partition. */
  readonly freeSlots: number;
  /** Bytes of one slot's address space. */
  readonly slotBytes: number;
  /** Set while the slot's task is in transit. */
  readonly migration?: Transit;
  /** The schedule plan a sink must have to take the partition's tasks. */
  readonly requiredPlan?: string;
}

/** What Info says of a node (and of one slot, or of a task that left). */
export interface NodeInfo {
  readonly node: string;
  readonly word: WordSize;
  readonly endian: Endian;
  readonly pageSize: number;
  readonly compression: readonly Compression[];
  readonly tick: number;
  /** Microseconds of wall-clock time per tick, when the node is paced. */
  readonly tickUs: number;
  /** Gates forwarded to other nodes. */
  readonly gateForwards: { readonly gate: string; readonly node: string }[];
  /** The node's schedule plans by name. */
  readonly schedulePlans?: readonly string[];
  /** The plan that runs now. */
  readonly currentPlan?: string;
  /** The node's sampling ports, aged by its clock. */
  readonly samplingPorts?: readonly SamplingPortState[];
  /** The task asked about, when it left this node. */
  readonly departed?: { readonly taskId: string; readonly to: string; readonly tick: number };
  readonly slot?: SlotInfo;
}

/** A sampling port as the node holds it. */
export interface SamplingPortState {
  readonly name: string;
  readonly messageSize: number;
  readonly refresh: number;
  readonly written: boolean;
  readonly age: number;
  readonly valid: boolean;
  readonly writes: number;
}

/** Which slot Info describes: a task by id, a slot by name, a free slot of a partition, or none (the node alone). */
export type InfoTarget = { readonly taskId: string } | { readonly slot: string } | { readonly partition: string } | undefined;

/**
 * Info for a task, a slot, or a free slot of a partition (what a migration
 * source asks before it sends), or for the node alone. NotFoundError names a
 * task, slot or partition the node does not have; a task that left says where to.
 */
export function nodeInfo(node: Node, target: InfoTarget): NodeInfo {
  const cpu = node.def.cpu;
  const base: NodeInfo = {
    node: node.name,
    word: cpu.word,
    endian: cpu.endian,
    pageSize: cpu.pageSize,
    compression: node.def.compression,
    tick: node.tick,
    tickUs: node.def.tickUs,
    gateForwards: node.taskGates.routes,
    schedulePlans: node.plans.names,
    currentPlan: node.plans.status().current,
    samplingPorts: node.ports.all.map((p) => {
      const m = p.read(node.tick);
      return { name: p.name, messageSize: p.messageSize, refresh: p.refresh, written: m !== undefined, age: m?.age ?? 0, valid: m?.valid ?? false, writes: p.writes };
    }),
  };
  if (!target) return base;
  let slot: MigTask | undefined;
  if ('taskId' in target) {
    slot = node.findTask(target.taskId);
    if (!slot) {
      const gone = node.departures.get(target.taskId);
      if (gone) return { ...base, departed: { taskId: target.taskId, to: gone.to, tick: gone.tick } };
      throw new NotFoundError('task', target.taskId, `on node ${node.name}`);
    }
  } else if ('slot' in target) {
    slot = node.slots.find((s) => s.slotName === target.slot);
    if (!slot) throw new NotFoundError('slot', target.slot, `on node ${node.name}`);
  } else {
    const p = node.partitions.get(target.partition);
    if (!p) throw new NotFoundError('partition', target.partition, `on node ${node.name}`);
    slot = node.slots.find((s) => s.partition === p && s.state === 'MigSink') ?? node.slots.find((s) => s.partition === p);
    if (!slot) return base;
  }
  const p = slot.partition;
  const freeSlots = node.slots.filter((s) => s.partition === p && s.state === 'MigSink').length;
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
      acceptedCommands: channelCommands(slot.state, freeSlots > 0),
      freeSlots,
      slotBytes: slot.space.size,
      ...(slot.transit ? { migration: { ...slot.transit } } : {}),
      ...(p.def.requiresPlan !== undefined ? { requiredPlan: p.def.requiresPlan } : {}),
    },
  };
}
