/**
 * What `ps` and `info` show of a task slot: its MigThread state, what its
 * travelers do (status, registers, waits, faults, open handles) and its memory.
 */
import type { MigTask, MigTraveler } from '../migtask/index.ts';

/** One traveler as ps shows it (registers and sp as hex). */
export interface TravelerInfo {
  readonly id: number;
  readonly status: string;
  readonly priority: number;
  readonly pc: number;
  readonly sp: string;
  readonly flags: number;
  readonly registers: string[];
  readonly instructions: number;
  readonly wait?: string;
  readonly exitCode?: number;
  readonly fault?: string;
  readonly handles: { handle: number; provider: string; path: string }[];
}

/** One slot as ps shows it. */
export interface TaskInfo {
  readonly slot: string;
  readonly partition: string;
  readonly task: string | undefined;
  readonly program: string | undefined;
  readonly state: string;
  readonly run: string;
  readonly instructions: number;
  readonly pages: number;
  readonly pagesPresent: number;
  readonly pagesDirty: number;
  readonly memoryHash?: string;
  readonly travelers: TravelerInfo[];
}const hex = (n: number | bigint): string => `0x${BigInt.asUintN(64, BigInt(n)).toString(16)}`;

function describeWait(t: MigTraveler): string | undefined {
  const w = t.wait;
  if (!w) return undefined;
  switch (w.kind) {
    case 'sleep':
      return `sleep until tick ${w.until}`;
    case 'gate_recv':
      return `receive on gate ${w.gate}`;
    case 'gate_send':
      return `send on gate ${w.gate}`;
    case 'page':
      return `page ${w.page}`;
  }
}

/** A slot as ps shows it (`withHash`: with the memory hash, which costs a pass over its pages). */
export function taskInfo(s: MigTask, withHash: boolean): TaskInfo {
  const pt = s.space.pageTable;
  return {
    slot: s.slotName,
    partition: s.partition.name,
    task: s.id,
    program: s.programName,
    state: s.state,
    run: s.runState,
    instructions: s.instructions,
    pages: pt.pageCount,
    pagesPresent: pt.presentCount(),
    pagesDirty: pt.dirtyPages().length,
    ...(withHash && s.occupied ? { memoryHash: s.space.hash() } : {}),
    travelers: s.travelers.map((t) => {
      const wait = describeWait(t);
      return {
        id: t.id,
        status: t.status,
        priority: t.priority,
        pc: t.cpu.pc,
        sp: hex(t.cpu.r[15]!),
        flags: t.cpu.flags,
        registers: Array.from(t.cpu.r as ArrayLike<number | bigint>, (v) => hex(v)),
        instructions: t.instructions,
        ...(wait ? { wait } : {}),
        ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
        ...(t.fault ? { fault: `${t.fault.kind}: ${t.fault.message}` } : {}),
        handles: t.handles.describe().open,
      };
    }),
  };
}
