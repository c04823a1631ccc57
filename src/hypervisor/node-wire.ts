/**
 * The node's domain values as wire messages (proto/migvisor/v1): task summaries
 * for ps and replies, events for Watch, Info replies and migration statistics.
 */
import { compressionToWire, endianToWire } from '../common/index.ts';
import type { Event } from '../generated/migvisor/v1/Event.ts';
import type { InfoReply } from '../generated/migvisor/v1/InfoReply.ts';
import type { MigrationStats as WireStats } from '../generated/migvisor/v1/MigrationStats.ts';
import type { TaskSummary } from '../generated/migvisor/v1/TaskSummary.ts';
import type { MigrationStats } from '../migtask/index.ts';
import type { NodeEvent } from './events.ts';
import type { NodeInfo } from './node-info.ts';
import type { TaskInfo } from './task-info.ts';

/** A slot as a wire TaskSummary. */
export function toTaskSummary(t: TaskInfo, node: string): TaskSummary {
  return {
    node,
    slot: t.slot,
    partition: t.partition,
    taskId: t.task ?? '',
    program: t.program ?? '',
    state: t.state,
    run: t.run,
    instructions: t.instructions,
    pages: t.pages,
    pagesPresent: t.pagesPresent,
    pagesDirty: t.pagesDirty,
    memoryHash: t.memoryHash ?? '',
    travelers: t.travelers.map((x) => ({
      id: x.id,
      status: x.status,
      priority: x.priority,
      pc: x.pc,
      sp: x.sp,
      flags: x.flags,
      registers: x.registers,
      instructions: x.instructions,
      wait: x.wait ?? '',
      hasExitCode: x.exitCode !== undefined,
      exitCode: x.exitCode ?? 0,
      fault: x.fault ?? '',
      handles: x.handles,
    })),
  };
}

/** A node event as a wire Event. */
export function toWireEvent(e: NodeEvent): Event {
  const base = { kind: e.kind, node: e.node, tick: e.tick };
  switch (e.kind) {
    case 'console':
      return { ...base, task: e.task, traveler: e.traveler, text: e.text };
    case 'transition':
      return { ...base, task: e.task ?? '', slot: e.slot, from: e.from, to: e.to, command: e.command };
    case 'fault':
      return { ...base, task: e.task, traveler: e.traveler, fault: e.fault, message: e.message, pc: e.pc };
    case 'exit':
      return { ...base, task: e.task, traveler: e.traveler, code: e.code };
    case 'migration':
      return { ...base, task: e.task, phase: e.phase, detail: e.detail };
  }
}

/** Migration statistics as the wire message. */
export function toWireStats(s: MigrationStats): WireStats {
  return { ...s };
}

/** Info as the wire InfoReply. */
export function toInfoReply(i: NodeInfo): InfoReply {
  const base: InfoReply = {
    node: i.node,
    wordSize: i.word,
    endian: endianToWire(i.endian),
    pageSize: i.pageSize,
    compression: i.compression.map(compressionToWire),
    tick: i.tick,
    gateForwards: i.gateForwards,
  };
  if (i.departed) return { ...base, taskId: i.departed.taskId, forwardedTo: i.departed.to };
  const s = i.slot;
  if (!s) return base;
  return {
    ...base,
    state: s.state,
    taskId: s.taskId,
    slot: s.slot,
    partition: s.partition,
    migratable: s.migratable,
    fingerprint: s.fingerprint,
    partitionSettingsJson: JSON.stringify(s.settings),
    acceptedCommands: s.acceptedCommands,
    freeSlots: s.freeSlots,
    slotBytes: s.slotBytes,
  };
}
