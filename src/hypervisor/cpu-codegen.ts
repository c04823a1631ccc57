/**
 * Semantics of every MV instruction, written once, as JavaScript source fragments.
 * The translator (cpu.ts) strings fragments together into one function per basic
 * block; single-stepping is the same translation with a block of one instruction,
 * so there is exactly one definition of what an instruction does.
 *
 * Registers live in locals `r0`..`r15` inside a block function. On 32-bit nodes a
 * register is a signed int32 held in a JS number; on 64-bit nodes a signed BigInt
 * kept wrapped with BigInt.asIntN(64, ·). `f` holds the NZCV flags, `m` is the
 * task's address space, `H` the helpers below.
 */
import type { WordSize } from './config-model.ts';
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

/** Condition on the flags register, per branch mnemonic. */
const CONDITIONS: Record<string, string> = {
  b: 'true',
  beq: '(f & 4) !== 0',
  bne: '(f & 4) === 0',
  blt: '(((f >>> 3) ^ f) & 1) !== 0',
  bge: '(((f >>> 3) ^ f) & 1) === 0',
  bgt: '(f & 4) === 0 && (((f >>> 3) ^ f) & 1) === 0',
  ble: '((f & 4) !== 0 || (((f >>> 3) ^ f) & 1) !== 0)',
  blo: '(f & 2) === 0',
  bhs: '(f & 2) !== 0',
  bhi: '(f & 6) === 2',
  bls: '(f & 6) !== 2',
};

export function branchCondition(mnemonic: string): string {
  const c = CONDITIONS[mnemonic];
  if (c === undefined) throw new Error(`not a branch: ${mnemonic}`);
  return c;
}

/** Source fragments for one word size. */
export interface Dialect {
  /** Straight-line instruction (everything but control flow and sys), assigning locals. */
  straight(d: Decoded, pc: number, imm: bigint): string;
  /** Expression of a register as an unsigned address number. */
  address(reg: number): string;
  /** Fragment pushing the value `expr` (already in register representation). */
  push(expr: string): string;
  /** Fragment popping into the JS number local `t` (address). */
  popAddress(): string;
  /** Literal of an address as a register value. */
  literal(n: number): string;
}

const r = (i: number): string => `r${i}`;

function dialect32(): Dialect {
  const addr = (d: Decoded): string => `((${r(d.rs)} + ${d.imm}) >>> 0)`;
  const bin: Record<string, (a: string, b: string) => string> = {
    add: (a, b) => `(${a} + ${b}) | 0`,
    sub: (a, b) => `(${a} - ${b}) | 0`,
    mul: (a, b) => `Math.imul(${a}, ${b})`,
    and: (a, b) => `${a} & ${b}`,
    or: (a, b) => `${a} | ${b}`,
    xor: (a, b) => `${a} ^ ${b}`,
    shl: (a, b) => `${a} << ${b}`,
    shr: (a, b) => `(${a} >>> ${b}) | 0`,
    sar: (a, b) => `${a} >> ${b}`,
  };
  const divs: Record<string, (a: string, b: string) => string> = {
    div: (a, b) => `(${a} / ${b}) | 0`,
    divu: (a, b) => `((${a} >>> 0) / (${b} >>> 0)) | 0`,
    rem: (a, b) => `(${a} % ${b}) | 0`,
    remu: (a, b) => `((${a} >>> 0) % (${b} >>> 0)) | 0`,
  };
  const immOps: Record<string, string> = {
    addi: 'add', muli: 'mul', andi: 'and', ori: 'or', xori: 'xor', shli: 'shl', shri: 'shr', sari: 'sar',
  };
  return {
    address: (reg) => `(${r(reg)} >>> 0)`,
    literal: (n) => `${n | 0}`,
    push: (expr) => `{ const t = (r15 - 4) | 0; m.st32(t >>> 0, ${expr}); r15 = t; }`,
    popAddress: () => `const t = m.ld32u(r15 >>> 0); r15 = (r15 + 4) | 0;`,
    straight(d, pc, imm) {
      const m = d.op!.mnemonic;
      const [rd, rs, rt] = [r(d.rd), r(d.rs), r(d.rt)];
      if (m in bin) return `${rd} = ${bin[m]!(rs, rt)};`;
      if (m in divs) return `if (${rt} === 0) throw new H.CpuTrap('divide-by-zero', ${pc}, 'division by zero'); ${rd} = ${divs[m]!(rs, rt)};`;
      if (m in immOps) return `${rd} = ${bin[immOps[m]!]!(rs, String(d.imm))};`;
      switch (m) {
        case 'nop':
          return '';
        case 'mov':
          return `${rd} = ${rs};`;
        case 'not':
          return `${rd} = ~${rs};`;
        case 'neg':
          return `${rd} = (-${rs}) | 0;`;
        case 'li':
        case 'liu':
          return `${rd} = ${Number(BigInt.asIntN(32, imm))};`;
        case 'cmp':
          return `f = H.flags32(${rs}, ${rt});`;
        case 'cmpi':
          return `f = H.flags32(${rs}, ${d.imm});`;
        case 'tst':
          return `f = H.testFlags(${rs} & ${rt});`;
        case 'ldb':
          return `${rd} = m.ld8(${addr(d)});`;
        case 'ldbs':
          return `${rd} = m.ld8s(${addr(d)});`;
        case 'ldh':
          return `${rd} = m.ld16(${addr(d)});`;
        case 'ldhs':
          return `${rd} = m.ld16s(${addr(d)});`;
        case 'ldw':
        case 'ldws':
          return `${rd} = m.ld32(${addr(d)});`;
        case 'stb':
          return `m.st8(${addr(d)}, ${rd} & 255);`;
        case 'sth':
          return `m.st16(${addr(d)}, ${rd});`;
        case 'stw':
          return `m.st32(${addr(d)}, ${rd});`;
        case 'push':
          return `{ const t = (r15 - 4) | 0; m.st32(t >>> 0, ${rd}); r15 = t; }`;
        case 'pop':
          return `{ const t = m.ld32(r15 >>> 0); r15 = (r15 + 4) | 0; ${rd} = t; }`;
        default:
          throw new Error(`no 32-bit semantics for ${m}`);
      }
    },
  };
}

function dialect64(): Dialect {
  const W = (e: string): string => `BigInt.asIntN(64, ${e})`;
  const U = (e: string): string => `BigInt.asUintN(64, ${e})`;
  const addr = (d: Decoded): string => `(Number(${r(d.rs)}) + ${d.imm})`;
  const bin: Record<string, (a: string, b: string) => string> = {
    add: (a, b) => W(`${a} + ${b}`),
    sub: (a, b) => W(`${a} - ${b}`),
    mul: (a, b) => W(`${a} * ${b}`),
    and: (a, b) => `${a} & ${b}`,
    or: (a, b) => `${a} | ${b}`,
    xor: (a, b) => `${a} ^ ${b}`,
    shl: (a, b) => W(`${a} << (${b} & 63n)`),
    shr: (a, b) => W(`${U(a)} >> (${b} & 63n)`),
    sar: (a, b) => `${a} >> (${b} & 63n)`,
  };
  const divs: Record<string, (a: string, b: string) => string> = {
    div: (a, b) => W(`${a} / ${b}`),
    divu: (a, b) => W(`${U(a)} / ${U(b)}`),
    rem: (a, b) => `${a} % ${b}`,
    remu: (a, b) => W(`${U(a)} % ${U(b)}`),
  };
  const immOps: Record<string, string> = {
    addi: 'add', muli: 'mul', andi: 'and', ori: 'or', xori: 'xor', shli: 'shl', shri: 'shr', sari: 'sar',
  };
  return {
    address: (reg) => `Number(${U(r(reg))})`,
    literal: (n) => `${n}n`,
    push: (expr) => `{ const t = ${W('r15 - 8n')}; m.st64(Number(t), ${expr}); r15 = t; }`,
    popAddress: () => `const t = Number(BigInt.asUintN(64, m.ld64(Number(r15)))); r15 = ${W('r15 + 8n')};`,
    straight(d, pc, imm) {
      const m = d.op!.mnemonic;
      const [rd, rs, rt] = [r(d.rd), r(d.rs), r(d.rt)];
      if (m in bin) return `${rd} = ${bin[m]!(rs, rt)};`;
      if (m in divs) return `if (${rt} === 0n) throw new H.CpuTrap('divide-by-zero', ${pc}, 'division by zero'); ${rd} = ${divs[m]!(rs, rt)};`;
      if (m in immOps) return `${rd} = ${bin[immOps[m]!]!(rs, `${d.imm}n`)};`;
      switch (m) {
        case 'nop':
          return '';
        case 'mov':
          return `${rd} = ${rs};`;
        case 'not':
          return `${rd} = ~${rs};`;
        case 'neg':
          return `${rd} = ${W(`-${rs}`)};`;
        case 'li':
          return `${rd} = ${BigInt.asIntN(32, imm)}n;`;
        case 'liu':
          return `${rd} = ${BigInt.asUintN(32, imm)}n;`;
        case 'liw':
          return `${rd} = ${BigInt.asIntN(64, imm)}n;`;
        case 'cmp':
          return `f = H.flags64(${rs}, ${rt});`;
        case 'cmpi':
          return `f = H.flags64(${rs}, ${d.imm}n);`;
        case 'tst':
          return `f = H.testFlags(${rs} & ${rt});`;
        case 'ldb':
          return `${rd} = BigInt(m.ld8(${addr(d)}));`;
        case 'ldbs':
          return `${rd} = BigInt(m.ld8s(${addr(d)}));`;
        case 'ldh':
          return `${rd} = BigInt(m.ld16(${addr(d)}));`;
        case 'ldhs':
          return `${rd} = BigInt(m.ld16s(${addr(d)}));`;
        case 'ldw':
          return `${rd} = BigInt(m.ld32u(${addr(d)}));`;
        case 'ldws':
          return `${rd} = BigInt(m.ld32(${addr(d)}));`;
        case 'ldd':
          return `${rd} = m.ld64(${addr(d)});`;
        case 'stb':
          return `m.st8(${addr(d)}, Number(BigInt.asUintN(8, ${rd})));`;
        case 'sth':
          return `m.st16(${addr(d)}, Number(BigInt.asUintN(16, ${rd})));`;
        case 'stw':
          return `m.st32(${addr(d)}, Number(BigInt.asIntN(32, ${rd})));`;
        case 'std':
          return `m.st64(${addr(d)}, ${rd});`;
        case 'push':
          return `{ const t = ${W('r15 - 8n')}; m.st64(Number(t), ${rd}); r15 = t; }`;
        case 'pop':
          return `{ const t = m.ld64(Number(r15)); r15 = ${W('r15 + 8n')}; ${rd} = t; }`;
        default:
          throw new Error(`no 64-bit semantics for ${m}`);
      }
    },
  };
}

export function dialectFor(word: WordSize): Dialect {
  return word === 64 ? dialect64() : dialect32();
}
