/**
 * A bare MV machine for CPU tests: one address space (code, data, stack regions),
 * an assembled program loaded into it, a code cache and a register file. No node,
 * no scheduler: tests drive `run()` directly and look at registers and memory.
 */
import { assemble, type Program } from '../../src/machine/assembler.ts';
import type { Endian, RegionDef, WordSize } from '../../src/config/model.ts';
import { CodeCache, newRegisters, run, type CpuState } from '../../src/machine/cpu.ts';
import { AddressSpace } from '../../src/partition/address-space.ts';
import { PhysicalMemory } from '../../src/partition/physical-memory.ts';

export interface CpuConfig {
  readonly word: WordSize;
  readonly endian: Endian;
}

/**
 * Every word size and byte order. 32-bit little-endian and 64-bit big-endian are the
 * corners nodes are configured with; the other two are here because the translator
 * generates different memory code per byte order.
 */
export const CPU_CONFIGS: readonly CpuConfig[] = [
  { word: 32, endian: 'little' },
  { word: 64, endian: 'big' },
  { word: 32, endian: 'big' },
  { word: 64, endian: 'little' },
];

export const PAGE_SIZE = 4096;
export const TEXT_BASE = 0x10000;
export const TEXT_SIZE = 0x10000;
export const DATA_BASE = 0x100000;
export const DATA_SIZE = 0x40000;
export const STACK_BASE = 0x800000;
export const STACK_SIZE = 0x10000;
export const STACK_TOP = STACK_BASE + STACK_SIZE;

function region(name: string, vaddr: number, paddr: number, size: number, rights: string): RegionDef {
  return {
    name,
    vaddr,
    paddr,
    size,
    rights: { r: rights.includes('r'), w: rights.includes('w'), x: rights.includes('x') },
    rightsText: rights,
    line: 0,
  };
}

/** Signed value of a w-bit pattern. */
export function wrap(word: WordSize, v: bigint): bigint {
  return BigInt.asIntN(word, v);
}

/** Unsigned value of a w-bit pattern. */
export function unsigned(word: WordSize, v: bigint): bigint {
  return BigInt.asUintN(word, v);
}

export class Machine {
  readonly space: AddressSpace;
  readonly cache: CodeCache;
  readonly state: CpuState;
  /** Instructions executed by every {@link run} so far. */
  executed = 0;

  private constructor(
    readonly config: CpuConfig,
    readonly program: Program,
  ) {
    const { word, endian } = config;
    this.space = new AddressSpace(
      [
        region('code', TEXT_BASE, 0x100000, TEXT_SIZE, 'rx'),
        region('data', DATA_BASE, 0x200000, DATA_SIZE, 'rw'),
        region('stack', STACK_BASE, 0x300000, STACK_SIZE, 'rw'),
      ],
      0,
      PAGE_SIZE,
      new PhysicalMemory(1 << 24),
      endian,
    );
    this.space.loadImage(program.textBase, program.text);
    if (program.data.length > 0) this.space.loadImage(program.dataBase, program.data);
    this.state = { r: newRegisters(word), pc: program.entry, flags: 0, trap: -1, fault: undefined };
    this.setReg(15, STACK_TOP);
    this.cache = new CodeCache(this.space, word);
  }

  /** Assembles `source` for the configuration and loads it (the file is called test.s). */
  static boot(source: string, config: CpuConfig): Machine {
    const program = assemble(source, {
      word: config.word,
      endian: config.endian,
      textBase: TEXT_BASE,
      dataBase: DATA_BASE,
      file: 'test.s',
    });
    return new Machine(config, program);
  }

  get word(): WordSize {
    return this.config.word;
  }

  /** Word size in bytes. */
  get wordBytes(): number {
    return this.config.word / 8;
  }

  /** One call of the CPU's run loop. */
  run(budget: number): number {
    const n = run(this.state, this.cache, budget);
    this.executed += n;
    return n;
  }

  /**
   * Runs in slices of `slice` instructions until a `sys` or a fault stops the program.
   * Throws if it is still running after `limit` instructions (a runaway test program).
   */
  runToStop(slice = 1_000_000, limit = 50_000_000): number {
    let total = 0;
    for (;;) {
      total += this.run(slice);
      if (this.state.trap >= 0 || this.state.fault !== undefined) return total;
      if (total > limit) throw new Error(`program still running after ${total} instructions`);
    }
  }

  /** Register i as a signed BigInt, whatever the word size. */
  reg(i: number): bigint {
    const v = this.state.r[i];
    if (v === undefined) throw new RangeError(`no register r${i}`);
    return BigInt(v);
  }

  setReg(i: number, v: bigint | number): void {
    const b = wrap(this.word, BigInt(v));
    if (this.state.r instanceof BigInt64Array) this.state.r[i] = b;
    else this.state.r[i] = Number(b);
  }

  regs(): bigint[] {
    return Array.from(this.state.r, (v: number | bigint) => BigInt(v));
  }

  /** Address of a label or the value of a symbol of the program. */
  sym(name: string): number {
    const v = this.program.symbols.get(name);
    if (v === undefined) throw new Error(`no symbol ${name}`);
    return Number(v);
  }

  /** Reads `bytes` bytes at va in the node's byte order, as an unsigned value (host side, no CPU). */
  peek(va: number, bytes: 1 | 2 | 4 | 8): bigint {
    switch (bytes) {
      case 1:
        return BigInt(this.space.ld8(va));
      case 2:
        return BigInt(this.space.ld16(va));
      case 4:
        return BigInt(this.space.ld32u(va));
      case 8:
        return BigInt.asUintN(64, this.space.ld64(va));
    }
  }

  /** Raw bytes of the data region (host side), for comparing whole memory images. */
  bytes(va: number, len: number): number[] {
    return Array.from({ length: len }, (_, i) => this.space.ld8(va + i));
  }

  /** Everything architecturally visible: registers, pc, flags, trap, memory. */
  snapshot(): { regs: string[]; pc: number; flags: number; trap: number; fault: string | undefined; memory: string } {
    return {
      regs: this.regs().map(String),
      pc: this.state.pc,
      flags: this.state.flags,
      trap: this.state.trap,
      fault: this.state.fault?.message,
      memory: this.space.hash(),
    };
  }
}

/** A small deterministic generator (mulberry32), so random cases replay identically. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  next32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return this.next32() % n;
  }

  /** A random w-bit pattern as a signed value. */
  bits(word: WordSize): bigint {
    const lo = BigInt(this.next32());
    const hi = BigInt(this.next32());
    return wrap(word, (hi << 32n) | lo);
  }

  pick<T>(xs: readonly T[]): T {
    const x = xs[this.below(xs.length)];
    if (x === undefined) throw new RangeError('pick from an empty list');
    return x;
  }
}

/** The values where word arithmetic goes wrong first: 0, ±1, the signed extremes and their neighbours. */
export function edgeValues(word: WordSize): bigint[] {
  const min = -(1n << BigInt(word - 1));
  const max = (1n << BigInt(word - 1)) - 1n;
  return [0n, 1n, -1n, 2n, -2n, min, min + 1n, max, max - 1n, 0x7fn, 0x80n, 0xffn, 0xffffn, 0x8000n];
}

/**
 * An operand for arithmetic tests: a third edge values, a third small numbers, a third full-width
 * noise, so both the corners and the ordinary bulk are covered.
 */
export function operand(rng: Rng, word: WordSize): bigint {
  switch (rng.below(3)) {
    case 0:
      return rng.pick(edgeValues(word));
    case 1:
      return BigInt(rng.below(2001) - 1000);
    default:
      return rng.bits(word);
  }
}
