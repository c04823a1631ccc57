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
import { flags32, flags64, MISS, PAGE_CACHE, registerUse, testFlags, type Dialect, type FlagSource, type SlowMode } from './cpu-codegen.ts';
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

/**
 * Compiled blocks, shared by every code cache. A block's source is fixed by its
 * instruction words and addresses, the word size and byte order, the page size
 * and the direct map's limit — the key — and the block reaches memory only
 * through its `m` argument, so one key is one function: a task that is
 * restarted, copied or migrated in, or another task of the same program, runs
 * code V8 has already optimised. Oldest first out beyond the bound.
 */
const compiledBlocks = new Map<string, BlockFn>();
const MAX_COMPILED = 2048;

function compiled(key: string, source: () => string): BlockFn {
  let fn = compiledBlocks.get(key);
  if (fn === undefined) {
    fn = new Function('H', source())(HELPERS) as BlockFn;
    if (compiledBlocks.size >= MAX_COMPILED) compiledBlocks.delete(compiledBlocks.keys().next().value!);
    compiledBlocks.set(key, fn);
  }
  return fn;
}

interface Fetched {
  /** The instruction word, as fetched. */
  readonly word: number;
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
  /** Checked one-instruction blocks, for instructions whose fast path missed. */
  private readonly steps = new Map<number, Block>();
  private readonly dialect: Dialect;
  private readonly stepDialect: Dialect;
  /** Blocks translated so far (for statistics). */
  translated = 0;

  constructor(
    readonly space: AddressSpace,
    readonly word: WordSize,
  ) {
    this.dialect = dialectFor(word, space.littleEndian, 'exit');
    this.stepDialect = dialectFor(word, space.littleEndian, 'call');
  }

  /** The block starting at pc (translating on a miss). Throws the fault if pc cannot be fetched. */
  block(pc: number): Block {
    let b = this.blocks.get(pc);
    if (b === undefined) {
      b = this.translate(pc, MAX_BLOCK, 'exit');
      this.blocks.set(pc, b);
    }
    return b;
  }

  /** The checked step of the one instruction at pc (its memory access or division through the slow path). */
  step(pc: number): Block {
    let b = this.steps.get(pc);
    if (b === undefined) {
      b = this.translate(pc, 1, 'call');
      this.steps.set(pc, b);
    }
    return b;
  }

  clear(): void {
    this.blocks.clear();
    this.steps.clear();
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
    return { word, d, pc, size, imm };
  }

  /** Decodes a straight run of instructions starting at pc and compiles it. */
  private translate(start: number, max: number, mode: SlowMode): Block {
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
    // What the block's source depends on: the dialect, the map's shape, and the instructions where they are.
    const key = `${mode} ${this.word} ${this.space.littleEndian} ${this.space.direct.limit} ${this.space.pageShift} ${start} ${pc} ${body.map((f) => `${f.word}:${f.imm}`).join(' ')}`;
    return { start, length: body.length, fn: compiled(key, () => this.compile(start, body, pc, mode)) };
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

  /** The source of a block function (see {@link compiled}). */
  private compile(start: number, body: readonly Fetched[], next: number, mode: SlowMode): string {
    const D = mode === 'exit' ? this.dialect : this.stepDialect;
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
    // In a block, an instruction that misses its fast path leaves the block just
    // before itself (k = its index); in a checked step, whatever throws is caught
    // with k = the instruction that threw. Either way n + k instructions executed.
    const exit = mode === 'exit';
    const at = (i: number, code: string): string => (exit ? code.split(MISS).join(`{ k = ${i}; break body; }`) : `k = ${i}; ${code}`);
    // The tail path runs only the first `budget` (< L) instructions, stopping exactly there.
    const tail: string[] = [];
    straight.forEach((f, i) => {
      lines.push(at(i, D.straight(f.d, f.pc, f.imm)));
      if (i + 1 < L) tail.push(`${at(i, D.straight(f.d, f.pc, f.imm))} if (budget === ${i + 1}) { n = ${i + 1}; s.pc = ${addrs[i + 1]}; break tail; }`);
      const m = f.d.op!.mnemonic;
      if (m === 'cmp' || m === 'cmpi') flags = 'cmp';
      else if (m === 'tst') flags = 'tst';
    });
    lines.push(...this.terminator(term, start, L, next, D, flags).map((code) => at(L - 1, code)));
    const run = `
          if (budget >= ${L}) {
            for (;;) {
              ${lines.join('\n              ')}
            }
          } else {
            tail: {
              ${tail.join('\n              ')}
            }
          }`;
    // A block never throws (its loop holds no call that could, so V8 keeps the memory
    // views in registers); it returns ~(n + k) after a miss. A step catches the fault.
    const src = `
      const LIM = ${this.space.direct.limit}, SH = ${this.space.pageShift}, PM = ${this.space.pageSize - 1};
      const A = ${JSON.stringify(addrs)};
      return function ${exit ? 'block' : 'step'}_${start.toString(16)}(s, m, budget) {
        const D = m.direct, RD = D.read, WR = D.write, M8 = D.bytes, M32 = D.words, DV = D.view;
        ${D.enter(loaded)}
        let f = s.flags, fk = 0;
        let n = 0, k = -1;${exit ? ` ${PAGE_CACHE}` : ''}
        ${
          exit
            ? `body: {${run}
        }`
            : `try {${run}
        } catch (e) {
          if (!(e instanceof H.MemoryFault || e instanceof H.CpuTrap)) throw e;
          s.fault = e;
          n += k;
          s.pc = A[k];
        }`
        }
        ${D.materialiseFlags()}
        ${D.leave(stored)}
        s.flags = f;
        ${exit ? `if (k >= 0) { s.pc = A[k]; return ~(n + k); }` : ''}
        return n;
      };`;
    return src;
  }

  /** The code that leaves the block: fall through, branch (looping in place if it targets the block), call, return, jump, sys. */
  private terminator(term: Fetched | undefined, start: number, L: number, next: number, D: Dialect, flags: FlagSource): string[] {
    if (term === undefined) return [`n += ${L}; s.pc = ${next}; break;`];
    const m = term.d.op!.mnemonic;
    const after = term.pc + term.size;
    const target = term.pc + term.d.off * 4;
    const go = (dest: number): string =>
      dest === start ? `if (budget - n >= ${L}) continue; s.pc = ${start}; break;` : `s.pc = ${dest}; break;`;
    switch (m) {
      case 'sys':
        return [`n += ${L}; s.pc = ${after}; s.trap = ${term.d.imm & 0xffff}; break;`];
      case 'call':
        return [`${D.pushAddress(after)} n += ${L}; ${go(target)}`];
      case 'callr':
        return [`{ const dest = ${D.address(term.d.rs)}; ${D.pushAddress(after)} n += ${L}; s.pc = dest; } break;`];
      case 'jr':
        return [`n += ${L}; s.pc = ${D.address(term.d.rs)}; break;`];
      case 'ret':
        return [`{ ${D.popAddress()} n += ${L}; s.pc = t; } break;`];
      default: {
        const cond = D.condition(m, flags);
        if (cond === 'true') return [`n += ${L}; ${go(target)}`];
        return [`n += ${L}; if (${cond}) { ${go(target)} } s.pc = ${after}; break;`];
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
  // After a block stops before an instruction that missed its fast path, that
  // instruction runs alone as a checked step, then blocks go on after it.
  let step = false;
  while (done < budget) {
    let b: Block;
    try {
      b = step ? cache.step(s.pc) : cache.block(s.pc);
    } catch (e: unknown) {
      if (e instanceof MemoryFault) {
        s.fault = e;
        return done;
      }
      throw e;
    }
    const r = b.fn(s, m, budget - done);
    step = r < 0;
    done += step ? ~r : r;
    if (s.trap >= 0 || s.fault !== undefined) return done;
  }
  return done;
}

function dialectFor(word: WordSize, littleEndian: boolean, mode: SlowMode): Dialect {
  return word === 64 ? dialect64(littleEndian, mode) : dialect32(littleEndian, mode);
}
