/**
 * Constant expressions of the assembler: integer literals (decimal, 0x, 0b, 0o,
 * 'c'), symbols, `.` (the location counter), unary - ~ and the binary operators
 * * / % + - << >> & ^ | with C precedence. Values are BigInt so `.quad` and `liw`
 * keep all 64 bits.
 */

import { MAX_EXPR_DEPTH, MAX_LITERAL_BITS, MAX_SHIFT, MAX_VALUE_BITS } from './asm-limits.ts';

/** An expression that cannot be evaluated (the assembler reports it at its line). */
export class ExprError extends Error {}

/** Thrown when a symbol is not (yet) defined; pass 1 treats it as "size unknown". */
export class UndefinedSymbol extends ExprError {
  constructor(readonly symbol: string) {
    super(`undefined symbol "${symbol}"`);
  }
}

/** A symbol's value, or undefined while it is not defined (yet). */
export type SymbolLookup = (name: string) => bigint | undefined;

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, "'": 39, '"': 34 };

/** Decodes one escape sequence starting after the backslash; returns [code, consumed]. */
export function decodeEscape(s: string, i: number): [number, number] {
  const c = s[i];
  if (c === undefined) throw new ExprError('unterminated escape sequence');
  if (c === 'x') {
    const hex = s.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new ExprError(`bad escape "\\x${hex}"`);
    return [parseInt(hex, 16), 3];
  }
  const v = ESCAPES[c];
  if (v === undefined) throw new ExprError(`unknown escape "\\${c}"`);
  return [v, 1];
}

type Token = { kind: 'num'; value: bigint } | { kind: 'sym'; name: string } | { kind: 'op'; op: string };

const NUMBER = /0x[0-9a-fA-F_]+|0b[01_]+|0o[0-7_]+|[0-9][0-9_]*/y;
const SYMBOL = /[A-Za-z_.$][A-Za-z0-9_.$]*/y;
const OPERATOR = /<<|>>|[-+*/%&|^~()]/y;

/** The match of sticky `re` starting exactly at `i` (no copy of the rest of the text). */
function at(re: RegExp, text: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(text);
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const num = at(NUMBER, text, i);
    if (num) {
      const lit = num[0].replace(/_/g, '');
      const prefix = /^0[xbo]/i.test(lit) ? lit.slice(0, 2).toLowerCase() : '';
      const digits = lit.slice(prefix.length);
      if (digits === '') throw new ExprError(`bad number "${num[0]}"`);
      // Checked before converting, so a 60,000-digit literal costs nothing.
      if (digits.replace(/^0+/, '').length > MAX_LITERAL_BITS) throw new ExprError(`number ${shorten(num[0])} is wider than ${MAX_LITERAL_BITS} bits`);
      const value = BigInt(`${prefix}${digits}`);
      if (value >> BigInt(MAX_LITERAL_BITS) !== 0n) throw new ExprError(`number ${shorten(num[0])} is wider than ${MAX_LITERAL_BITS} bits`);
      out.push({ kind: 'num', value });
      i += num[0].length;
      if (/[A-Za-z_]/.test(text[i] ?? '')) throw new ExprError(`bad number "${num[0]}${text[i]}"`);
      continue;
    }
    if (c === "'") {
      let code: number;
      let len: number;
      if (text[i + 1] === '\\') {
        [code, len] = decodeEscape(text, i + 2);
        len += 1;
      } else {
        const ch = text.codePointAt(i + 1);
        if (ch === undefined) throw new ExprError('unterminated character literal');
        code = ch;
        len = String.fromCodePoint(ch).length;
      }
      if (text[i + 1 + len] !== "'") throw new ExprError('unterminated character literal');
      out.push({ kind: 'num', value: BigInt(code) });
      i += len + 2;
      continue;
    }
    const sym = at(SYMBOL, text, i);
    if (sym) {
      out.push({ kind: 'sym', name: sym[0] });
      i += sym[0].length;
      continue;
    }
    const op = at(OPERATOR, text, i);
    if (op) {
      out.push({ kind: 'op', op: op[0] });
      i += op[0].length;
      continue;
    }
    throw new ExprError(`unexpected character "${c}" in expression`);
  }
  return out;
}

const BINARY: readonly (readonly string[])[] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

/** Evaluates `text`; `here` is the value of `.`. Throws UndefinedSymbol or ExprError. */
export function evaluate(text: string, lookup: SymbolLookup, here: bigint): bigint {
  const toks = tokenize(text);
  if (toks.length === 0) throw new ExprError('missing expression');
  let pos = 0;
  let depth = 0;
  const nested = <T>(f: () => T): T => {
    if (++depth > MAX_EXPR_DEPTH) throw new ExprError(`expression nested deeper than ${MAX_EXPR_DEPTH} levels`);
    try {
      return f();
    } finally {
      depth--;
    }
  };
  const peekOp = (): string | undefined => {
    const t = toks[pos];
    return t?.kind === 'op' ? t.op : undefined;
  };
  const primary = (): bigint => {
    const t = toks[pos++];
    if (t === undefined) throw new ExprError('expression ends too early');
    if (t.kind === 'num') return t.value;
    if (t.kind === 'sym') {
      if (t.name === '.') return here;
      const v = lookup(t.name);
      if (v === undefined) throw new UndefinedSymbol(t.name);
      return v;
    }
    if (t.op === '(') {
      const v = nested(() => binary(0));
      if (peekOp() !== ')') throw new ExprError('missing ")"');
      pos++;
      return v;
    }
    if (t.op === '-') return bounded(-nested(primary));
    if (t.op === '+') return nested(primary);
    if (t.op === '~') return bounded(~nested(primary));
    throw new ExprError(`unexpected "${t.op}"`);
  };
  const binary = (level: number): bigint => {
    if (level === BINARY.length) return primary();
    let left = binary(level + 1);
    for (;;) {
      const op = peekOp();
      if (op === undefined || !BINARY[level]!.includes(op)) return left;
      pos++;
      const right = binary(level + 1);
      left = bounded(apply(op, left, right));
    }
  };
  const v = binary(0);
  if (pos !== toks.length) throw new ExprError('unexpected text after expression');
  return v;
}

const LIMIT = 1n << BigInt(MAX_VALUE_BITS);

/** A value within ±2^MAX_VALUE_BITS, or an ExprError naming the limit. */
function bounded(v: bigint): bigint {
  if (v >= LIMIT || v <= -LIMIT) throw new ExprError(`expression value exceeds ${MAX_VALUE_BITS} bits`);
  return v;
}

/** At most 24 characters of a literal, for an error message. */
function shorten(text: string): string {
  return text.length <= 24 ? text : `${text.slice(0, 20)}... (${text.length} digits)`;
}

function apply(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
    case '%':
      if (b === 0n) throw new ExprError('division by zero in expression');
      return op === '/' ? a / b : a % b;
    case '<<':
    case '>>':
      if (b < 0n || b > BigInt(MAX_SHIFT)) throw new ExprError(`shift amount ${b} out of range 0..${MAX_SHIFT}`);
      return op === '<<' ? a << b : a >> b;
    case '&':
      return a & b;
    case '|':
      return a | b;
    default:
      return a ^ b;
  }
}
