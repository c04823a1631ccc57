/**
 * The MV assembler: two passes over the statements of a source file. Pass 1 lays
 * out both sections and defines labels; pass 2 evaluates operands and emits bytes
 * in the node's byte order. Every problem is collected and reported as
 * FILE:LINE: message; nothing is emitted unless the whole file is clean.
 */
import { describeError, SourceError, SourceErrors } from '../common/index.ts';
import { decodeEscape, evaluate, ExprError, UndefinedSymbol } from './asm-expression.ts';
import { lex, type Statement } from './asm-lexer.ts';
import type { Endian, WordSize } from '../config/index.ts';
import { AsmError, InstructionEncoder, parseRegister } from './asm-encoding.ts';
import { encodeI, instructionLength, OPS, type OpInfo } from './isa.ts';
import { ARINC_CONSTANTS, OpenFlag, SysError } from '../partition/index.ts';
import { MAX_ALIGN, MAX_PROBLEMS, MAX_SECTION_BYTES, MAX_SOURCE_CHARS } from './asm-limits.ts';

/** How to assemble: the node's word size and byte order, where the sections go. */
export interface AsmOptions {
  readonly word: WordSize;
  readonly endian: Endian;
  /** Virtual address of the first byte of .text (the partition's code region). */
  readonly textBase?: number;
  /** Virtual address of the first byte of .data (the partition's data region). */
  readonly dataBase?: number;
  /** File name used in error messages. */
  readonly file?: string;
  /** The region .text goes to, when known: the section may not outgrow it. */
  readonly textLimit?: { readonly name: string; readonly size: number };
  /** The region .data goes to, when known: the section may not outgrow it. */
  readonly dataLimit?: { readonly name: string; readonly size: number };
}

/** Default virtual bases of .text and .data. */
export const DEFAULT_TEXT_BASE = 0x10000;
/** Default virtual base of .data. */
export const DEFAULT_DATA_BASE = 0x100000;

/** An assembled program: two sections placed at fixed virtual bases. */
export interface Program {
  readonly word: WordSize;
  readonly endian: Endian;
  readonly textBase: number;
  readonly dataBase: number;
  readonly entry: number;
  readonly text: Uint8Array;
  readonly data: Uint8Array;
  readonly symbols: ReadonlyMap<string, bigint>;
  /** Address → source line, for listings and fault reports. */
  readonly lines: ReadonlyMap<number, number>;
}

type SectionName = 'text' | 'data';

/** Thrown when a section would outgrow its limit (the statement is reported at its line). */
class SectionFull extends AsmError {}

/**
 * The bytes of one section, in a buffer that grows by doubling up to `limit`
 * (the partition's region, or {@link MAX_SECTION_BYTES}); growing past it is a
 * {@link SectionFull} naming the limit, before anything is allocated.
 */
class Section {
  private buf = new Uint8Array(256);
  length = 0;
  constructor(
    readonly name: SectionName,
    readonly base: number,
    readonly limit: number,
    private readonly limitName: string,
  ) {}
  get here(): number {
    return this.base + this.length;
  }
  /** Makes room for `n` more bytes, or throws naming the limit. */
  private reserve(n: number): void {
    const need = this.length + n;
    if (need > this.limit) {
      throw new SectionFull(`.${this.name} would grow to ${need} bytes, more than ${this.limitName} (${this.limit} bytes)`);
    }
    if (need <= this.buf.length) return;
    let size = this.buf.length;
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, Math.max(need, this.limit)));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  /** Appends `n` bytes of `fill`. */
  fill(n: number, fill = 0): void {
    this.reserve(n);
    this.buf.fill(fill, this.length, this.length + n);
    this.length += n;
  }
  /** Appends bytes. */
  append(bytes: ArrayLike<number>): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  /** Overwrites the byte at section offset `at`. */
  set(at: number, byte: number): void {
    this.buf[at] = byte;
  }
  /** A copy of the section's bytes. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const PREDEFINED: ReadonlyMap<string, bigint> = new Map<string, bigint>([
  ...Object.entries(SysError).map(([k, v]): [string, bigint] => [k, BigInt(v)]),
  ...Object.entries(OpenFlag).map(([k, v]): [string, bigint] => [k, BigInt(v)]),
  ...[...ARINC_CONSTANTS].map(([k, v]): [string, bigint] => [k, BigInt(v)]),
]);

class Assembler {
  private readonly problems: SourceError[] = [];
  private readonly symbols = new Map<string, bigint>();
  private readonly symbolLines = new Map<string, number>();
  /** Byte size chosen in pass 1 for statements whose size depends on a value (li). */
  private readonly liSizes = new Map<Statement, number>();
  /** Constants waiting for later symbols, with the value `.` had where they were defined. */
  private readonly pendingEqu: { st: Statement; here: bigint }[] = [];
  private readonly lines = new Map<number, number>();
  private entryExpr: { expr: string; line: number } | undefined;
  private text!: Section;
  private data!: Section;
  private cur!: Section;
  private pass: 1 | 2 = 1;
  private readonly wordBytes: number;
  private readonly le: boolean;
  private readonly file: string;

  private readonly enc: InstructionEncoder;

  constructor(private readonly opts: AsmOptions) {
    this.enc = new InstructionEncoder({ word: opts.word, value: (e) => this.value(e), lookup: (n) => this.lookup(n) });
    this.wordBytes = opts.word / 8;
    this.le = opts.endian === 'little';
    this.file = opts.file ?? '<source>';
  }

  run(source: string): Program {
    if (source.length > MAX_SOURCE_CHARS) {
      throw new SourceErrors([new SourceError(this.file, 1, `source is ${source.length} characters long, more than the limit of ${MAX_SOURCE_CHARS}`)]);
    }
    const { statements, errors } = lex(source);
    for (const e of errors) this.error(e.line, e.message);
    this.runPass(1, statements);
    this.resolvePendingEquates();
    this.runPass(2, statements);
    const entry = this.resolveEntry();
    if (this.problems.length > 0) {
      const unique = [...new Map(this.problems.map((p) => [p.message, p])).values()].sort((a, b) => a.line - b.line);
      if (unique.length > MAX_PROBLEMS) {
        const last = unique[MAX_PROBLEMS - 1]!;
        const shown = unique.slice(0, MAX_PROBLEMS - 1);
        shown.push(new SourceError(this.file, last.line, `... and ${unique.length - shown.length} more problems (at most ${MAX_PROBLEMS} are listed)`));
        throw new SourceErrors(shown);
      }
      throw new SourceErrors(unique);
    }
    return {
      word: this.opts.word,
      endian: this.opts.endian,
      textBase: this.text.base,
      dataBase: this.data.base,
      entry,
      text: this.text.bytes(),
      data: this.data.bytes(),
      symbols: new Map(this.symbols),
      lines: this.lines,
    };
  }

  private error(line: number, message: string): void {
    this.problems.push(new SourceError(this.file, line, message));
  }

  private runPass(pass: 1 | 2, statements: readonly Statement[]): void {
    this.pass = pass;
    this.text = this.section('text', this.opts.textBase ?? DEFAULT_TEXT_BASE, this.opts.textLimit);
    this.data = this.section('data', this.opts.dataBase ?? DEFAULT_DATA_BASE, this.opts.dataLimit);
    this.cur = this.text;
    for (const st of statements) {
      const failedBefore = this.failedInPass1.has(st);
      this.dot = undefined;
      try {
        this.statement(st);
      } catch (e: unknown) {
        // Forward references are only resolvable in pass 2.
        if (pass === 1 && e instanceof UndefinedSymbol) continue;
        if (!(e instanceof ExprError || e instanceof AsmError)) throw e;
        // A statement that failed in pass 1 is run again for layout but reported once.
        if (failedBefore) continue;
        this.error(st.line, e.message);
        if (pass === 1) this.failedInPass1.add(st);
      }
    }
  }

  private readonly failedInPass1 = new Set<Statement>();

  private section(name: SectionName, base: number, region: { readonly name: string; readonly size: number } | undefined): Section {
    if (region !== undefined && region.size <= MAX_SECTION_BYTES) return new Section(name, base, region.size, `region ${region.name}`);
    return new Section(name, base, MAX_SECTION_BYTES, 'the assembler\'s limit');
  }

  private resolvePendingEquates(): void {
    let progress = true;
    while (progress && this.pendingEqu.length > 0) {
      progress = false;
      for (let i = this.pendingEqu.length - 1; i >= 0; i--) {
        const { st, here } = this.pendingEqu[i]!;
        const [name, expr] = this.equParts(st);
        try {
          this.symbols.set(name, evaluate(expr, (n) => this.lookup(n), here));
          this.pendingEqu.splice(i, 1);
          progress = true;
        } catch {
          // still waiting on another symbol
        }
      }
    }
  }

  private resolveEntry(): number {
    if (this.entryExpr) {
      try {
        return Number(evaluate(this.entryExpr.expr, (n) => this.lookup(n), 0n));
      } catch (e: unknown) {
        this.error(this.entryExpr.line, describeError(e));
        return this.text.base;
      }
    }
    const start = this.symbols.get('start') ?? this.symbols.get('_start');
    return start === undefined ? this.text.base : Number(start);
  }

  private lookup(name: string): bigint | undefined {
    if (name === 'WORD_BYTES') return BigInt(this.wordBytes);
    return this.symbols.get(name) ?? PREDEFINED.get(name);
  }

  /** What `.` stands for while an instruction or data value is emitted: its own address. */
  private dot: number | undefined;

  private value(expr: string): bigint {
    return evaluate(expr, (n) => this.lookup(n), BigInt(this.dot ?? this.cur.here));
  }

  private defineSymbol(name: string, value: bigint, line: number): void {
    if (PREDEFINED.has(name) || name === 'WORD_BYTES' || parseRegister(name) !== undefined) {
      throw new AsmError(`"${name}" is reserved and cannot be redefined`);
    }
    const prev = this.symbolLines.get(name);
    if (prev !== undefined) throw new AsmError(`duplicate symbol "${name}" (first defined at line ${prev})`);
    this.symbols.set(name, value);
    this.symbolLines.set(name, line);
  }

  private equParts(st: Statement): [string, string] {
    if (st.assign) return [st.assign.name, st.assign.expr];
    if (st.operands.length !== 2) throw new AsmError(`${st.op} needs a name and a value`);
    return [st.operands[0]!, st.operands[1]!];
  }

  private statement(st: Statement): void {
    if (this.pass === 1) for (const label of st.labels) this.defineSymbol(label, BigInt(this.cur.here), st.line);
    if (st.assign || st.op === '.equ' || st.op === '.set') {
      const [name, expr] = this.equParts(st);
      if (!/^[A-Za-z_$][A-Za-z0-9_.$]*$/.test(name)) throw new AsmError(`bad symbol name "${name}"`);
      if (this.pass === 2) {
        if (!this.symbols.has(name)) this.symbols.set(name, this.value(expr));
        return;
      }
      try {
        this.defineSymbol(name, this.value(expr), st.line);
      } catch (e: unknown) {
        if (!(e instanceof UndefinedSymbol)) throw e;
        this.defineSymbol(name, 0n, st.line);
        this.symbols.delete(name);
        this.pendingEqu.push({ st, here: BigInt(this.cur.here) });
      }
      return;
    }
    if (st.op === undefined) return;
    if (st.op.startsWith('.')) this.directive(st);
    else this.instruction(st);
  }

  // --- directives ---------------------------------------------------------

  private directive(st: Statement): void {
    const ops = st.operands;
    switch (st.op) {
      case '.text':
      case '.data':
        this.expectOperands(st, 0);
        this.cur = st.op === '.text' ? this.text : this.data;
        return;
      case '.byte':
        return this.emitValues(st, 1);
      case '.half':
      case '.short':
        return this.emitValues(st, 2);
      case '.long':
      case '.int':
        return this.emitValues(st, 4);
      case '.quad':
        return this.emitValues(st, 8);
      case '.word':
        return this.emitValues(st, this.wordBytes);
      case '.ascii':
      case '.asciz':
      case '.string':
        for (const s of ops) {
          this.cur.append(parseString(s));
          if (st.op !== '.ascii') this.cur.fill(1);
        }
        if (ops.length === 0) throw new AsmError(`${st.op} needs a string`);
        return;
      case '.zero':
      case '.space': {
        if (ops.length < 1 || ops.length > 2) throw new AsmError(`${st.op} needs a size and an optional fill byte`);
        const n = this.constant(ops[0]!, st.op);
        if (n < 0n) throw new AsmError(`${st.op} size ${n} is negative`);
        const fill = ops[1] === undefined ? 0 : Number(this.constant(ops[1], st.op) & 0xffn);
        this.cur.fill(Number(n), fill);
        return;
      }
      case '.align': {
        this.expectOperands(st, 1);
        const v = this.constant(ops[0]!, '.align');
        if (v <= 0n || (v & (v - 1n)) !== 0n) throw new AsmError(`.align needs a power of two, got ${v}`);
        if (v > BigInt(MAX_ALIGN)) throw new AsmError(`.align ${v} is coarser than the limit of ${MAX_ALIGN}`);
        const n = Number(v);
        const pad = (n - (this.cur.here % n)) % n;
        this.cur.fill(pad);
        return;
      }
      case '.entry':
        this.expectOperands(st, 1);
        this.entryExpr = { expr: ops[0]!, line: st.line };
        return;
      default:
        throw new AsmError(`unknown directive "${st.op}"`);
    }
  }

  /** A value needed to lay out memory: must be known in pass 1. */
  private constant(expr: string, what: string): bigint {
    try {
      return this.value(expr);
    } catch (e: unknown) {
      if (e instanceof UndefinedSymbol) throw new AsmError(`${what} needs a value known here; "${e.symbol}" is not defined before it`);
      throw e;
    }
  }

  private expectOperands(st: Statement, n: number): void {
    if (st.operands.length !== n) {
      throw new AsmError(`${st.op} takes ${n} operand${n === 1 ? '' : 's'}, got ${st.operands.length}`);
    }
  }

  private emitValues(st: Statement, size: number): void {
    if (st.operands.length === 0) throw new AsmError(`${st.op} needs at least one value`);
    for (const expr of st.operands) {
      const start = this.cur.length;
      this.dot = this.cur.here;
      this.cur.fill(size);
      if (this.pass === 1) continue;
      const v = this.value(expr);
      const bits = BigInt(size * 8);
      if (v < -(1n << (bits - 1n)) || v >= 1n << bits) throw new AsmError(`value ${v} does not fit in ${size} byte${size > 1 ? 's' : ''}`);
      this.put(start, v, size);
    }
  }

  /** Writes the low `size` bytes of v at section offset `at` in the node's byte order. */
  private put(at: number, v: bigint, size: number): void {
    const u = BigInt.asUintN(size * 8, v);
    for (let i = 0; i < size; i++) {
      const byte = Number((u >> BigInt(8 * i)) & 0xffn);
      this.cur.set(at + (this.le ? i : size - 1 - i), byte);
    }
  }

  // --- instructions -------------------------------------------------------

  private instruction(st: Statement): void {
    if (this.cur !== this.text) throw new AsmError(`instruction "${st.op}" outside .text`);
    if (this.cur.here % 4 !== 0) throw new AsmError(`instruction at unaligned address 0x${this.cur.here.toString(16)} (use .align 4)`);
    const expanded = this.enc.expandPseudo(st);
    const op = OPS.get(expanded.op);
    if (!op) throw new AsmError(`unknown instruction "${st.op}"`);
    if (op.only64 && this.opts.word !== 64) throw new AsmError(`${op.mnemonic} needs a 64-bit node`);
    const addr = this.cur.here;
    this.dot = addr;
    this.lines.set(addr, st.line);
    if (op.format === 'ri32' || op.format === 'ri64') return this.loadImmediate(st, op, expanded.operands);
    const at = this.cur.length;
    this.cur.fill(4);
    if (this.pass === 1) {
      // Check operand shapes early so errors are reported once, from pass 1.
      this.enc.checkShape(op, expanded.operands);
      return;
    }
    this.put(at, BigInt(this.enc.encode(op, expanded.operands, addr)), 4);
  }

  private loadImmediate(st: Statement, op: OpInfo, operands: readonly string[]): void {
    if (operands.length !== 2) throw new AsmError(`${st.op} takes 2 operands (rd, value)`);
    const rd = this.enc.reg(operands[0]!);
    let size = this.liSizes.get(st);
    if (size === undefined) {
      // Pass 1: pick the shortest encoding if the value is already known.
      let known: bigint | undefined;
      try {
        known = this.value(operands[1]!);
      } catch (e: unknown) {
        if (!(e instanceof UndefinedSymbol)) throw e;
      }
      size = op.mnemonic === 'liw' || (known !== undefined && this.enc.needsWide(op, known)) ? 12 : 8;
      this.liSizes.set(st, size);
    }
    const at = this.cur.length;
    this.cur.fill(size);
    if (this.pass === 1) return;
    const v = this.value(operands[1]!);
    const { opcode, imm } = this.enc.chooseLi(op, v, size);
    this.put(at, BigInt(encodeI(opcode, rd, 0, 0)), 4);
    this.put(at + 4, imm, size - 4);
  }
}

/** Parses a double-quoted string literal with C escapes into UTF-8 bytes. */
function parseString(text: string): number[] {
  const t = text.trim();
  if (t.length < 2 || !t.startsWith('"') || !t.endsWith('"')) throw new AsmError(`expected a "quoted string", got ${text}`);
  const body = t.slice(1, -1);
  const out: number[] = [];
  for (let i = 0; i < body.length; ) {
    if (body[i] === '\\') {
      const [code, used] = decodeEscape(body, i + 1);
      out.push(code);
      i += 1 + used;
    } else {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out.push(...new TextEncoder().encode(ch));
      i += ch.length;
    }
  }
  return out;
}

/** Assembles MV source. Throws {@link SourceErrors} listing every problem. */
export function assemble(source: string, opts: AsmOptions): Program {
  return new Assembler(opts).run(source);
}

export { instructionLength };
