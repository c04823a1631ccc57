/**
 * What `ps` and `info` show of a task slot: its MigThread state, what its
 * travelers do (status, registers, waits, faults, open handles), its memory, and
 * the migration it is part of while in transit. Domain values; node-wire.ts
 * turns them into wire messages.
 */
import type { FaultKind, MigState, MigTask, MigTraveler, RunState, Transit, TravelerStatus, Wait } from '../migtask/index.ts';
import { encodeRegisters } from '../migtask/index.ts';

/** One traveler as ps shows it. */
export interface TravelerInfo {
  readonly id: number;
  readonly status: TravelerStatus;
  readonly priority: number;
  readonly pc: number;
  readonly flags: number;
  /** r0..r15, 8 bytes each, little-endian two's complement. */
  readonly registers: Uint8Array;
  readonly instructions: number;
  /** What it waits for (sleep: the tick it wakes at). */
  readonly wait?: Wait;
  readonly exitCode?: number;
  readonly fault?: { readonly kind: FaultKind; readonly message: string; readonly pc: number; readonly address: number };
  readonly handles: { handle: number; provider: string; path: string }[];
}

/** One slot as ps shows it. */
export interface TaskInfo {
  readonly slot: string;
  readonly partition: string;
  readonly task: string | undefined;
  readonly program: string | undefined;
  readonly state: MigState;
  readonly run: RunState;
  readonly instructions: number;
  readonly pages: number;
  readonly pagesPresent: number;
  readonly pagesDirty: number;
  readonly memoryHash?: string;
  readonly travelers: TravelerInfo[];
  /** Set while the slot's task is in transit. */
  readonly migration?: Transit;
}

function travelerInfo(t: MigTraveler): TravelerInfo {
  return {
    id: t.id,
    status: t.status,
    priority: t.priority,
    pc: t.cpu.pc,
    flags: t.cpu.flags,
    registers: encodeRegisters(t),
    instructions: t.instructions,
    ...(t.wait ? { wait: t.wait } : {}),
    ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
    ...(t.fault ? { fault: { kind: t.fault.kind, message: t.fault.message, pc: t.fault.pc, address: t.fault.address ?? 0 } } : {}),
    handles: t.handles.describe().open,
  };
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
    travelers: s.travelers.map(travelerInfo),
    ...(s.transit ? { migration: { ...s.transit } } : {}),
  };
}
