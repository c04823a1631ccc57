/**
 * A MigTraveler: one simulated thread of a MigTask. It owns its CPU state
 * (registers, pc, sp, flags), its scheduling status, its open file handles and
 * its console line buffer. The node's scheduler runs it; system calls that
 * cannot complete at once leave it waiting on a {@link Wait}.
 */
import type { CpuState } from '../machine/index.ts';
import type { WordSize } from '../config/index.ts';
import { newRegisters } from '../machine/index.ts';
import { HandleTable } from '../partition/index.ts';
import type { FaultKind, TravelerStatus } from './vocabulary.ts';



/** What a waiting traveler waits for. */
export type Wait =
  | { readonly kind: 'sleep'; readonly until: number }
  | { readonly kind: 'gate_recv'; readonly gate: string; readonly buf: number; readonly max: number }
  | { readonly kind: 'gate_send'; readonly gate: string; readonly data: Uint8Array }
  | { readonly kind: 'page'; readonly page: number };

/** Why a traveler stopped: the fault kind, its message, the pc and the address. */
export interface TravelerFault {
  readonly kind: FaultKind;
  readonly message: string;
  readonly pc: number;
  readonly address?: number;
}

/** Longest console line kept before it is flushed without a newline. */
const MAX_LINE = 1024;

/** One traveler (a simulated thread): CPU state, status and wait, open handles, console line buffer. */
export class MigTraveler {
  /** Registers, pc, flags, and the trap or fault of the last run. */
  readonly cpu: CpuState;
  /** What the traveler does. */
  status: TravelerStatus = 'ready';
  /** What a waiting traveler waits for. */
  wait: Wait | undefined;
  /** Open file handles (they do not travel: closed by a migration). */
  readonly handles = new HandleTable();
  /** Instructions executed since the traveler was created (travels with it). */
  instructions = 0;
  /** Set when it exited. */
  exitCode: number | undefined;
  /** Set when a fault stopped it. */
  fault: TravelerFault | undefined;
  /** The tick in which it last yielded; it is not picked again in that tick. */
  yieldedAt = -1;
  private line: number[] = [];

  constructor(
    /** Index within the task, 0..n-1 (what `sys self` returns). */
    readonly id: number,
    word: WordSize,
    public priority: number,
  ) {
    this.cpu = { r: newRegisters(word), pc: 0, flags: 0, trap: -1, fault: undefined };
  }

  /** Ready or waiting (not exited, not faulted). */
  get runnable(): boolean {
    return this.status === 'ready' || this.status === 'waiting';
  }

  /** Appends console bytes; returns the complete lines they finished. */
  writeConsole(bytes: Iterable<number>): string[] {
    const done: string[] = [];
    for (const b of bytes) {
      if (b === 10) {
        done.push(this.takeLine());
        continue;
      }
      this.line.push(b);
      if (this.line.length >= MAX_LINE) done.push(this.takeLine());
    }
    return done;
  }

  /** Text buffered without a newline yet. */
  get pendingConsole(): string {
    return Buffer.from(this.line).toString('utf8');
  }

  /** Restores a partial console line (after migration). */
  set pendingConsole(text: string) {
    this.line = [...Buffer.from(text, 'utf8')];
  }

  private takeLine(): string {
    const text = Buffer.from(this.line).toString('utf8');
    this.line = [];
    return text;
  }

  /** Register value as a bigint, whatever the word size. */
  reg(i: number): bigint {
    return BigInt(this.cpu.r[i]!);
  }

  /** Sets a register, wrapping at the word size. */
  setReg(i: number, v: number | bigint): void {
    if (this.cpu.r instanceof BigInt64Array) this.cpu.r[i] = BigInt.asIntN(64, BigInt(v));
    else this.cpu.r[i] = Number(BigInt.asIntN(32, BigInt(v)));
  }
}
