/**
 * Splits assembly source into statements: labels, a mnemonic or directive, and
 * its comma-separated operands (commas inside strings and brackets do not split).
 * Comments start with `;` or `#` outside strings and character literals.
 */
import { ExprError } from './asm-expression.ts';
import { describeError, firstNulLine, quoted } from '../common/index.ts';
import { MAX_LINE_CHARS } from './asm-limits.ts';

/** One statement of a source line: label, instruction or directive, and its operands. */
export interface Statement {
  readonly line: number;
  readonly labels: readonly string[];
  /** Lower-cased mnemonic or directive (with its dot), or undefined for a label-only line. */
  readonly op: string | undefined;
  readonly operands: readonly string[];
  /** `name = expr` assignments. */
  readonly assign?: { readonly name: string; readonly expr: string };
}

const LABEL = /^\s*([A-Za-z_.$][A-Za-z0-9_.$]*)\s*:/;
const ASSIGN = /^\s*([A-Za-z_$][A-Za-z0-9_.$]*)\s*=(?!=)\s*(.+)$/;

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ';' || c === '#') return line.slice(0, i);
  }
  return line;
}

/** Splits operands at top-level commas. */
export function splitOperands(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      cur += c;
      if (c === '\\') cur += text[++i] ?? '';
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (quote) throw new ExprError('unterminated string');
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}

/** Splits source into statements; problems come back with their line, not thrown. */
export function lex(source: string): { statements: Statement[]; errors: { line: number; message: string }[] } {
  const statements: Statement[] = [];
  const errors: { line: number; message: string }[] = [];
  // A binary file holds NUL bytes; source text never does. One problem, not one per "line" of bytes.
  const nul = firstNulLine(source);
  if (nul !== undefined) {
    errors.push({ line: nul, message: 'a NUL byte: this is not assembly source text (a binary file?)' });
    return { statements, errors };
  }
  source.split(/\r?\n/).forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.length > MAX_LINE_CHARS) {
      errors.push({ line, message: `line is ${raw.length} characters long, more than the limit of ${MAX_LINE_CHARS}` });
      return;
    }
    let text = stripComment(raw);
    const labels: string[] = [];
    for (let m = LABEL.exec(text); m; m = LABEL.exec(text)) {
      labels.push(m[1]!);
      text = text.slice(m[0].length);
    }
    const assign = ASSIGN.exec(text);
    if (assign) {
      statements.push({ line, labels, op: undefined, operands: [], assign: { name: assign[1]!, expr: assign[2]!.trim() } });
      return;
    }
    text = text.trim();
    if (text === '') {
      if (labels.length > 0) statements.push({ line, labels, op: undefined, operands: [] });
      return;
    }
    const m = /^(\.?[A-Za-z_][A-Za-z0-9_.]*)\s*(.*)$/.exec(text);
    if (!m) {
      errors.push({ line, message: `cannot parse ${quoted(text)}` });
      return;
    }
    try {
      statements.push({ line, labels, op: m[1]!.toLowerCase(), operands: splitOperands(m[2]!) });
    } catch (e: unknown) {
      errors.push({ line, message: describeError(e) });
    }
  });
  return { statements, errors };
}
