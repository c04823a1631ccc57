/**
 * The 32-bit dialect of the MV semantics (see cpu-codegen.ts): every register a
 * signed int32 local, loads and stores through the direct map of the address space.
 */
import { divideCheck, IMM_OPS, load as loadIn, ON_CMP, ON_FLAGS, ON_TST, r, store as storeIn, type Access, type Dialect, type SlowMode } from './cpu-codegen.ts';
import type { Decoded } from './isa.ts';

/** The 32-bit dialect for a byte order, with memory misses handled as `mode` says. */
export function dialect32(le: boolean, mode: SlowMode): Dialect {
  const load = (addr: string, acc: Access, slow: string, fast: (off: string) => string): string => loadIn(addr, acc, slow, fast, mode);
  const store = (addr: string, size: number, slow: string, fast: (off: string) => string): string => storeIn(addr, size, slow, fast, mode);
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
    enter: (regs) => `const R = s.r; ${regs.map((i) => `let r${i} = R[${i}];`).join(' ')} let fa = 0, fb = 0;`,
    leave: (regs) => regs.map((i) => `R[${i}] = r${i};`).join(' '),
    address: (reg) => `(${r(reg)} >>> 0)`,
    pushAddress: (n) => `{ const t = (r15 - 4) | 0; ${store('(t >>> 0)', 4, `m.st32(ADDR, ${n | 0});`, st32(`${n | 0}`))} r15 = t; }`,
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
      if (m in divs) return `${divideCheck(`${rt} === 0`, pc, mode)} ${rd} = ${divs[m]!(rs, rt)};`;
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
