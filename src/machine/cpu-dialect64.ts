/**
 * The 64-bit dialect of the MV semantics (see cpu-codegen.ts): every register two
 * int32 locals (low and high half), with carries, borrows and partial products
 * computed on the halves, so no BigInt is made on the hot path.
 */
import { DIV, DIVU, HOST_LITTLE_ENDIAN, highIndex, lowIndex, REM, REMU } from './cpu-int64.ts';
import { aligned, divideCheck, IMM_OPS, MISS, ON_FLAGS, PAGE_CONSTANTS, type Dialect, type SlowMode } from './cpu-codegen.ts';

/** A 64-bit operand as two int32 source expressions (`k`: the value, when a translation-time constant). */
interface Pair {
  readonly l: string;
  readonly h: string;
  readonly k?: bigint;
}

const pairOf = (i: number): Pair => ({ l: `r${i}l`, h: `r${i}h` });

/** A constant as halves (any BigInt, taken modulo 2^64). */
function constant(v: bigint): Pair {
  const w = BigInt.asIntN(64, v);
  return { l: String(Number(BigInt.asIntN(32, w))), h: String(Number(w >> 32n)), k: w };
}

/** Assigns the halves of a result computed from the old values (the destination may be a source). */
function assign(d: Pair, lo: string, hi: string): string {
  return `{ const xl = ${lo}, xh = ${hi}; ${d.l} = xl; ${d.h} = xh; }`;
}

/*
 * Carries and borrows are computed without branches (Hacker's Delight 2-13): for
 * s = (x + y) | 0 the carry out of bit 31 is ((x & y) | ((x | y) & ~s)) >>> 31, and
 * for d = (x - y) | 0 the borrow is ((~x & y) | ((~x | y) & d)) >>> 31. A compare
 * and a conditional would do too, but the branches they make cost V8's register
 * allocator dearly in long blocks.
 */
const carry = (x: string, y: string, s: string): string => `(((${x} & ${y}) | ((${x} | ${y}) & ~${s})) >>> 31)`;
const borrow = (x: string, y: string, d: string): string => `(((~${x} & ${y}) | ((~${x} | ${y}) & ${d})) >>> 31)`;

/** d = a + b, carrying from the low half into the high one. */
function add64(d: Pair, a: Pair, b: Pair): string {
  return `{ const xl = (${a.l} + ${b.l}) | 0; ${d.h} = (${a.h} + ${b.h} + ${carry(a.l, b.l, 'xl')}) | 0; ${d.l} = xl; }`;
}

/** d = a - b, borrowing from the high half. */
function sub64(d: Pair, a: Pair, b: Pair): string {
  return `{ const xl = (${a.l} - ${b.l}) | 0; ${d.h} = (${a.h} - ${b.h} - ${borrow(a.l, b.l, 'xl')}) | 0; ${d.l} = xl; }`;
}

/** d = low 64 bits of a * b: lo*lo in full, plus the cross products into the high half. */
function mul64(d: Pair, a: Pair, b: Pair): string {
  const cross = [b.h === '0' ? '' : ` + Math.imul(${a.l}, ${b.h})`, a.h === '0' ? '' : ` + Math.imul(${a.h}, ${b.l})`].join('');
  return `{ const xl = Math.imul(${a.l}, ${b.l}); ${d.h} = (H.mulhu(${a.l}, ${b.l})${cross}) | 0; ${d.l} = xl; }`;
}

type ShiftKind = 'shl' | 'shr' | 'sar';

/** [low, high] of a shifted by the constant n (0..63). */
function shiftBy(kind: ShiftKind, a: Pair, n: number): [string, string] {
  if (n === 0) return [a.l, a.h];
  if (kind === 'shl') {
    if (n < 32) return [`${a.l} << ${n}`, `(${a.h} << ${n}) | (${a.l} >>> ${32 - n})`];
    return ['0', `${a.l} << ${n - 32}`];
  }
  const low = `(${a.l} >>> ${n}) | (${a.h} << ${32 - n})`;
  if (kind === 'shr') {
    if (n < 32) return [low, `(${a.h} >>> ${n}) | 0`];
    return [`(${a.h} >>> ${n - 32}) | 0`, '0'];
  }
  if (n < 32) return [low, `${a.h} >> ${n}`];
  return [`${a.h} >> ${n - 32}`, `${a.h} >> 31`];
}

/** d = a shifted by b (the amount is b & 63). */
function shift64(kind: ShiftKind, d: Pair, a: Pair, b: Pair): string {
  if (b.k !== undefined) {
    const [lo, hi] = shiftBy(kind, a, Number(b.k & 63n));
    return assign(d, lo, hi);
  }
  // Without branches: JS shifts take the amount mod 32, `sm` is all ones when the
  // amount `sa` is 32 or more, and (x >>> 1) >>> (31 - sa), (x << 1) << (31 - sa) are
  // x >>> (32 - sa), x << (32 - sa) that also give 0 for sa = 0.
  const head = `const sa = ${b.l} & 63, sm = -((sa >> 5) & 1)`;
  const fill = '(~sa & 31)';
  if (kind === 'shl')
    return `{ ${head}, xl = (${a.l} << sa) & ~sm; ${d.h} = (((${a.h} << sa) | ((${a.l} >>> 1) >>> ${fill})) & ~sm) | ((${a.l} << sa) & sm); ${d.l} = xl; }`;
  const high = kind === 'shr' ? `(${a.h} >>> sa) & sm` : `(${a.h} >> sa) & sm`;
  const top = kind === 'shr' ? `(${a.h} >>> sa) & ~sm` : `((${a.h} >> sa) & ~sm) | ((${a.h} >> 31) & sm)`;
  return `{ ${head}, xl = (((${a.l} >>> sa) | ((${a.h} << 1) << ${fill})) & ~sm) | (${high}); ${d.h} = ${top}; ${d.l} = xl; }`;
}

/** Comparison of two 64-bit values given as halves: `op` is <, <=, >, >=, === or !==. */
function compare64(op: string, a: Pair, b: Pair, signed: boolean): string {
  if (op === '===') return `(${a.l} === ${b.l} && ${a.h} === ${b.h})`;
  if (op === '!==') return `(${a.l} !== ${b.l} || ${a.h} !== ${b.h})`;
  const strict = op[0]!; // < or >
  const [ah, bh] = signed ? [a.h, b.h] : [`(${a.h} >>> 0)`, `(${b.h} >>> 0)`];
  return `(${ah} ${strict} ${bh} || (${a.h} === ${b.h} && (${a.l} >>> 0) ${op} (${b.l} >>> 0)))`;
}

const CMP64: Record<string, [string, boolean]> = {
  beq: ['===', true],
  bne: ['!==', true],
  blt: ['<', true],
  bge: ['>=', true],
  bgt: ['>', true],
  ble: ['<=', true],
  blo: ['<', false],
  bhs: ['>=', false],
  bhi: ['>', false],
  bls: ['<=', false],
};

/** Branch conditions after `tst` on v = (fal, fah), as signed comparisons with zero (C and V are clear). */
const TST64: Record<string, string> = {
  beq: '(fal | fah) === 0',
  bne: '(fal | fah) !== 0',
  blt: 'fah < 0',
  bge: 'fah >= 0',
  bgt: '(fah > 0 || (fah === 0 && fal !== 0))',
  ble: '(fah < 0 || (fal | fah) === 0)',
  blo: 'true',
  bhs: 'false',
  bhi: 'false',
  bls: 'true',
};

const DIV_KIND: Record<string, number> = { div: DIV, divu: DIVU, rem: REM, remu: REMU };

/**
 * Inline 64-bit memory access at (h, l) + imm. The fast path needs the exact
 * address to lie in [0, 2^32) and below the direct map's limit (high half zero,
 * no carry or borrow out of the low half); every other address, including
 * negative ones and ones beyond 2^53, takes the checked slow path with the
 * address as the number Number(register) + imm, which raises the precise fault.
 */
function access64(h: string, l: string, imm: number, size: number, store: boolean, slow: string, fast: (off: string) => string, mode: SlowMode): string {
  const table = store ? 'WR' : 'RD'; // see load() and store() in cpu-codegen.ts
  const a = imm === 0 ? `${l} >>> 0` : `(${l} + ${imm}) >>> 0`;
  const inRange = imm === 0 ? '' : imm > 0 ? ` && a >= ${imm}` : ` && (${l} >>> 0) >= ${-imm}`;
  // No page cache here (cachedAccess): with two locals a register, it cost more than it saved.
  const exact = `${h} * 4294967296 + (${l} >>> 0)${imm === 0 ? '' : ` + ${imm}`}`;
  return (
    `{ const a = ${a}, b = ${h} === 0${inRange} && a < LIM ? ${table}[a >>> ${PAGE_CONSTANTS.shift}] : -1; ` +
    `if (b >= 0${aligned(size)}) { ${fast(`b + (a & ${PAGE_CONSTANTS.mask})`)} } ` +
    `else { ${mode === 'exit' ? MISS : `const a = ${exact}; ${slow.replace('ADDR', 'a')}`} } }`
  );
}

/** The 64-bit dialect for a byte order, with memory misses handled as `mode` says. */
export function dialect64(le: boolean, mode: SlowMode): Dialect {
  const access = (h: string, l: string, imm: number, size: number, store: boolean, slow: string, fast: (off: string) => string): string =>
    access64(h, l, imm, size, store, slow, fast, mode);
  const LE = String(le);
  // Little-endian words on a little-endian host go through the Int32Array view, like the 32-bit dialect.
  const words = le && HOST_LITTLE_ENDIAN;
  const get32 = (o: string): string => (words ? `M32[(${o}) >> 2]` : `DV.getInt32(${o}, ${LE})`);
  const set32 = (o: string, v: string): string => (words ? `M32[(${o}) >> 2] = ${v};` : `DV.setInt32(${o}, ${v}, ${LE});`);
  /** Statements reading the 8 bytes at offset `o` into the halves (lo, hi). */
  const get64 = (lo: string, hi: string) => (o: string): string =>
    le ? `{ const o = ${o}; ${lo} = ${get32('o')}; ${hi} = ${get32('o + 4')}; }` : `{ const o = ${o}; ${hi} = ${get32('o')}; ${lo} = ${get32('o + 4')}; }`;
  const set64 = (lo: string, hi: string) => (o: string): string =>
    le ? `{ const o = ${o}; ${set32('o', lo)} ${set32('o + 4', hi)} }` : `{ const o = ${o}; ${set32('o', hi)} ${set32('o + 4', lo)} }`;
  const slowGet64 = (lo: string, hi: string): string => `{ const v = m.ld64(ADDR); ${lo} = H.low(v); ${hi} = H.high(v); }`;
  /** `r15 -= 8` into the locals tl/th, then `body`, then sp = (tl, th). */
  const pushing = (body: string): string =>
    `{ const tl = (r15l - 8) | 0, th = (r15h - ${borrow('r15l', '8', 'tl')}) | 0; ${body} r15l = tl; r15h = th; }`;
  const pushHalves = (lo: string, hi: string, big: string): string =>
    pushing(access('th', 'tl', 0, 8, true, `m.st64(ADDR, ${big});`, set64(lo, hi)));
  const popSp = add64(pairOf(15), pairOf(15), constant(8n));
  const binary: Record<string, (d: Pair, a: Pair, b: Pair) => string> = {
    add: add64,
    sub: sub64,
    mul: mul64,
    and: (d, a, b) => `${d.l} = ${a.l} & ${b.l}; ${d.h} = ${a.h} & ${b.h};`,
    or: (d, a, b) => `${d.l} = ${a.l} | ${b.l}; ${d.h} = ${a.h} | ${b.h};`,
    xor: (d, a, b) => `${d.l} = ${a.l} ^ ${b.l}; ${d.h} = ${a.h} ^ ${b.h};`,
    shl: (d, a, b) => shift64('shl', d, a, b),
    shr: (d, a, b) => shift64('shr', d, a, b),
    sar: (d, a, b) => shift64('sar', d, a, b),
  };
  return {
    enter: (regs) =>
      `const I = H.halves(s.r); ${regs.map((i) => `let r${i}l = I[${lowIndex(i)}], r${i}h = I[${highIndex(i)}];`).join(' ')} ` +
      'let fal = 0, fah = 0, fbl = 0, fbh = 0;',
    leave: (regs) => regs.map((i) => `I[${lowIndex(i)}] = r${i}l; I[${highIndex(i)}] = r${i}h;`).join(' '),
    address: (reg) => `((r${reg}h >>> 0) * 4294967296 + (r${reg}l >>> 0))`,
    pushAddress: (n) => {
      const c = constant(BigInt(n));
      return pushHalves(c.l, c.h, `${c.k}n`);
    },
    popAddress: () =>
      'let t; ' +
      access('r15h', 'r15l', 0, 8, false, 't = Number(BigInt.asUintN(64, m.ld64(ADDR)));', (o) =>
        le
          ? `{ const o = ${o}; t = (${get32('o + 4')} >>> 0) * 4294967296 + (${get32('o')} >>> 0); }`
          : `{ const o = ${o}; t = (${get32('o')} >>> 0) * 4294967296 + (${get32('o + 4')} >>> 0); }`,
      ) +
      ` ${popSp}`,
    materialiseFlags: () => 'if (fk === 1) f = H.flagsHalves(fal, fah, fbl, fbh); else if (fk === 2) f = H.testFlagsHalves(fal, fah);',
    condition(m, source) {
      if (m === 'b') return 'true';
      if (source === 'cmp') {
        const [op, signed] = CMP64[m]!;
        return compare64(op, { l: 'fal', h: 'fah' }, { l: 'fbl', h: 'fbh' }, signed);
      }
      if (source === 'tst') return TST64[m]!;
      return ON_FLAGS[m]!;
    },
    straight(d, pc, imm) {
      const m = d.op!.mnemonic;
      const [rd, rs, rt] = [pairOf(d.rd), pairOf(d.rs), pairOf(d.rt)];
      if (m in binary) return binary[m]!(rd, rs, rt);
      if (m in DIV_KIND)
        return (
          `${divideCheck(`(${rt.l} | ${rt.h}) === 0`, pc, mode)} ` +
          `{ const xl = H.divide(${DIV_KIND[m]}, ${rs.l}, ${rs.h}, ${rt.l}, ${rt.h}); ${rd.h} = H.out.hi; ${rd.l} = xl; }`
        );
      if (m in IMM_OPS) return binary[IMM_OPS[m]!]!(rd, rs, constant(BigInt(d.imm)));
      const mem = (store: boolean, size: number, slow: string, fast: (o: string) => string): string =>
        access(rs.h, rs.l, d.imm, size, store, slow, fast);
      const zeroExtend = `${rd.h} = 0;`;
      const signExtend = `${rd.h} = ${rd.l} >> 31;`;
      switch (m) {
        case 'nop':
          return '';
        case 'mov':
          return `${rd.l} = ${rs.l}; ${rd.h} = ${rs.h};`;
        case 'not':
          return `${rd.l} = ~${rs.l}; ${rd.h} = ~${rs.h};`;
        case 'neg':
          // -x = 0 - x: the low half borrows unless it is zero.
          return `{ const xl = (-${rs.l}) | 0; ${rd.h} = (-${rs.h} - ((${rs.l} | xl) >>> 31)) | 0; ${rd.l} = xl; }`;
        case 'li':
        case 'liu':
        case 'liw': {
          const v = m === 'li' ? BigInt.asIntN(32, imm) : m === 'liu' ? BigInt.asUintN(32, imm) : imm;
          const c = constant(v);
          return `${rd.l} = ${c.l}; ${rd.h} = ${c.h};`;
        }
        case 'cmp':
          return `fal = ${rs.l}; fah = ${rs.h}; fbl = ${rt.l}; fbh = ${rt.h}; fk = 1;`;
        case 'cmpi': {
          const c = constant(BigInt(d.imm));
          return `fal = ${rs.l}; fah = ${rs.h}; fbl = ${c.l}; fbh = ${c.h}; fk = 1;`;
        }
        case 'tst':
          return `fal = ${rs.l} & ${rt.l}; fah = ${rs.h} & ${rt.h}; fk = 2;`;
        case 'ldb':
          return mem(false, 1, `${rd.l} = m.ld8(ADDR); ${zeroExtend}`, (o) => `${rd.l} = M8[${o}]; ${zeroExtend}`);
        case 'ldbs':
          return mem(false, 1, `${rd.l} = m.ld8s(ADDR); ${signExtend}`, (o) => `${rd.l} = (M8[${o}] << 24) >> 24; ${signExtend}`);
        case 'ldh':
          return mem(false, 2, `${rd.l} = m.ld16(ADDR); ${zeroExtend}`, (o) => `${rd.l} = DV.getUint16(${o}, ${LE}); ${zeroExtend}`);
        case 'ldhs':
          return mem(false, 2, `${rd.l} = m.ld16s(ADDR); ${signExtend}`, (o) => `${rd.l} = DV.getInt16(${o}, ${LE}); ${signExtend}`);
        case 'ldw':
          return mem(false, 4, `${rd.l} = m.ld32(ADDR); ${zeroExtend}`, (o) => `${rd.l} = ${get32(o)}; ${zeroExtend}`);
        case 'ldws':
          return mem(false, 4, `${rd.l} = m.ld32(ADDR); ${signExtend}`, (o) => `${rd.l} = ${get32(o)}; ${signExtend}`);
        case 'ldd':
          return mem(false, 8, slowGet64(rd.l, rd.h), get64(rd.l, rd.h));
        case 'stb':
          return mem(true, 1, `m.st8(ADDR, ${rd.l} & 255);`, (o) => `M8[${o}] = ${rd.l};`);
        case 'sth':
          return mem(true, 2, `m.st16(ADDR, ${rd.l});`, (o) => `DV.setUint16(${o}, ${rd.l} & 0xffff, ${LE});`);
        case 'stw':
          return mem(true, 4, `m.st32(ADDR, ${rd.l});`, (o) => set32(o, rd.l));
        case 'std':
          return mem(true, 8, `m.st64(ADDR, H.join(${rd.l}, ${rd.h}));`, set64(rd.l, rd.h));
        case 'push':
          return pushHalves(rd.l, rd.h, `H.join(${rd.l}, ${rd.h})`);
        case 'pop':
          return (
            `{ let tl = 0, th = 0; ${access('r15h', 'r15l', 0, 8, false, slowGet64('tl', 'th'), get64('tl', 'th'))} ` +
            `${popSp} ${rd.l} = tl; ${rd.h} = th; }`
          );
        default:
          throw new Error(`no 64-bit semantics for ${m}`);
      }
    },
  };
}
