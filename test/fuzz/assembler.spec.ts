// Properties of the assembler on hostile source: random statements built from
// its own vocabulary, mutations of the shipped programs, and extremes (deep
// nesting, huge sizes, shifts and literals, long lines). Whatever the text, it
// answers a program or a SourceErrors whose every line is FILE:LINE: message,
// never another exception; and a program always fits the assembler's limits.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { SourceErrors } from '../../src/common/errors.ts';
import { assemble } from '../../src/machine/assembler.ts';
import { MAX_SECTION_BYTES } from '../../src/machine/asm-limits.ts';
import { fuzzParameters } from '../support/fuzz.ts';

const PROGRAMS = ['config/programs', 'test/fixtures/programs'].flatMap((d) =>
  fs
    .readdirSync(d)
    .filter((f) => f.endsWith('.s'))
    .map((f) => fs.readFileSync(path.join(d, f), 'utf8')),
);

const MNEMONICS = ['nop', 'add', 'addi', 'sub', 'li', 'liw', 'la', 'ld', 'st', 'ldb', 'stb', 'b', 'beq', 'bne', 'call', 'ret', 'sys', 'mov', 'cmp', 'cmpi', 'push', 'pop', 'inc', 'dec', 'subi', 'halt'];
const DIRECTIVES = ['.text', '.data', '.byte', '.half', '.long', '.quad', '.word', '.ascii', '.asciz', '.zero', '.space', '.align', '.equ', '.set', '.entry', '.bogus'];
const atom = fc.oneof(
  fc.constantFrom('r0', 'r1', 'r15', 'sp', 'r16', 'start', 'x', '.', 'WORD_BYTES', 'E_INVAL', '[r1]', '[sp + 8]', '[r2 - x]', "'a'", "'\\n'", "'\\x4'", '"hi\\n"', '"', "'"),
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map(String),
  fc.bigInt({ min: 0n, max: 1n << 66n }).map((n) => `0x${n.toString(16)}`),
  fc.constantFrom('0x_', '0b2', '0o9', '1_000', '0x10000000', '0x100000000', '2000000000'),
);
const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^'), tie('e')).map(([a, o, b]) => `${a} ${o} ${b}`),
    fc.tuple(fc.constantFrom('-', '~', '+', '('), tie('e')).map(([u, e]) => (u === '(' ? `(${e})` : `${u}${e}`)),
  ),
})).e;
const statement = fc.oneof(
  fc.tuple(fc.constantFrom(...MNEMONICS), fc.array(expr, { maxLength: 3 })).map(([m, ops]) => `${m} ${ops.join(', ')}`),
  fc.tuple(fc.constantFrom(...DIRECTIVES), fc.array(expr, { maxLength: 3 })).map(([d, ops]) => `${d} ${ops.join(', ')}`),
  fc.tuple(fc.constantFrom('x', 'y', 'start', 'r1', 'E_INVAL'), expr).map(([n, e]) => `${n} = ${e}`),
  fc.constantFrom('start:', 'loop: b loop', 'x:', '; comment', '# c', 'a: b: c:', ''),
  fc.string({ maxLength: 30 }),
);
const randomSource = fc.array(statement, { maxLength: 30 }).map((ls) => ls.join('\n'));

/** A shipped program with a few bytes inserted, deleted or replaced. */
const mutated = fc
  .tuple(
    fc.constantFrom(...PROGRAMS),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.constantFrom('(', ')', '"', "'", ',', '\n', ':', '0x', '<<', '9'.repeat(30), '[', ']', '-', ' ', '.zero 1 << 40', '.align 1 << 62')), { minLength: 1, maxLength: 6 }),
  )
  .map(([text, edits]) => {
    let s = text;
    for (const [at, op, what] of edits) {
      const i = at % (s.length + 1);
      s = op === 'insert' ? s.slice(0, i) + what + s.slice(i) : op === 'delete' ? s.slice(0, i) + s.slice(i + what.length) : s.slice(0, i) + what + s.slice(i + what.length);
    }
    return s;
  });

/** The extremes the limits exist for. */
const extreme = fc.oneof(
  fc.integer({ min: 1, max: 20_000 }).map((n) => `x = ${'('.repeat(n)}1${')'.repeat(n)}`),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `.data\n.word ${'-~'.repeat(n)}1`),
  fc.bigInt({ min: 0n, max: 1n << 80n }).map((n) => `.data\n.zero ${n}`),
  fc.bigInt({ min: 0n, max: 1n << 80n }).map((n) => `.data\n.byte 1\n.align ${n}`),
  fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }).map((n) => `x = 3 << ${n}`),
  fc.integer({ min: 1, max: 200_000 }).map((n) => `.data\n.ascii "${'a'.repeat(n)}"`),
);

function check(source: string): void {
  try {
    const p = assemble(source, { word: 64, endian: 'big', file: 'fuzz.s' });
    expect(p.text.length).to.be.at.most(MAX_SECTION_BYTES);
    expect(p.data.length).to.be.at.most(MAX_SECTION_BYTES);
  } catch (e: unknown) {
    if (!(e instanceof SourceErrors)) throw new Error(`not a SourceErrors for ${JSON.stringify(source.slice(0, 200))}: ${e instanceof Error ? e.stack : String(e)}`);
    expect(e.problems.length).to.be.within(1, 100);
    for (const p of e.problems) expect(p.message, JSON.stringify(source.slice(0, 200))).to.match(/^fuzz\.s:\d+: \S/);
  }
}

describe('fuzz: the assembler on hostile source', () => {
  it('answers random statements with a program or FILE:LINE errors', () => {
    fc.assert(fc.property(randomSource, check), fuzzParameters(150));
  });

  it('answers mutated programs with a program or FILE:LINE errors', () => {
    fc.assert(fc.property(mutated, check), fuzzParameters(100));
  });

  it('answers the extremes with FILE:LINE errors naming the limit, never a crash', () => {
    fc.assert(fc.property(extreme, check), fuzzParameters(40));
  });
});
