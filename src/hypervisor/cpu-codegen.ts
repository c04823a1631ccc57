/**
 * Semantics of every MV instruction, written once, as JavaScript source fragments.
 * The translator (cpu.ts) strings fragments together into one function per basic
 * block; single-stepping is the same translation with a block of one instruction,
 * so there is exactly one definition of what an instruction does.
 *
 * Inside a block function:
 * - registers live in locals `r0`..`r15`: on 32-bit nodes a signed int32 in a JS
 *   number, on 64-bit nodes a signed BigInt kept wrapped with BigInt.asIntN(64, ·);
 * - flags are lazy: `cmp` only records its operands (`fa`, `fb`, `fk = 1`; `tst`
 *   sets `fk = 2`), branches compare the operands directly, and the NZCV value
 *   `f` is computed only when the block exits or faults;
 * - memory accesses take an inline fast path through the address space's direct
 *   map (`V` virtual page → page index, `P` physical offset, `PT` page-table bits)
 *   and fall back to the checked methods of `m`, which raise the precise faults.
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

/** Branch conditions on the materialised flags register. */
const ON_FLAGS: Record<string, string> = {
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
const ON_CMP: Record<string, (a: string, b: string, u: (x: string) => string) => string> = {
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
const ON_TST: Record<string, (v: string, zero: string) => string> = {
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
  /** Fragment pushing the value `expr` (in register representation). */
  push(expr: string): string;
  /** Fragment popping an address into the local `t`. */
  popAddress(): string;
  /** Literal of an address as a register value. */
  literal(n: number): string;
}

const r = (i: number): string => `r${i}`;
const PAGE_CONSTANTS = { shift: 'SH', mask: 'PM' };

type Access = { readonly size: 1 | 2 | 4 | 8; readonly signed: boolean };

/**
 * Inline memory access: the fast path when the page is mapped, aligned, present
 * and has the right, else the checked slow method (which throws the fault).
 */
function load(addr: string, acc: Access, slow: string, fast: (off: string) => string): string {
  const need = 5; // PRESENT | READ
  return (
    `{ const a = ${addr}, p = a < LIM ? V[a >>> ${PAGE_CONSTANTS.shift}] : -1; ` +
    `if (p >= 0 && (a & ${acc.size - 1}) === 0 && (PT[p] & ${need}) === ${need}) { ${fast(`P[p] + (a & ${PAGE_CONSTANTS.mask})`)} } ` +
    `else { ${slow.replace('ADDR', 'a')} } }`
  );
}

function store(addr: string, size: number, slow: string, fast: (off: string) => string): string {
  const need = 9; // PRESENT | WRITE
  return (
    `{ const a = ${addr}, p = a < LIM ? V[a >>> ${PAGE_CONSTANTS.shift}] : -1; ` +
    `if (p >= 0 && (a & ${size - 1}) === 0 && (PT[p] & ${need}) === ${need}) { ${fast(`P[p] + (a & ${PAGE_CONSTANTS.mask})`)} PT[p] |= 2; } ` +
    `else { ${slow.replace('ADDR', 'a')} } }`
  );
}

const IMM_OPS: Record<string, string> = {
  addi: 'add', muli: 'mul', andi: 'and', ori: 'or', xori: 'xor', shli: 'shl', shri: 'shr', sari: 'sar',
};

function dialect32(le: boolean): Dialect {
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
  const LE = String(le);
  const ld32 = (rd: string) => (off: string) => (le ? `${rd} = M32[(${off}) >> 2];` : `${rd} = DV.getInt32(${off}, false);`);
  const st32 = (v: string) => (off: string) => (le ? `M32[(${off}) >> 2] = ${v};` : `DV.setInt32(${off}, ${v}, false);`);
  return {
    address: (reg) => `(${r(reg)} >>> 0)`,
    literal: (n) => `${n | 0}`,
    push: (expr) => `{ const t = (r15 - 4) | 0; ${store('(t >>> 0)', 4, 'm.st32(ADDR, ' + expr + ');', st32(expr))} r15 = t; }`,
    popAddress: () => `let t; ${load('(r15 >>> 0)', { size: 4, signed: false }, 't = m.ld32u(ADDR);', (off) => `t = ${le ? `M32[(${off}) >> 2] >>> 0` : `DV.getUint32(${off}, false)`};`)} r15 = (r15 + 4) | 0;`,
    materialiseFlags: () => 'if (fk === 1) f = H.flags32(fa, fb); else if (fk === 2) f = H.testFlags(fa);',
    condition(m, source) {
      if (m === 'b') return 'true';
      if (source === 'cmp') return ON_CMP[m]!('fa', 'fb', (x) => `(${x} >>> 0)`);
      if (source === 'tst') return ON_TST[m]!('fa', '0');
      return ON_FLAGS[m]!;
    },
    straight(d, pc, imm) {
      const m = d.op!.mnemonic;
      const [rd, rs, rt] = [r(d.rd), r(d.rs), r(d.rt)];
      if (m in bin) return `${rd} = ${bin[m]!(rs, rt)};`;
      if (m in divs) return `if (${rt} === 0) throw new H.CpuTrap('divide-by-zero', ${pc}, 'division by zero'); ${rd} = ${divs[m]!(rs, rt)};`;
      if (m in IMM_OPS) return `${rd} = ${bin[IMM_OPS[m]!]!(rs, String(d.imm))};`;
      const a = addr(d);
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
          return `fa = ${rs}; fb = ${rt}; fk = 1;`;
        case 'cmpi':
          return `fa = ${rs}; fb = ${d.imm}; fk = 1;`;
        case 'tst':
          return `fa = ${rs} & ${rt}; fk = 2;`;
        case 'ldb':
          return load(a, { size: 1, signed: false }, `${rd} = m.ld8(ADDR);`, (o) => `${rd} = M8[${o}];`);
        case 'ldbs':
          return load(a, { size: 1, signed: true }, `${rd} = m.ld8s(ADDR);`, (o) => `${rd} = (M8[${o}] << 24) >> 24;`);
        case 'ldh':
          return load(a, { size: 2, signed: false }, `${rd} = m.ld16(ADDR);`, (o) => `${rd} = DV.getUint16(${o}, ${LE});`);
        case 'ldhs':
          return load(a, { size: 2, signed: true }, `${rd} = m.ld16s(ADDR);`, (o) => `${rd} = DV.getInt16(${o}, ${LE});`);
        case 'ldw':
        case 'ldws':
          return load(a, { size: 4, signed: true }, `${rd} = m.ld32(ADDR);`, ld32(rd));
        case 'stb':
          return store(a, 1, `m.st8(ADDR, ${rd} & 255);`, (o) => `M8[${o}] = ${rd};`);
        case 'sth':
          return store(a, 2, `m.st16(ADDR, ${rd});`, (o) => `DV.setUint16(${o}, ${rd} & 0xffff, ${LE});`);
        case 'stw':
          return store(a, 4, `m.st32(ADDR, ${rd});`, st32(rd));
        case 'push':
          return `{ const t = (r15 - 4) | 0; ${store('(t >>> 0)', 4, `m.st32(ADDR, ${rd});`, st32(rd))} r15 = t; }`;
        case 'pop':
          return `{ let t; ${load('(r15 >>> 0)', { size: 4, signed: true }, 't = m.ld32(ADDR);', ld32('t'))} r15 = (r15 + 4) | 0; ${rd} = t; }`;
        default:
          throw new Error(`no 32-bit semantics for ${m}`);
      }
    },
  };
}

function dialect64(le: boolean): Dialect {
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
  const LE = String(le);
  const ld64 = (rd: string) => (o: string) => `${rd} = DV.getBigInt64(${o}, ${LE});`;
  const st64 = (v: string) => (o: string) => `DV.setBigInt64(${o}, ${v}, ${LE});`;
  return {
    address: (reg) => `Number(${U(r(reg))})`,
    literal: (n) => `${n}n`,
    push: (expr) => `{ const t = ${W('r15 - 8n')}; ${store('Number(t)', 8, `m.st64(ADDR, ${expr});`, st64(expr))} r15 = t; }`,
    popAddress: () =>
      `let t; ${load('Number(r15)', { size: 8, signed: false }, 't = Number(BigInt.asUintN(64, m.ld64(ADDR)));', (o) => `t = Number(DV.getBigUint64(${o}, ${LE}));`)} r15 = ${W('r15 + 8n')};`,
    materialiseFlags: () => 'if (fk === 1) f = H.flags64(fa, fb); else if (fk === 2) f = H.testFlags(fa);',
    condition(m, source) {
      if (m === 'b') return 'true';
      if (source === 'cmp') return ON_CMP[m]!('fa', 'fb', (x) => U(x));
      if (source === 'tst') return ON_TST[m]!('fa', '0n');
      return ON_FLAGS[m]!;
    },
    straight(d, pc, imm) {
      const m = d.op!.mnemonic;
      const [rd, rs, rt] = [r(d.rd), r(d.rs), r(d.rt)];
      if (m in bin) return `${rd} = ${bin[m]!(rs, rt)};`;
      if (m in divs) return `if (${rt} === 0n) throw new H.CpuTrap('divide-by-zero', ${pc}, 'division by zero'); ${rd} = ${divs[m]!(rs, rt)};`;
      if (m in IMM_OPS) return `${rd} = ${bin[IMM_OPS[m]!]!(rs, `${d.imm}n`)};`;
      const a = addr(d);
      const B = (e: string): string => `BigInt(${e})`;
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
          return `fa = ${rs}; fb = ${rt}; fk = 1;`;
        case 'cmpi':
          return `fa = ${rs}; fb = ${d.imm}n; fk = 1;`;
        case 'tst':
          return `fa = ${rs} & ${rt}; fk = 2;`;
        case 'ldb':
          return load(a, { size: 1, signed: false }, `${rd} = ${B('m.ld8(ADDR)')};`, (o) => `${rd} = ${B(`M8[${o}]`)};`);
        case 'ldbs':
          return load(a, { size: 1, signed: true }, `${rd} = ${B('m.ld8s(ADDR)')};`, (o) => `${rd} = ${B(`DV.getInt8(${o})`)};`);
        case 'ldh':
          return load(a, { size: 2, signed: false }, `${rd} = ${B('m.ld16(ADDR)')};`, (o) => `${rd} = ${B(`DV.getUint16(${o}, ${LE})`)};`);
        case 'ldhs':
          return load(a, { size: 2, signed: true }, `${rd} = ${B('m.ld16s(ADDR)')};`, (o) => `${rd} = ${B(`DV.getInt16(${o}, ${LE})`)};`);
        case 'ldw':
          return load(a, { size: 4, signed: false }, `${rd} = ${B('m.ld32u(ADDR)')};`, (o) => `${rd} = ${B(`DV.getUint32(${o}, ${LE})`)};`);
        case 'ldws':
          return load(a, { size: 4, signed: true }, `${rd} = ${B('m.ld32(ADDR)')};`, (o) => `${rd} = ${B(`DV.getInt32(${o}, ${LE})`)};`);
        case 'ldd':
          return load(a, { size: 8, signed: true }, `${rd} = m.ld64(ADDR);`, ld64(rd));
        case 'stb':
          return store(a, 1, `m.st8(ADDR, Number(BigInt.asUintN(8, ${rd})));`, (o) => `M8[${o}] = Number(BigInt.asUintN(8, ${rd}));`);
        case 'sth':
          return store(a, 2, `m.st16(ADDR, Number(BigInt.asUintN(16, ${rd})));`, (o) => `DV.setUint16(${o}, Number(BigInt.asUintN(16, ${rd})), ${LE});`);
        case 'stw':
          return store(a, 4, `m.st32(ADDR, Number(BigInt.asIntN(32, ${rd})));`, (o) => `DV.setInt32(${o}, Number(BigInt.asIntN(32, ${rd})), ${LE});`);
        case 'std':
          return store(a, 8, `m.st64(ADDR, ${rd});`, st64(rd));
        case 'push':
          return `{ const t = ${W('r15 - 8n')}; ${store('Number(t)', 8, `m.st64(ADDR, ${rd});`, st64(rd))} r15 = t; }`;
        case 'pop':
          return `{ let t; ${load('Number(r15)', { size: 8, signed: true }, 't = m.ld64(ADDR);', ld64('t'))} r15 = ${W('r15 + 8n')}; ${rd} = t; }`;
        default:
          throw new Error(`no 64-bit semantics for ${m}`);
      }
    },
  };
}

export function dialectFor(word: WordSize, littleEndian: boolean): Dialect {
  return word === 64 ? dialect64(littleEndian) : dialect32(littleEndian);
}
