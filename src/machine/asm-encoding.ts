/**
 * The instruction half of the MV assembler: operand shapes, pseudo-instructions
 * (ld/st/la/subi/inc/dec/mov with a value), the size and encoding of load
 * immediates, and the encoding of each format into its 32-bit word.
 */
import type { WordSize } from '../config/index.ts';
import type { Statement } from './asm-lexer.ts';
import { encodeI, encodeJ, encodeR, OPS, SP, Sys, type OpInfo } from './isa.ts';

/** A problem in one statement (the assembler adds file and line). */
export class AsmError extends Error {}

const REG = /^(r(1[0-5]|[0-9])|sp)$/i;

/** r0..r15 or sp, as a register number; undefined for anything else. */
export function parseRegister(text: string): number | undefined {
  const m = REG.exec(text.trim());
  if (!m) return undefined;
  return m[0].toLowerCase() === 'sp' ? SP : Number(m[2]);
}

/** Operands per instruction format. */
const ARITY: Readonly<Record<string, number>> = { none: 0, rrr: 3, rr: 2, rri: 3, cmp: 2, cmpi: 2, mem: 2, r: 1, rs: 1, j: 1, sys: 1 };

/** What operand evaluation needs of the assembler. */
export interface OperandContext {
  readonly word: WordSize;
  /** Evaluates an expression (UndefinedSymbol while a symbol is not known yet). */
  value(expr: string): bigint;
  lookup(name: string): bigint | undefined;
}

/** Checks and encodes the operands of one instruction. */
export class InstructionEncoder {
  constructor(private readonly ctx: OperandContext) {}

  expandPseudo(st: Statement): { op: string; operands: readonly string[] } {
    const ops = st.operands;
    switch (st.op!) {
      case 'ld':
        return { op: this.ctx.word === 64 ? 'ldd' : 'ldw', operands: ops };
      case 'st':
        return { op: this.ctx.word === 64 ? 'std' : 'stw', operands: ops };
      case 'la':
        return { op: 'liu', operands: ops };
      case 'subi':
        if (ops.length !== 3) throw new AsmError('subi takes 3 operands (rd, rs, imm)');
        return { op: 'addi', operands: [ops[0]!, ops[1]!, `-(${ops[2]!})`] };
      case 'inc':
      case 'dec':
        if (ops.length !== 1) throw new AsmError(`${st.op} takes 1 operand (a register)`);
        return { op: 'addi', operands: [ops[0]!, ops[0]!, st.op === 'inc' ? '1' : '-1'] };
      case 'mov':
        if (ops.length === 2 && parseRegister(ops[1]!) === undefined) return { op: 'li', operands: ops };
        return { op: 'mov', operands: ops };
      default:
        return { op: st.op!, operands: ops };
    }
  }

  needsWide(op: OpInfo, v: bigint): boolean {
    if (this.ctx.word === 32) return false;
    if (op.mnemonic === 'liu') return v < 0n || v > 0xffffffffn;
    return v < -(1n << 31n) || v > 0xffffffffn;
  }

  chooseLi(op: OpInfo, v: bigint, size: number): { opcode: number; imm: bigint } {
    if (this.ctx.word === 32) {
      if (v < -(1n << 31n) || v > 0xffffffffn) throw new AsmError(`value ${v} does not fit in 32 bits`);
      return { opcode: OPS.get('li')!.opcode, imm: v };
    }
    if (size === 12) {
      if (v < -(1n << 63n) || v > (1n << 64n) - 1n) throw new AsmError(`value ${v} does not fit in 64 bits`);
      return { opcode: OPS.get('liw')!.opcode, imm: v };
    }
    if (op.mnemonic !== 'liu' && v >= -(1n << 31n) && v < 1n << 31n) return { opcode: OPS.get('li')!.opcode, imm: v };
    if (v >= 0n && v <= 0xffffffffn) return { opcode: OPS.get('liu')!.opcode, imm: v };
    throw new AsmError(`value ${v} needs 64 bits but its size was fixed before its symbols were known; define them earlier or use liw`);
  }

  reg(text: string): number {
    const r = parseRegister(text);
    if (r === undefined) throw new AsmError(`expected a register (r0..r15 or sp), got "${text}"`);
    return r;
  }

  checkShape(op: OpInfo, operands: readonly string[]): void {
    const want = ARITY[op.format]!;
    if (operands.length !== want) {
      throw new AsmError(`${op.mnemonic} takes ${want} operand${want === 1 ? '' : 's'}, got ${operands.length}`);
    }
    switch (op.format) {
      case 'rrr':
        operands.forEach((o) => this.reg(o));
        return;
      case 'rr':
      case 'cmp':
        operands.forEach((o) => this.reg(o));
        return;
      case 'rri':
      case 'cmpi':
        this.reg(operands[0]!);
        if (op.format === 'rri') this.reg(operands[1]!);
        return;
      case 'mem':
        this.reg(operands[0]!);
        this.memOperand(operands[1]!, false);
        return;
      case 'r':
      case 'rs':
        this.reg(operands[0]!);
        return;
      case 'sys':
        this.sysNumber(operands[0]!, false);
        return;
      default:
        return;
    }
  }

  encode(op: OpInfo, operands: readonly string[], addr: number): number {
    this.checkShape(op, operands);
    const o = (i: number): string => operands[i]!;
    switch (op.format) {
      case 'none':
        return encodeR(op.opcode, 0, 0, 0);
      case 'rrr':
        return encodeR(op.opcode, this.reg(o(0)), this.reg(o(1)), this.reg(o(2)));
      case 'rr':
        return encodeR(op.opcode, this.reg(o(0)), this.reg(o(1)), 0);
      case 'rri':
        return encodeI(op.opcode, this.reg(o(0)), this.reg(o(1)), this.imm16(op, o(2)));
      case 'cmp':
        return encodeR(op.opcode, 0, this.reg(o(0)), this.reg(o(1)));
      case 'cmpi':
        return encodeI(op.opcode, 0, this.reg(o(0)), this.imm16(op, o(1)));
      case 'mem': {
        const { base, offset } = this.memOperand(o(1), true);
        return encodeI(op.opcode, this.reg(o(0)), base, offset);
      }
      case 'r':
        return encodeR(op.opcode, this.reg(o(0)), 0, 0);
      case 'rs':
        return encodeR(op.opcode, 0, this.reg(o(0)), 0);
      case 'j': {
        const target = Number(this.ctx.value(o(0)));
        const delta = target - addr;
        if (delta % 4 !== 0) throw new AsmError(`branch target 0x${target.toString(16)} is not 4-byte aligned`);
        const off = delta / 4;
        if (off < -(1 << 23) || off >= 1 << 23) throw new AsmError(`branch target 0x${target.toString(16)} out of range`);
        return encodeJ(op.opcode, off);
      }
      case 'sys':
        return encodeI(op.opcode, 0, 0, this.sysNumber(o(0), true));
      default:
        throw new AsmError(`cannot encode ${op.mnemonic}`);
    }
  }

  private imm16(op: OpInfo, expr: string): number {
    const v = this.ctx.value(expr);
    const shift = op.mnemonic === 'shli' || op.mnemonic === 'shri' || op.mnemonic === 'sari';
    if (shift) {
      if (v < 0n || v >= BigInt(this.ctx.word)) throw new AsmError(`shift amount ${v} out of range 0..${this.ctx.word - 1}`);
    } else if (v < -32768n || v > 32767n) {
      throw new AsmError(`immediate ${v} out of range -32768..32767 (load it with li into a register)`);
    }
    return Number(v);
  }

  /** Parses `[rs]`, `[rs + expr]` or `[rs - expr]`. */
  private memOperand(text: string, evaluateOffset: boolean): { base: number; offset: number } {
    const m = /^\[\s*([A-Za-z0-9]+)\s*(?:([+-])\s*(.+?))?\s*\]$/.exec(text.trim());
    if (!m) throw new AsmError(`expected a memory operand like [r1 + 8], got "${text}"`);
    const base = this.reg(m[1]!);
    if (!evaluateOffset || m[3] === undefined) return { base, offset: 0 };
    let v = this.ctx.value(m[3]);
    if (m[2] === '-') v = -v;
    if (v < -32768n || v > 32767n) throw new AsmError(`offset ${v} out of range -32768..32767`);
    return { base, offset: Number(v) };
  }

  private sysNumber(text: string, evaluateIt: boolean): number {
    const name = text.trim().toLowerCase();
    if (Object.hasOwn(Sys, name)) return Sys[name as keyof typeof Sys];
    if (!/^[0-9]/.test(name)) {
      // Only once every symbol is known (pass 2): a constant may be defined later, or be 0.
      if (evaluateIt && /^[a-z_]+$/.test(name) && this.ctx.lookup(text.trim()) === undefined) {
        throw new AsmError(`unknown system call "${text.trim()}" (known: ${Object.keys(Sys).join(', ')})`);
      }
    }
    if (!evaluateIt) return 0;
    const v = this.ctx.value(text);
    if (v < 0n || v > 0xffffn) throw new AsmError(`system call number ${v} out of range`);
    return Number(v);
  }
}
