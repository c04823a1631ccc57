/**
 * The MV CPU: a dynamic translator. Code is fetched from the task's address space,
 * decoded once, and each basic block becomes one JavaScript function whose
 * registers live in locals; a block that branches back to its own start loops
 * inside the function while the instruction budget lasts. Exactness is kept:
 *
 * - instruction counts are exact: when the remaining budget is shorter than a
 *   block, the block's tail path runs exactly that many instructions and stops;
 * - faults are precise: a block records the index of the instruction that may
 *   fault, so on a fault pc points at it and it has not executed;
 * - `sys` ends a block and leaves the trap number in the state for the node.
 */
import type { AddressSpace } from '../partition/index.ts';
import { MemoryFault } from '../partition/index.ts';
import type { WordSize } from '../config/index.ts';
import { flags32, flags64, registerUse, testFlags, type Dialect, type FlagSource } from './cpu-codegen.ts';
import { dialect32 } from './cpu-dialect32.ts';
import { dialect64 } from './cpu-dialect64.ts';
import { divide, flagsHalves, halves, high, join, low, mulhu, out, testFlagsHalves } from './cpu-int64.ts';
import { CpuTrap } from './cpu-trap.ts';
import { decode, instructionLength, REGISTER_COUNT, type Decoded } from './isa.ts';

/** A traveler's architectural state, as the CPU sees it. */
export interface CpuState {
  /** General registers (Int32Array on 32-bit nodes, BigInt64Array on 64-bit ones). */
  r: Int32Array | BigInt64Array;
  pc: number;
  flags: number;
  /** The system call number of the `sys` that ended the last run, or -1. */
  trap: number;
  /** The fault that stopped the last run, if any. */
  fault: MemoryFault | CpuTrap | undefined;
}

/** A register file for the word size: int32 values, or BigInt64 on 64-bit nodes. */
export function newRegisters(word: WordSize): Int32Array | BigInt64Array {
  return word === 64 ? new BigInt64Array(REGISTER_COUNT) : new Int32Array(REGISTER_COUNT);
}

type BlockFn = (s: CpuState, m: AddressSpace, budget: number) => number;

interface Block {
  readonly start: number;
  /** Instructions per pass through the block. */
  readonly length: number;
  readonly fn: BlockFn;
}

const HELPERS = { flags32, flags64, testFlags, CpuTrap, MemoryFault, halves, join, low, high, mulhu, divide, out, flagsHalves, testFlagsHalves };

/** Longest block the translator builds. */
const MAX_BLOCK = 96;

interface Fetched {
  readonly d: Decoded;
  readonly pc: number;
  readonly size: number;
  readonly imm: bigint;
}

/**
 * Translated code of one task. It must be discarded whenever the task's code
 * changes, which only happens when a slot is (re)loaded: code regions are never
 * writable by travelers (W^X).
 */
export class CodeCache {
  private readonly blocks = new Map<number, Block>();
  private readonly dialect: Dialect;
  /** Blocks translated so far (for statistics). */
  translated = 0;

  constructor(
    readonly space: AddressSpace,
    readonly word: WordSize,
  ) {
    this.dialect = dialectFor(word, space.littleEndian);
  }

  /** The block starting at pc (translating on a miss). Throws the fault if pc cannot be fetched. */
  block(pc: number): Block {
    let b = this.blocks.get(pc);
    if (b === undefined) {
      b = this.translate(pc, MAX_BLOCK);
      this.blocks.set(pc, b);
    }
    return b;
  }

  clear(): void {
    this.blocks.clear();
  }

  private fetch(pc: number): Fetched | CpuTrap {
    const word = this.space.fetch32(pc);
    const d = decode(word);
    if (d.op === undefined || (d.op.only64 && this.word !== 64)) {
      return new CpuTrap('bad-opcode', pc, `bad opcode 0x${d.opcode.toString(16).padStart(2, '0')}`);
    }
    const size = instructionLength(d.op.format);
    let imm = 0n;
    if (size === 8) imm = BigInt(this.space.fetch32(pc + 4));
    if (size === 12) {
      // The 64-bit immediate is stored as one 8-byte value in the node's byte order.
      const a = BigInt(this.space.fetch32(pc + 4));
      const b = BigInt(this.space.fetch32(pc + 8));
      imm = this.space.littleEndian ? (b << 32n) | a : (a << 32n) | b;
    }
    return { d, pc, size, imm };
  }

  /** Decodes a straight run of instructions starting at pc and compiles it. */
  private translate(start: number, max: number): Block {
    if (start % 4 !== 0) return this.faultBlock(start, new CpuTrap('bad-pc', start, 'unaligned pc'));
    const body: Fetched[] = [];
    let pc = start;
    let ended = false;
    while (body.length < max && !ended) {
      let f: Fetched | CpuTrap;
      try {
        f = this.fetch(pc);
      } catch (e: unknown) {
        // Cannot fetch: the first instruction faults now; later ones end the block before them.
        if (body.length === 0 && e instanceof MemoryFault) throw e;
        if (e instanceof MemoryFault) break;
        throw e;
      }
      if (f instanceof CpuTrap) {
        if (body.length === 0) return this.faultBlock(start, f);
        break;
      }
      body.push(f);
      pc += f.size;
      ended = f.d.op!.endsBlock === true;
    }
    this.translated++;
    return { start, length: body.length, fn: this.compile(start, body, pc) };
  }

  private faultBlock(start: number, trap: CpuTrap): Block {
    return {
      start,
      length: 1,
      fn: (s) => {
        s.fault = trap;
        s.pc = start;
        return 0;
      },
    };
  }

  private compile(start: number, body: readonly Fetched[], next: number): BlockFn {
    const D = this.dialect;
    const L = body.length;
    const used = new Set<number>();
    for (const f of body) {
      const fmt = f.d.op!.format;
      if (fmt !== 'j' && fmt !== 'sys' && fmt !== 'none') [f.d.rd, f.d.rs, f.d.rt].forEach((x) => used.add(x));
      if (['push', 'pop', 'call', 'callr', 'ret'].includes(f.d.op!.mnemonic)) used.add(15);
    }
    const regs = [...used].sort((a, b) => a - b);
    // 64-bit blocks load only the registers they use and write back only those they change
    // (each is two locals there, so fewer live values matter); 32-bit blocks are unchanged.
    let [loaded, stored] = [regs, regs];
    if (this.word === 64) {
      const reads = new Set<number>();
      const writes = new Set<number>();
      for (const f of body) {
        const u = registerUse(f.d);
        u.reads.forEach((x) => reads.add(x));
        u.writes.forEach((x) => writes.add(x));
      }
      stored = [...writes].sort((a, b) => a - b);
      loaded = [...new Set([...reads, ...writes])].sort((a, b) => a - b);
    }
    const addrs = body.map((f) => f.pc);
    const lines: string[] = [];
    const last = body[L - 1]!;
    const term = last.d.op!.endsBlock ? last : undefined;
    const straight = term ? body.slice(0, -1) : body;
    let flags: FlagSource = 'entry';
    // The tail path runs only the first `budget` (< L) instructions, stopping exactly there.
    const tail: string[] = [];
    straight.forEach((f, i) => {
      lines.push(`k = ${i}; ${D.straight(f.d, f.pc, f.imm)}`);
      if (i + 1 < L) tail.push(`k = ${i}; ${D.straight(f.d, f.pc, f.imm)} if (budget === ${i + 1}) { n = ${i + 1}; s.pc = ${addrs[i + 1]}; break tail; }`);
      const m = f.d.op!.mnemonic;
      if (m === 'cmp' || m === 'cmpi') flags = 'cmp';
      else if (m === 'tst') flags = 'tst';
    });
    lines.push(...this.terminator(term, start, L, next, D, flags));
    const direct = this.space.direct;
    const src = `
      const LIM = ${direct.limit}, SH = ${this.space.pageShift}, PM = ${this.space.pageSize - 1};
      const A = ${JSON.stringify(addrs)};
      return function block_${start.toString(16)}(s, m, budget) {
        // Typed arrays as function locals: V8 keeps them in registers across the loop.
        const V = D.vpt, P = D.phys, PT = D.flags, M8 = D.bytes, M32 = D.words, DV = D.view;
        ${D.enter(loaded)}
        let f = s.flags, fk = 0;
        let n = 0, k = 0;
        try {
          if (budget >= ${L}) {
            for (;;) {
              ${lines.join('\n              ')}
            }
          } else {
            tail: {
              ${tail.join('\n              ')}
            }
          }
        } catch (e) {
          if (!(e instanceof H.MemoryFault || e instanceof H.CpuTrap)) throw e;
          s.fault = e;
          n += k;
          s.pc = A[k];
        }
        ${D.materialiseFlags()}
        ${D.leave(stored)}
        s.flags = f;
        return n;
      };`;
    return new Function('H', 'D', src)(HELPERS, direct) as BlockFn;
  }

  /** The code that leaves the block: fall through, branch (looping in place if it targets the block), call, return, jump, sys. */
  private terminator(term: Fetched | undefined, start: number, L: number, next: number, D: Dialect, flags: FlagSource): string[] {
    if (term === undefined) return [`n += ${L}; s.pc = ${next}; break;`];
    const k = `k = ${L - 1};`;
    const m = term.d.op!.mnemonic;
    const after = term.pc + term.size;
    const target = term.pc + term.d.off * 4;
    const go = (dest: number): string =>
      dest === start ? `if (budget - n >= ${L}) continue; s.pc = ${start}; break;` : `s.pc = ${dest}; break;`;
    switch (m) {
      case 'sys':
        return [`${k} n += ${L}; s.pc = ${after}; s.trap = ${term.d.imm & 0xffff}; break;`];
      case 'call':
        return [`${k} ${D.pushAddress(after)} n += ${L}; ${go(target)}`];
      case 'callr':
        return [`${k} { const dest = ${D.address(term.d.rs)}; ${D.pushAddress(after)} n += ${L}; s.pc = dest; } break;`];
      case 'jr':
        return [`${k} n += ${L}; s.pc = ${D.address(term.d.rs)}; break;`];
      case 'ret':
        return [`${k} { ${D.popAddress()} n += ${L}; s.pc = t; } break;`];
      default: {
        const cond = D.condition(m, flags);
        if (cond === 'true') return [`${k} n += ${L}; ${go(target)}`];
        return [`${k} n += ${L}; if (${cond}) { ${go(target)} } s.pc = ${after}; break;`];
      }
    }
  }
}

/**
 * Runs a traveler until `budget` instructions have executed, a system call traps,
 * or a fault stops it. Returns the number of instructions executed; the caller
 * inspects `s.trap` and `s.fault`.
 */
export function run(s: CpuState, cache: CodeCache, budget: number): number {
  const m = cache.space;
  let done = 0;
  s.trap = -1;
  s.fault = undefined;
  while (done < budget) {
    let b: Block;
    try {
      b = cache.block(s.pc);
    } catch (e: unknown) {
      if (e instanceof MemoryFault) {
        s.fault = e;
        return done;
      }
      throw e;
    }
    done += b.fn(s, m, budget - done);
    if (s.trap >= 0 || s.fault !== undefined) return done;
  }
  return done;
}

function dialectFor(word: WordSize, littleEndian: boolean): Dialect {
  return word === 64 ? dialect64(littleEndian) : dialect32(littleEndian);
}
