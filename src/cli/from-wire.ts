/** Wire messages as the terminal renderings want them: a TaskSummary as a TaskInfo, an Event as a NodeEvent. */
import type { Event__Output } from '../generated/migvisor/v1/Event.ts';
import type { TaskSummary__Output } from '../generated/migvisor/v1/TaskSummary.ts';
import type { NodeEvent, TaskInfo } from '../hypervisor/index.ts';

/** A wire TaskSummary as the ps table wants it. */
export function fromSummary(t: TaskSummary__Output): TaskInfo {
  return {
    slot: t.slot,
    partition: t.partition,
    task: t.taskId || undefined,
    program: t.program || undefined,
    state: t.state,
    run: t.run,
    instructions: t.instructions,
    pages: t.pages,
    pagesPresent: t.pagesPresent,
    pagesDirty: t.pagesDirty,
    ...(t.memoryHash ? { memoryHash: t.memoryHash } : {}),
    travelers: t.travelers.map((x) => ({
      id: x.id,
      status: x.status,
      priority: x.priority,
      pc: x.pc,
      sp: x.sp,
      flags: x.flags,
      registers: x.registers,
      instructions: x.instructions,
      ...(x.wait ? { wait: x.wait } : {}),
      ...(x.hasExitCode ? { exitCode: x.exitCode } : {}),
      ...(x.fault ? { fault: x.fault } : {}),
      handles: x.handles,
    })),
  };
}

/** A wire event as the terminal formatter wants it. */
export function fromWireEvent(e: Event__Output): NodeEvent {
  const base = { node: e.node, tick: e.tick };
  switch (e.kind) {
    case 'console':
      return { ...base, kind: 'console', task: e.task, traveler: e.traveler, text: e.text };
    case 'transition':
      return { ...base, kind: 'transition', task: e.task || undefined, slot: e.slot, from: e.from, to: e.to, command: e.command };
    case 'fault':
      return { ...base, kind: 'fault', task: e.task, traveler: e.traveler, fault: e.fault, message: e.message, pc: e.pc };
    case 'exit':
      return { ...base, kind: 'exit', task: e.task, traveler: e.traveler, code: e.code };
    default:
      return { ...base, kind: 'migration', task: e.task, phase: e.phase, detail: e.detail };
  }
}
