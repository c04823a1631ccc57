/**
 * Semantics of every MV instruction, written once, as JavaScript source fragments
 * (one dialect per word size: cpu-dialect32.ts, cpu-dialect64.ts). The translator (cpu.ts) strings fragments together into one function per basic
 * block; single-stepping is the same translation with a block of one instruction,
 * so there is exactly one definition of what an instruction does.
 *
 * Inside a block function:
 * - registers live in locals: on 32-bit nodes `r0`..`r15`, each a signed int32 in
 *   a JS number; on 64-bit nodes each register is two int32 locals, `rNl` (low
 *   half) and `rNh` (high half), and the arithmetic works on the halves (carries,
 *   borrows, partial products; see cpu-int64.ts). No BigInt is made on the hot
 *   path: the halves are read from and written to the BigInt64Array register
 *   file through an Int32Array over the same memory, and only division and the
 *   checked slow memory paths convert at the boundary;
 * - flags are lazy: `cmp` only records its operands (`fa`, `fb`, `fk = 1`; `tst`
 *   sets `fk = 2`; on 64-bit nodes the halves `fal`, `fah`, `fbl`, `fbh`),
 *   branches compare the operands directly, and the NZCV value `f` is computed
 *   only when the block exits or faults;
 * - memory accesses take an inline fast path through the address space's direct
 *   map (`RD`, `WR`: virtual page → physical offset of a page that may be read,
 *   or written without touching its page-table entry, else -1) and fall back to
 *   the checked methods of `m`, which raise the precise faults and set dirty bits.
 */
import type { Decoded } from './isa.ts';

/** Flags of `a - b` for 32-bit operands (signed int32 values). */
export function flags32(a: number, b: number): number {
  const r = (a - b) | 0;
  return (r < 0 ? 8 : 0) | (r === 0 ? 4 : 0) | (a >>> 0 >= b >>> 0 ? 2 : 0) | (((a ^ b) & (a ^ r)) < 0 ? 1 : 0);
}

/** Flags of `a - b` for 64-bit operands (signed BigInt values). */
export function flags64(a: bigint, b: bigint): number {
  const r = BigInt.asIntN(64, a - b);
  return (
    (r < 0n ? 8 : 0) |
    (r === 0n ? 4 : 0) |
    (BigInt.asUintN(64, a) >= BigInt.asUintN(64, b) ? 2 : 0) |
    (((a ^ b) & (a ^ r)) < 0n ? 1 : 0)
  );
}

/** Flags of `a & b` (tst): N and Z only. */
export function testFlags(v: number | bigint): number {
  return (v < 0 ? 8 : 0) | (v == 0 ? 4 : 0);
}

/** Branch conditions on the materialised flags register. */
export const ON_FLAGS: Record<string, string> = {
  beq: '(f & 4) !== 0',
  bne: '(f & 4) === 0',
  blt: '(((f >>> 3) ^ f) & 1) !== 0',
  bge: '(((f >>> 3) ^ f) & 1) === 0',
  bgt: '((f & 4) === 0 && (((f >>> 3) ^ f) & 1) === 0)',
  ble: '((f & 4) !== 0 || (((f >>> 3) ^ f) & 1) !== 0)',
  blo: '(f & 2) === 0',
  bhs: '(f & 2) !== 0',
  bhi: '(f & 6) === 2',
  bls: '(f & 6) !== 2',
};

/** Branch conditions after `cmp a, b`, as comparisons of a and b (u = unsigned view). */
export const ON_CMP: Record<string, (a: string, b: string, u: (x: string) => string) => string> = {
  beq: (a, b) => `${a} === ${b}`,
  bne: (a, b) => `${a} !== ${b}`,
  blt: (a, b) => `${a} < ${b}`,
  bge: (a, b) => `${a} >= ${b}`,
  bgt: (a, b) => `${a} > ${b}`,
  ble: (a, b) => `${a} <= ${b}`,
  blo: (a, b, u) => `${u(a)} < ${u(b)}`,
  bhs: (a, b, u) => `${u(a)} >= ${u(b)}`,
  bhi: (a, b, u) => `${u(a)} > ${u(b)}`,
  bls: (a, b, u) => `${u(a)} <= ${u(b)}`,
};

/** Branch conditions after `tst` (v = a & b; C and V are clear). */
export const ON_TST: Record<string, (v: string, zero: string) => string> = {
  beq: (v, z) => `${v} === ${z}`,
  bne: (v, z) => `${v} !== ${z}`,
  blt: (v, z) => `${v} < ${z}`,
  bge: (v, z) => `${v} >= ${z}`,
  bgt: (v, z) => `${v} > ${z}`,
  ble: (v, z) => `${v} <= ${z}`,
  blo: () => 'true',
  bhs: () => 'false',
  bhi: () => 'false',
  bls: () => 'true',
};

/** Registers an instruction reads and writes (exactly: unused fields of its word are not counted). */
export function registerUse(d: Decoded): { readonly reads: readonly number[]; readonly writes: readonly number[] } {
  const m = d.op!.mnemonic;
  switch (d.op!.format) {
    case 'rrr':
      return { reads: [d.rs, d.rt], writes: [d.rd] };
    case 'rr':
    case 'rri':
      return { reads: [d.rs], writes: [d.rd] };
    case 'ri32':
    case 'ri64':
      return { reads: [], writes: [d.rd] };
    case 'cmp':
      return { reads: [d.rs, d.rt], writes: [] };
    case 'cmpi':
      return { reads: [d.rs], writes: [] };
    case 'mem':
      return m.startsWith('st') ? { reads: [d.rs, d.rd], writes: [] } : { reads: [d.rs], writes: [d.rd] };
    case 'r':
      return m === 'push' ? { reads: [d.rd, 15], writes: [15] } : { reads: [15], writes: [d.rd, 15] };
    case 'rs':
      return m === 'callr' ? { reads: [d.rs, 15], writes: [15] } : { reads: [d.rs], writes: [] };
    case 'j':
      return m === 'call' ? { reads: [15], writes: [15] } : { reads: [], writes: [] };
    case 'none':
      return m === 'ret' ? { reads: [15], writes: [15] } : { reads: [], writes: [] };
    case 'sys':
      return { reads: [], writes: [] };
  }
}

/** Which instruction last set the flags inside the block, as known at translation time. */
export type FlagSource = 'entry' | 'cmp' | 'tst';

/** Source fragments for one word size. */
export interface Dialect {
  /** Straight-line instruction (everything but control flow and sys), assigning locals. */
  straight(d: Decoded, pc: number, imm: bigint): string;
  /** A branch condition given what last set the flags. */
  condition(mnemonic: string, source: FlagSource): string;
  /** Statement turning lazy flags into `f`. */
  materialiseFlags(): string;
  /** Expression of a register as an unsigned address number. */
  address(reg: number): string;
  /** Fragment pushing the constant address `n` (a return address). */
  pushAddress(n: number): string;
  /** Fragment popping an address into the local `t`. */
  popAddress(): string;
  /** Declarations at block entry: the locals of the registers `regs`, read from `s.r`, and of the lazy flag operands. */
  enter(regs: readonly number[]): string;
  /** Statements writing the locals of the registers `regs` back to `s.r`. */
  leave(regs: readonly number[]): string;
}

/** Name of register local `i` (32-bit dialect). */
export const r = (i: number): string => `r${i}`;
/** Names of the page shift and mask constants inside a block function. */
export const PAGE_CONSTANTS = { shift: 'SH', mask: 'PM' };

/** A memory access: its size in bytes and whether a load sign-extends. */
export type Access = { readonly size: 1 | 2 | 4 | 8; readonly signed: boolean };

/** The alignment test of an access of `size` bytes at the local `a` (none for bytes). */
export function aligned(size: number): string {
  return size === 1 ? '' : ` && (a & ${size - 1}) === 0`;
}

/**
 * Where a block goes when an instruction cannot take its fast path (see cpu.ts):
 * the translator replaces it by a jump out of the block that stops just before
 * the instruction, which then runs alone in a checked step.
 */
export const MISS = '__MISS__';

/**
 * What a dialect's memory accesses and divisions do when the fast path does not
 * apply: `exit` leaves the block at {@link MISS} (blocks, whose loops then hold
 * no call that could change memory, so V8 keeps the typed arrays in registers);
 * `call` calls the checked method, which raises the precise fault (the checked
 * step of one instruction).
 */
export type SlowMode = 'exit' | 'call';

/**
 * The fast path of a block (mode `exit`) for an access of `size` bytes at the
 * local `a`, through the direct map (`RD` for loads: mapped, present, readable;
 * `WR` for stores: present, writable, already dirty), else {@link MISS}. The page
 * of the last access of each kind stays in locals (`cR`/`bR`, `cW`/`bW`: virtual
 * page, physical offset): within one call of a block the direct map cannot
 * change — a block makes no call and leaves at every miss — so a page found
 * usable stays usable until it returns. `guard` misses first when the address is
 * not the number `a` (64-bit registers beyond 2^32).
 */
export function cachedAccess(size: number, store: boolean, fast: (off: string) => string, guard = ''): string {
  const [c, b, table] = store ? ['cW', 'bW', 'WR'] : ['cR', 'bR', 'RD'];
  return (
    `${guard}const v = a >>> ${PAGE_CONSTANTS.shift}; ` +
    `if (v !== ${c}) { const b = a < LIM ? ${table}[v] : -1; if (b < 0) ${MISS} ${c} = v; ${b} = b; } ` +
    (size === 1 ? '' : `if ((a & ${size - 1}) !== 0) ${MISS} `) +
    fast(`${b} + (a & ${PAGE_CONSTANTS.mask})`)
  );
}

/** Declarations of the page cache of {@link cachedAccess}, at a block's entry. */
export const PAGE_CACHE = 'let cR = -1, bR = 0, cW = -1, bW = 0;';

/**
 * A load of `acc.size` bytes at `addr`. Mode `exit`: {@link cachedAccess}. Mode
 * `call`: the fast path when the direct map lets the page be read now and the
 * address is aligned, else the checked method `slow`, which raises the precise fault.
 */
export function load(addr: string, acc: Access, slow: string, fast: (off: string) => string, mode: SlowMode): string {
  if (mode === 'exit') return `{ const a = ${addr}; ${cachedAccess(acc.size, false, fast)} }`;
  return (
    `{ const a = ${addr}, b = a < LIM ? RD[a >>> ${PAGE_CONSTANTS.shift}] : -1; ` +
    `if (b >= 0${aligned(acc.size)}) { ${fast(`b + (a & ${PAGE_CONSTANTS.mask})`)} } ` +
    `else { ${slow.replace('ADDR', 'a')} } }`
  );
}

/**
 * A store of `size` bytes at `addr`, as {@link load} with `WR`; the checked store
 * faults or marks the page dirty (the page then joins `WR`).
 */
export function store(addr: string, size: number, slow: string, fast: (off: string) => string, mode: SlowMode): string {
  if (mode === 'exit') return `{ const a = ${addr}; ${cachedAccess(size, true, fast)} }`;
  return (
    `{ const a = ${addr}, b = a < LIM ? WR[a >>> ${PAGE_CONSTANTS.shift}] : -1; ` +
    `if (b >= 0${aligned(size)}) { ${fast(`b + (a & ${PAGE_CONSTANTS.mask})`)} } ` +
    `else { ${slow.replace('ADDR', 'a')} } }`
  );
}

/** The division-by-zero check: a trap (mode `call`) or {@link MISS} (mode `exit`: the checked step traps). */
export function divideCheck(zero: string, pc: number, mode: SlowMode): string {
  return `if (${zero}) ${mode === 'exit' ? MISS : `throw new H.CpuTrap('divide-by-zero', ${pc}, 'division by zero');`}`;
}

/** Immediate instructions and the operator they apply. */
export const IMM_OPS: Record<string, string> = {
  addi: 'add', muli: 'mul', andi: 'and', ori: 'or', xori: 'xor', shli: 'shl', shri: 'shr', sari: 'sar',
};
