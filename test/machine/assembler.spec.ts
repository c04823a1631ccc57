/**
 * The MV assembler: syntax, directives, expressions, every instruction format,
 * and every error with its line. Long because it is the assembler's whole
 * specification, one small case per rule.
 */
import { expect } from 'chai';
import { SourceErrors } from '../../src/common/errors.ts';
import { assemble, DEFAULT_DATA_BASE, DEFAULT_TEXT_BASE, type Program } from '../../src/machine/assembler.ts';
import type { Endian, WordSize } from '../../src/config/model.ts';
import { decode, OPS, Sys } from '../../src/machine/isa.ts';
import { OpenFlag, SysError } from '../../src/partition/sys-error.ts';

/** Source from lines, so a test can say which line number each statement is on (the first is line 1). */
function lines(...ls: string[]): string {
  return ls.join('\n');
}

function asm(source: string, word: WordSize = 32, endian: Endian = 'little'): Program {
  return assemble(source, { word, endian, file: 'test.s' });
}

/** Every problem reported for `source`, as FILE:LINE: message. Fails if it assembles. */
function problems(source: string, word: WordSize = 32): string[] {
  try {
    asm(source, word);
  } catch (e: unknown) {
    if (!(e instanceof SourceErrors)) throw e;
    for (const p of e.problems) expect(p.message).to.equal(`${p.file}:${p.line}: ${p.detail}`);
    return e.problems.map((p) => p.message);
  }
  expect.fail('the source assembled without errors');
}

/** The single problem reported for `source`. */
function problem(source: string, word: WordSize = 32): string {
  const ps = problems(source, word);
  expect(ps, 'exactly one problem').to.have.length(1);
  return ps[0]!;
}

/** The 32-bit instruction words of .text, read in the program's byte order. */
function textWords(p: Program): number[] {
  const v = new DataView(p.text.buffer, p.text.byteOffset, p.text.byteLength);
  return Array.from({ length: p.text.length >> 2 }, (_, i) => v.getUint32(i * 4, p.endian === 'little'));
}

function sym(p: Program, name: string): bigint {
  const v = p.symbols.get(name);
  if (v === undefined) throw new Error(`no symbol ${name}`);
  return v;
}

/** Mnemonic and fields of the instruction at a text address. */
function insnAt(p: Program, address: number | bigint): ReturnType<typeof decode> & { mnemonic: string | undefined } {
  const d = decode(textWords(p)[(Number(address) - p.textBase) / 4]!);
  return { ...d, mnemonic: d.op?.mnemonic };
}

describe('MV assembler', () => {
  describe('labels and layout', () => {
    it('places .text and .data at their bases and defines labels at their addresses', () => {
      const p = asm(lines('start:', '  nop', 'here: nop', '.data', 'var: .long 1', 'var2: .long 2'));
      expect(p.textBase).to.equal(DEFAULT_TEXT_BASE);
      expect(p.dataBase).to.equal(DEFAULT_DATA_BASE);
      expect(sym(p, 'start')).to.equal(BigInt(DEFAULT_TEXT_BASE));
      expect(sym(p, 'here')).to.equal(BigInt(DEFAULT_TEXT_BASE + 4));
      expect(sym(p, 'var')).to.equal(BigInt(DEFAULT_DATA_BASE));
      expect(sym(p, 'var2')).to.equal(BigInt(DEFAULT_DATA_BASE + 4));
      expect(p.text.length).to.equal(8);
      expect(p.data.length).to.equal(8);
    });

    it('honours textBase and dataBase options', () => {
      const p = assemble(lines('start: nop', '.data', 'x: .byte 1'), { word: 32, endian: 'little', textBase: 0x40000, dataBase: 0x90000 });
      expect([p.textBase, p.dataBase, p.entry]).to.deep.equal([0x40000, 0x90000, 0x40000]);
      expect(sym(p, 'x')).to.equal(0x90000n);
    });

    it('switches between sections, continuing each where it left off', () => {
      const p = asm(lines('.data', 'a: .byte 1', '.text', 'start: nop', '.data', 'b: .byte 2', '.text', 'next: nop'));
      expect(sym(p, 'b')).to.equal(BigInt(DEFAULT_DATA_BASE + 1));
      expect(sym(p, 'next')).to.equal(BigInt(DEFAULT_TEXT_BASE + 4));
      expect([...p.data]).to.deep.equal([1, 2]);
    });

    it('encodes branches to forward and backward labels as word offsets from the branch', () => {
      const p = asm(lines('start:', '  b later', '  nop', 'back:', '  beq start', '  call later', 'later:', '  bne back'));
      expect(insnAt(p, sym(p, 'start'))).to.include({ mnemonic: 'b', off: 4 });
      expect(insnAt(p, sym(p, 'back'))).to.include({ mnemonic: 'beq', off: -2 });
      expect(insnAt(p, sym(p, 'back') + 4n)).to.include({ mnemonic: 'call', off: 1 });
      expect(insnAt(p, sym(p, 'later'))).to.include({ mnemonic: 'bne', off: -2 });
    });

    it('accepts several labels on one line and a label alone on a line', () => {
      const p = asm(lines('a: b: start:', 'c:', '  nop'));
      expect([sym(p, 'a'), sym(p, 'b'), sym(p, 'c')]).to.deep.equal([BigInt(DEFAULT_TEXT_BASE), BigInt(DEFAULT_TEXT_BASE), BigInt(DEFAULT_TEXT_BASE)]);
    });

    it('accepts labels starting with a dot and branches to them', () => {
      const p = asm(lines('start:', '  b .Lend', '  nop', '.Lend:', '  sys exit'));
      expect(sym(p, '.Lend')).to.equal(BigInt(DEFAULT_TEXT_BASE + 8));
      expect(insnAt(p, DEFAULT_TEXT_BASE)).to.include({ mnemonic: 'b', off: 2 });
    });

    it('records the source line of every instruction address', () => {
      const p = asm(lines('start:', '  li r1, 5', '', '  ; comment', '  add r1, r1, r1', '.data', '.long 0'));
      expect([...p.lines]).to.deep.equal([
        [DEFAULT_TEXT_BASE, 2],
        [DEFAULT_TEXT_BASE + 8, 5],
      ]);
    });

    it('ignores comments after ; and #, but not inside strings or character literals', () => {
      const p = asm(lines('start: nop ; one', '  nop # two', '.data', 's: .ascii "a;b#c"', 'c: .byte \';\', \'#\''));
      expect(p.text.length).to.equal(8);
      expect(new TextDecoder().decode(p.data.subarray(0, 5))).to.equal('a;b#c');
      expect([...p.data.subarray(5)]).to.deep.equal([59, 35]);
    });
  });

  describe('entry point', () => {
    it('is the label start', () => {
      expect(asm(lines('  nop', 'start: nop')).entry).to.equal(DEFAULT_TEXT_BASE + 4);
    });

    it('is _start when there is no start', () => {
      expect(asm(lines('  nop', '  nop', '_start: nop')).entry).to.equal(DEFAULT_TEXT_BASE + 8);
    });

    it('is set by .entry, which wins over start', () => {
      expect(asm(lines('.entry main', 'start: nop', 'main: nop')).entry).to.equal(DEFAULT_TEXT_BASE + 4);
    });

    it('is the start of .text without any of them', () => {
      expect(asm(lines('  nop', 'x: nop')).entry).to.equal(DEFAULT_TEXT_BASE);
    });
  });

  describe('expressions', () => {
    const value = (expr: string): bigint => sym(asm(`x = ${expr}`), 'x');

    it('follows C precedence: * / % over + - over shifts over & over ^ over |', () => {
      expect(value('1 + 2 * 3')).to.equal(7n);
      expect(value('(1 + 2) * 3')).to.equal(9n);
      expect(value('1 << 2 + 1')).to.equal(8n);
      expect(value('6 & 3 | 8')).to.equal(10n);
      expect(value('1 | 6 ^ 3')).to.equal(5n);
      expect(value('6 ^ 3 & 5')).to.equal(7n);
      expect(value('0xf0 | 0x0f & 0x3c')).to.equal(0xfcn);
      expect(value('2 * 3 % 4')).to.equal(2n);
      expect(value('10 - 2 - 3')).to.equal(5n);
      expect(value('64 >> 2 >> 1')).to.equal(8n);
    });

    it('has unary minus, plus and complement, and divides toward zero', () => {
      expect(value('-3 / 2')).to.equal(-1n);
      expect(value('-7 % 3')).to.equal(-1n);
      expect(value('~0 & 0xff')).to.equal(255n);
      expect(value('-(2 + 3) * +2')).to.equal(-10n);
      expect(value('--4')).to.equal(4n);
    });

    it('reads hex, binary, octal, decimal with underscores and character literals', () => {
      expect(value('0x1F')).to.equal(31n);
      expect(value('0b1010')).to.equal(10n);
      expect(value('0o17')).to.equal(15n);
      expect(value('1_000_000')).to.equal(1000000n);
      expect(value("'A'")).to.equal(65n);
      expect(value("'\\n'")).to.equal(10n);
      expect(value("'\\''")).to.equal(39n);
      expect(value("'\\x7f'")).to.equal(127n);
      expect(value("'a' + 1")).to.equal(98n);
    });

    it('keeps 64 bits and more exactly', () => {
      expect(value('0x7fffffffffffffff + 1')).to.equal(1n << 63n);
      expect(value('1 << 40')).to.equal(1n << 40n);
    });

    it('reads . as the current location in a constant', () => {
      const p = asm(lines('start: nop', 'here = .', '.data', '  .zero 6', 'dhere = .', 'len = . - 0x100000'));
      expect(sym(p, 'here')).to.equal(BigInt(DEFAULT_TEXT_BASE + 4));
      expect(sym(p, 'dhere')).to.equal(BigInt(DEFAULT_DATA_BASE + 6));
      expect(sym(p, 'len')).to.equal(6n);
    });

    it('reads . in an instruction as the address of that instruction (b . loops on itself)', () => {
      const p = asm(lines('start: nop', '  b .', '  beq . - 4', '  li r1, .', '  addi r2, r2, . - start', '  ldw r3, [r4 + . - start]'), 64);
      expect(insnAt(p, DEFAULT_TEXT_BASE + 4)).to.include({ mnemonic: 'b', off: 0 });
      expect(insnAt(p, DEFAULT_TEXT_BASE + 8)).to.include({ mnemonic: 'beq', off: -1 });
      expect(textWords(p)[4]).to.equal(DEFAULT_TEXT_BASE + 12);
      expect(insnAt(p, DEFAULT_TEXT_BASE + 20)).to.include({ mnemonic: 'addi', imm: 20 });
      expect(insnAt(p, DEFAULT_TEXT_BASE + 24)).to.include({ mnemonic: 'ldw', imm: 24 });
    });

    it('reads . in a data directive as the address of the value being emitted', () => {
      const p = asm(lines('.data', '  .byte 0', 'a: .long .', '  .long ., . + 1'));
      const v = new DataView(p.data.buffer);
      expect([1, 5, 9].map((o) => v.getUint32(o, true))).to.deep.equal([DEFAULT_DATA_BASE + 1, DEFAULT_DATA_BASE + 5, DEFAULT_DATA_BASE + 10]);
    });

    it('knows WORD_BYTES, the E_* error numbers and the O_* open flags', () => {
      expect(sym(asm('x = WORD_BYTES'), 'x')).to.equal(4n);
      expect(sym(asm('x = WORD_BYTES', 64), 'x')).to.equal(8n);
      expect(value('E_CLOSED')).to.equal(BigInt(SysError.E_CLOSED));
      expect(value('E_NOENT')).to.equal(BigInt(SysError.E_NOENT));
      expect(value('O_CREATE | O_WRITE')).to.equal(BigInt(OpenFlag.O_CREATE | OpenFlag.O_WRITE));
    });
  });

  describe('symbols', () => {
    it('defines constants with .equ, .set and name = expr, usable before their definition', () => {
      const p = asm(lines('start:', '  li r1, SIZE', '  addi r2, r2, HALF', '.equ SIZE, 40', '.set TWICE, SIZE * 2', 'HALF = SIZE / 2'));
      expect([sym(p, 'SIZE'), sym(p, 'TWICE'), sym(p, 'HALF')]).to.deep.equal([40n, 80n, 20n]);
      expect(insnAt(p, DEFAULT_TEXT_BASE + 8)).to.include({ mnemonic: 'addi', imm: 20 });
    });

    it('resolves constants defined from labels that come later, and from one another', () => {
      const p = asm(lines('size = end - begin', 'total = size * 2', '.data', 'begin: .zero 12', 'end:'));
      expect(sym(p, 'size')).to.equal(12n);
      expect(sym(p, 'total')).to.equal(24n);
    });

    it('evaluates . in a constant that waits for a later label at the constant\'s own place', () => {
      const p = asm(lines('.data', '  .zero 4', 'rest = end - .', '  .zero 8', 'end:'));
      expect(sym(p, 'rest')).to.equal(8n);
    });
  });

  describe('data directives', () => {
    for (const endian of ['little', 'big'] as const) {
      const order = (bytes: number[]): number[] => (endian === 'little' ? [...bytes].reverse() : bytes);

      it(`.byte .half .long .quad and .word lay values out ${endian}-endian`, () => {
        const p32 = asm(lines('.data', '.byte 1, 0xff, -1', '.half 0x1234, -2', '.long 0x12345678', '.quad 0x0102030405060708', '.word 0x0a0b0c0d'), 32, endian);
        expect([...p32.data]).to.deep.equal([
          1, 0xff, 0xff,
          ...order([0x12, 0x34]), ...order([0xff, 0xfe]),
          ...order([0x12, 0x34, 0x56, 0x78]),
          ...order([1, 2, 3, 4, 5, 6, 7, 8]),
          ...order([0x0a, 0x0b, 0x0c, 0x0d]),
        ]);
        const p64 = asm(lines('.data', '.word 0x0a0b0c0d, -1'), 64, endian);
        expect([...p64.data]).to.deep.equal([...order([0, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d]), ...new Array<number>(8).fill(0xff)]);
      });

      it(`instructions are stored ${endian}-endian`, () => {
        const p = asm('start: add r1, r2, r3', 32, endian);
        const word = (OPS.get('add')!.opcode | (1 << 8) | (2 << 12) | (3 << 16)) >>> 0;
        expect([...p.text]).to.deep.equal(order([(word >>> 24) & 0xff, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff]));
      });
    }

    it('.half, .short, .long and .int are aliases by size; data may refer to labels', () => {
      const p = asm(lines('start: nop', '.data', 'ptr: .long start, ptr', '.short 7', '.int 9'));
      const v = new DataView(p.data.buffer);
      expect([v.getUint32(0, true), v.getUint32(4, true), v.getUint16(8, true), v.getUint32(10, true)]).to.deep.equal([
        DEFAULT_TEXT_BASE,
        DEFAULT_DATA_BASE,
        7,
        9,
      ]);
    });

    it('.align pads with zeros to the next multiple, and does nothing when aligned', () => {
      const p = asm(lines('.data', 'a: .byte 1', '.align 4', 'b: .byte 2', '.align 8', 'c: .byte 3', '.align 1', 'd: .byte 4', '.align 2', 'e:'));
      expect([sym(p, 'b'), sym(p, 'c'), sym(p, 'd'), sym(p, 'e')].map((x) => Number(x) - DEFAULT_DATA_BASE)).to.deep.equal([4, 8, 9, 10]);
      expect([...p.data]).to.deep.equal([1, 0, 0, 0, 2, 0, 0, 0, 3, 4]);
    });

    it('.zero and .space reserve bytes, with an optional fill byte', () => {
      const p = asm(lines('.data', '.zero 3', '.space 2, 0xab', '.space 1'));
      expect([...p.data]).to.deep.equal([0, 0, 0, 0xab, 0xab, 0]);
    });

    it('.asciz decodes escapes and appends a NUL; .ascii does not; strings may hold commas', () => {
      const p = asm(lines('.data', 'a: .asciz "a\\n\\t\\\\\\"\\x41\\0\\r\'"', 'b: .ascii "x,y", "z"', 'c: .string "é"'));
      expect([...p.data.subarray(0, Number(sym(p, 'b')) - DEFAULT_DATA_BASE)]).to.deep.equal([97, 10, 9, 92, 34, 0x41, 0, 13, 39, 0]);
      expect(new TextDecoder().decode(p.data.subarray(Number(sym(p, 'b')) - DEFAULT_DATA_BASE, Number(sym(p, 'c')) - DEFAULT_DATA_BASE))).to.equal('x,yz');
      expect([...p.data.subarray(Number(sym(p, 'c')) - DEFAULT_DATA_BASE)]).to.deep.equal([0xc3, 0xa9, 0]);
    });
  });

  describe('instructions', () => {
    it('encodes register, immediate and memory operands, sp as r15, register names in any case', () => {
      const p = asm(lines('start:', '  sub r1, R2, r15', '  addi r3, sp, -4', '  ldw r4, [r5 + 12]', '  stb r6, [r7 - 2]', '  ldh r8, [r9]', '  cmpi r10, -1', '  push sp', '  jr r11'));
      const at = (i: number) => insnAt(p, DEFAULT_TEXT_BASE + 4 * i);
      expect(at(0)).to.include({ mnemonic: 'sub', rd: 1, rs: 2, rt: 15 });
      expect(at(1)).to.include({ mnemonic: 'addi', rd: 3, rs: 15, imm: -4 });
      expect(at(2)).to.include({ mnemonic: 'ldw', rd: 4, rs: 5, imm: 12 });
      expect(at(3)).to.include({ mnemonic: 'stb', rd: 6, rs: 7, imm: -2 });
      expect(at(4)).to.include({ mnemonic: 'ldh', rd: 8, rs: 9, imm: 0 });
      expect(at(5)).to.include({ mnemonic: 'cmpi', rs: 10, imm: -1 });
      expect(at(6)).to.include({ mnemonic: 'push', rd: 15 });
      expect(at(7)).to.include({ mnemonic: 'jr', rs: 11 });
    });

    it('expands pseudo-instructions: ld/st by word size, la, subi, inc, dec, mov with an immediate', () => {
      const src = lines('start:', '  ld r1, [r2 + 8]', '  st r1, [r2]', '  subi r3, r4, 5', '  inc r5', '  dec r6', '  mov r7, r8', '  mov r9, 300', '  la r10, start');
      for (const word of [32, 64] as const) {
        const p = asm(src, word);
        const at = (i: number) => insnAt(p, DEFAULT_TEXT_BASE + 4 * i);
        expect(at(0)).to.include({ mnemonic: word === 64 ? 'ldd' : 'ldw', rd: 1, rs: 2, imm: 8 });
        expect(at(1)).to.include({ mnemonic: word === 64 ? 'std' : 'stw', rd: 1, rs: 2 });
        expect(at(2)).to.include({ mnemonic: 'addi', rd: 3, rs: 4, imm: -5 });
        expect(at(3)).to.include({ mnemonic: 'addi', rd: 5, rs: 5, imm: 1 });
        expect(at(4)).to.include({ mnemonic: 'addi', rd: 6, rs: 6, imm: -1 });
        expect(at(5)).to.include({ mnemonic: 'mov', rd: 7, rs: 8 });
        expect(at(6)).to.include({ mnemonic: 'li', rd: 9 });
        expect(textWords(p)[7]).to.equal(300);
        expect(at(8)).to.include({ rd: 10 });
        expect(textWords(p)[9]).to.equal(DEFAULT_TEXT_BASE);
      }
    });

    it('names system calls by name or number', () => {
      const p = asm(lines('start:', '  sys exit', '  sys gate_recv', '  sys 300', '  sys E_IO'));
      expect(textWords(p).map((w) => decode(w).imm)).to.deep.equal([Sys.exit, Sys.gate_recv, 300, SysError.E_IO]);
    });

    it('names system calls by constants, defined before or after, including 0', () => {
      const p = asm(lines('ZERO = 0', 'start:', '  sys ZERO', '  sys LATER', '  sys DONE', 'LATER = 12', 'DONE = 0'));
      expect(textWords(p).map((w) => decode(w).imm)).to.deep.equal([0, 12, 0]);
    });

    describe('li picks the shortest encoding', () => {
      /** Opcode and byte length of `li r1, value` (measured by where the next label lands). */
      function li(value: string, word: WordSize, mnemonic = 'li'): { op: string | undefined; bytes: number; imm: bigint } {
        const p = asm(lines('start:', `  ${mnemonic} r1, ${value}`, 'next:'), word, 'big');
        const bytes = Number(sym(p, 'next')) - DEFAULT_TEXT_BASE;
        const v = new DataView(p.text.buffer);
        const imm = bytes === 12 ? v.getBigUint64(4, false) : BigInt(v.getUint32(4, false));
        return { op: insnAt(p, DEFAULT_TEXT_BASE).mnemonic, bytes, imm };
      }

      it('on 64-bit nodes: li for signed 32-bit values, liu for unsigned 32-bit ones, liw beyond', () => {
        expect(li('5', 64)).to.deep.equal({ op: 'li', bytes: 8, imm: 5n });
        expect(li('-1', 64)).to.deep.equal({ op: 'li', bytes: 8, imm: 0xffffffffn });
        expect(li('-0x80000000', 64)).to.deep.equal({ op: 'li', bytes: 8, imm: 0x80000000n });
        expect(li('0x7fffffff', 64)).to.deep.equal({ op: 'li', bytes: 8, imm: 0x7fffffffn });
        expect(li('0x80000000', 64)).to.deep.equal({ op: 'liu', bytes: 8, imm: 0x80000000n });
        expect(li('0xffffffff', 64)).to.deep.equal({ op: 'liu', bytes: 8, imm: 0xffffffffn });
        expect(li('0x100000000', 64)).to.deep.equal({ op: 'liw', bytes: 12, imm: 0x100000000n });
        expect(li('-0x80000001', 64)).to.deep.equal({ op: 'liw', bytes: 12, imm: BigInt.asUintN(64, -0x80000001n) });
        expect(li('0xffffffffffffffff', 64)).to.deep.equal({ op: 'liw', bytes: 12, imm: (1n << 64n) - 1n });
        expect(li('1', 64, 'liw')).to.deep.equal({ op: 'liw', bytes: 12, imm: 1n });
        expect(li('7', 64, 'liu')).to.deep.equal({ op: 'liu', bytes: 8, imm: 7n });
      });

      it('on 32-bit nodes: always li with a 32-bit word, for signed and unsigned values alike', () => {
        expect(li('-1', 32)).to.deep.equal({ op: 'li', bytes: 8, imm: 0xffffffffn });
        expect(li('0xffffffff', 32)).to.deep.equal({ op: 'li', bytes: 8, imm: 0xffffffffn });
        expect(li('-0x80000000', 32)).to.deep.equal({ op: 'li', bytes: 8, imm: 0x80000000n });
      });

      it('a forward reference gets the 8-byte form, and labels after it stay right', () => {
        const p = asm(lines('start:', '  li r1, later', 'after:', '  nop', 'later:'), 64);
        expect(sym(p, 'after')).to.equal(BigInt(DEFAULT_TEXT_BASE + 8));
        expect(sym(p, 'later')).to.equal(BigInt(DEFAULT_TEXT_BASE + 12));
        expect(textWords(p)[1]).to.equal(DEFAULT_TEXT_BASE + 12);
      });
    });
  });

  describe('errors', () => {
    it('reports an unknown mnemonic', () => {
      expect(problem(lines('start:', '  nop', '  frob r1, r2'))).to.equal('test.s:3: unknown instruction "frob"');
    });

    it('reports a wrong operand count', () => {
      expect(problem(lines('start:', '  add r1, r2'))).to.equal('test.s:2: add takes 3 operands, got 2');
      expect(problem(lines('start:', '  ret r1'))).to.equal('test.s:2: ret takes 0 operands, got 1');
      expect(problem(lines('', '', '  li r1'))).to.match(/^test\.s:3: li takes 2 operands/);
    });

    it('reports a bad register', () => {
      expect(problem(lines('start:', '  add r1, r2, r16'))).to.equal('test.s:2: expected a register (r0..r15 or sp), got "r16"');
      expect(problem(lines('  ldw r1, [x1 + 4]'))).to.match(/^test\.s:1: expected a register .*"x1"/);
      expect(problem(lines('  push 5'))).to.match(/^test\.s:1: expected a register .*"5"/);
    });

    it('reports an undefined symbol', () => {
      expect(problem(lines('start:', '  b nowhere'))).to.equal('test.s:2: undefined symbol "nowhere"');
      expect(problem(lines('start:', '  nop', '  li r1, missing + 1'))).to.equal('test.s:3: undefined symbol "missing"');
      expect(problem(lines('.data', 'here: .long here, gone'))).to.equal('test.s:2: undefined symbol "gone"');
    });

    it('reports a duplicate label with the line of the first definition', () => {
      expect(problem(lines('start:', '  nop', 'x: nop', '  nop', 'x: nop'))).to.equal('test.s:5: duplicate symbol "x" (first defined at line 3)');
      expect(problem(lines('K = 1', 'K = 2'))).to.equal('test.s:2: duplicate symbol "K" (first defined at line 1)');
    });

    it('reports an immediate or offset out of range', () => {
      expect(problem(lines('start:', '  addi r1, r1, 40000'))).to.match(/^test\.s:2: immediate 40000 out of range -32768\.\.32767/);
      expect(problem(lines('  cmpi r1, -32769'))).to.match(/^test\.s:1: immediate -32769 out of range/);
      expect(problem(lines('  ori r1, r1, 32768'))).to.match(/^test\.s:1: immediate 32768 out of range/);
      expect(asm(lines('  ori r1, r1, 32767', '  andi r1, r1, -32768')).text.length).to.equal(8);
      expect(problem(lines('  ldw r1, [r2 + 0x8000]'))).to.equal('test.s:1: offset 32768 out of range -32768..32767');
      expect(problem(lines('  li r1, 0x100000000'))).to.equal('test.s:1: value 4294967296 does not fit in 32 bits');
    });

    it('reports a shift amount out of range for the word size', () => {
      expect(problem(lines('start:', '  shli r1, r1, 32'))).to.equal('test.s:2: shift amount 32 out of range 0..31');
      expect(problem(lines('  sari r1, r1, -1'))).to.equal('test.s:1: shift amount -1 out of range 0..31');
      expect(problem(lines('  shri r1, r1, 64'), 64)).to.equal('test.s:1: shift amount 64 out of range 0..63');
      expect(asm('  shli r1, r1, 63', 64).text.length).to.equal(4);
    });

    it('reports a misaligned branch target', () => {
      expect(problem(lines('start:', '  b start + 2'))).to.equal(`test.s:2: branch target 0x${(DEFAULT_TEXT_BASE + 2).toString(16)} is not 4-byte aligned`);
    });

    it('reports an instruction outside .text, and one at an unaligned address', () => {
      expect(problem(lines('.data', '  .long 1', '  nop'))).to.equal('test.s:3: instruction "nop" outside .text');
      expect(problem(lines('start:', '  .byte 1', '  nop'))).to.match(/^test\.s:3: instruction at unaligned address 0x10001/);
    });

    it('reports 64-bit-only instructions on a 32-bit node', () => {
      expect(problem(lines('start:', '  ldd r1, [r2]'))).to.equal('test.s:2: ldd needs a 64-bit node');
      expect(problem(lines('  std r1, [r2]'))).to.equal('test.s:1: std needs a 64-bit node');
      expect(problem(lines('  liw r1, 1'))).to.equal('test.s:1: liw needs a 64-bit node');
    });

    it('reports an unterminated string or character literal', () => {
      expect(problem(lines('.data', '  .asciz "abc'))).to.equal('test.s:2: unterminated string');
      expect(problem(lines('.data', '  .byte 1, \'a'))).to.equal('test.s:2: unterminated string');
      expect(problem(lines('x = \'a'))).to.equal('test.s:1: unterminated character literal');
    });

    it('reports an unknown directive', () => {
      expect(problem(lines('.data', '  .frob 1'))).to.equal('test.s:2: unknown directive ".frob"');
    });

    it('reports an unknown system call name', () => {
      expect(problem(lines('start:', '  sys launch'))).to.match(/^test\.s:2: unknown system call "launch" \(known: exit, puts/);
      expect(problem(lines('  sys constructor'))).to.match(/^test\.s:1: unknown system call "constructor"/);
      expect(problem(lines('  sys 0x10000'))).to.equal('test.s:1: system call number 65536 out of range');
    });

    it('reports values too big for their data directive', () => {
      expect(problem(lines('.data', '.byte 255, 256'))).to.equal('test.s:2: value 256 does not fit in 1 byte');
      expect(problem(lines('.data', '.byte -129'))).to.equal('test.s:2: value -129 does not fit in 1 byte');
      expect(problem(lines('.data', '.half 0x10000'))).to.equal('test.s:2: value 65536 does not fit in 2 bytes');
      expect(problem(lines('.data', '.word 0x100000000'))).to.equal('test.s:2: value 4294967296 does not fit in 4 bytes');
    });

    it('reports bad escapes, bad numbers and malformed directives', () => {
      expect(problem(lines('.data', '.ascii "\\q"'))).to.equal('test.s:2: unknown escape "\\q"');
      expect(problem(lines('x = 12ab'))).to.equal('test.s:1: bad number "12a"');
      expect(problem(lines('.data', '.align 3'))).to.equal('test.s:2: .align needs a power of two, got 3');
      expect(problem(lines('.data', '.space n', 'n = 4'))).to.match(/^test\.s:2: \.space needs a value known here; "n"/);
      expect(problem(lines('x = 1 / 0'))).to.equal('test.s:1: division by zero in expression');
      expect(problem(lines('x = (1 + 2'))).to.equal('test.s:1: missing ")"');
    });

    it('refuses to redefine registers and predefined names', () => {
      expect(problem(lines('r3: nop'))).to.equal('test.s:1: "r3" is reserved and cannot be redefined');
      expect(problem(lines('E_IO = 4'))).to.equal('test.s:1: "E_IO" is reserved and cannot be redefined');
      expect(problem(lines('WORD_BYTES = 4'))).to.equal('test.s:1: "WORD_BYTES" is reserved and cannot be redefined');
    });

    it('reports every problem of a file at once, each once, in line order', () => {
      const src = lines(
        'start:', //                      1
        '  frob r1', //                   2 unknown mnemonic
        '  add r1, r2', //                3 wrong operand count
        '  add r1, r2, r99', //           4 bad register
        '  b nowhere', //                 5 undefined symbol
        'start:', //                      6 duplicate label
        '  addi r1, r1, 99999', //        7 immediate out of range
        '  shli r1, r1, 40', //           8 shift out of range
        '  b start + 1', //               9 misaligned branch
        '  ldd r1, [r2]', //             10 64-bit only
        '  sys launch', //               11 unknown system call
        '  .frob', //                    12 unknown directive
        '.data', //                      13
        '  nop', //                      14 instruction outside .text
        '  .asciz "open', //             15 unterminated string
        '  .byte 300', //                16 value too big
        '  .long 1', //                  17 fine
      );
      const ps = problems(src);
      expect(ps.map((p) => Number(/^test\.s:(\d+):/.exec(p)?.[1]))).to.deep.equal([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16]);
      expect(ps[4]).to.equal('test.s:6: duplicate symbol "start" (first defined at line 1)');
    });

    it('names the file in every message, and the error lists them all', () => {
      try {
        assemble(lines('  frob', '  .frob'), { word: 64, endian: 'big', file: 'prog/main.s' });
        expect.fail('assembled');
      } catch (e: unknown) {
        expect(e).to.be.instanceOf(SourceErrors);
        const err = e as SourceErrors;
        expect(err.problems.map((p) => [p.file, p.line])).to.deep.equal([
          ['prog/main.s', 1],
          ['prog/main.s', 2],
        ]);
        expect(err.message).to.equal('prog/main.s:1: unknown instruction "frob"\nprog/main.s:2: unknown directive ".frob"');
      }
    });
  });
});
