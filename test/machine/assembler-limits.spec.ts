/**
 * The assembler's limits (README "## Limits"): hostile source gets one
 * `FILE:LINE: message` naming the limit, never an internal error, a stack
 * overflow or an allocation that kills the process.
 */
import { expect } from 'chai';
import { SourceErrors } from '../../src/common/errors.ts';
import { assemble } from '../../src/machine/assembler.ts';
import { assembleFor } from '../../src/machine/program-loader.ts';
import { MAX_ALIGN, MAX_EXPR_DEPTH, MAX_LINE_CHARS, MAX_PROBLEMS, MAX_SECTION_BYTES, MAX_SOURCE_CHARS } from '../../src/machine/asm-limits.ts';
import type { CpuDef, PartitionDef } from '../../src/config/model.ts';

function problems(source: string, opts: Partial<Parameters<typeof assemble>[1]> = {}): string[] {
  try {
    assemble(source, { word: 32, endian: 'little', file: 'hostile.s', ...opts });
  } catch (e: unknown) {
    if (!(e instanceof SourceErrors)) throw e;
    return e.problems.map((p) => p.message);
  }
  expect.fail('the source assembled without errors');
}

describe('assembler limits', () => {
  it('refuses a .zero larger than the assembler allows, at its line, without allocating it', () => {
    expect(problems('.data\nbig: .zero 0x10000000\n')).to.deep.equal([
      `hostile.s:2: .data would grow to 268435456 bytes, more than the assembler's limit (${MAX_SECTION_BYTES} bytes)`,
    ]);
    expect(problems('.data\n.zero 1 << 100\n')[0]).to.match(/^hostile\.s:2: \.data would grow to .* bytes, more than the assembler's limit/);
  });

  it('bounds sections by the partition regions they go to', () => {
    const def = {
      name: 'p',
      stackPerTraveler: 4096,
      regions: [
        { name: 'code', vaddr: 0x10000, size: 0x1000, rights: { r: true, w: false, x: true } },
        { name: 'data', vaddr: 0x100000, size: 0x2000, rights: { r: true, w: true, x: false } },
        { name: 'stack', vaddr: 0x200000, size: 0x4000, rights: { r: true, w: true, x: false } },
      ],
    } as unknown as PartitionDef;
    const cpu = { word: 32, endian: 'little' } as CpuDef;
    const refused = (src: string): string => {
      try {
        assembleFor(src, 'prog.s', def, cpu);
      } catch (e: unknown) {
        if (e instanceof SourceErrors) return e.message;
        throw e;
      }
      return 'assembled';
    };
    expect(refused('.data\nbig: .zero 0x10000000\n')).to.equal('prog.s:2: .data would grow to 268435456 bytes, more than region data (8192 bytes)');
    expect(refused('.data\n.zero 0x2000\n')).to.equal('assembled');
    expect(refused('.text\n.zero 0x1000\nnop\n')).to.equal('prog.s:3: .text would grow to 4100 bytes, more than region code (4096 bytes)');
  });

  it('bounds .align', () => {
    expect(problems('.align 0x100000000\n')).to.deep.equal([`hostile.s:1: .align 4294967296 is coarser than the limit of ${MAX_ALIGN}`]);
    expect(problems('.align 3\n')).to.deep.equal(['hostile.s:1: .align needs a power of two, got 3']);
    // The largest alignment is accepted.
    expect(() => assemble(`.data\n.byte 1\n.align ${MAX_ALIGN}\n`, { word: 32, endian: 'little' })).not.to.throw();
  });

  it('bounds expression depth instead of overflowing the stack', () => {
    const deep = `${'('.repeat(10_000)}1${')'.repeat(10_000)}`;
    expect(problems(`x = ${deep}\n`)).to.deep.equal([`hostile.s:1: expression nested deeper than ${MAX_EXPR_DEPTH} levels`]);
    expect(problems(`.word ${'-'.repeat(10_000)}1\n`)).to.deep.equal([`hostile.s:1: expression nested deeper than ${MAX_EXPR_DEPTH} levels`]);
    const ok = `${'('.repeat(MAX_EXPR_DEPTH)}1${')'.repeat(MAX_EXPR_DEPTH)}`;
    expect(assemble(`.data\n.word ${ok}\n`, { word: 32, endian: 'little' }).data.length).to.equal(4);
  });

  it('bounds shifts, literals and values instead of failing on a BigInt size', () => {
    expect(problems('x = 1 << 2000000000\n')).to.deep.equal(['hostile.s:1: shift amount 2000000000 out of range 0..127']);
    expect(problems('x = 1 >> -1\n')).to.deep.equal(['hostile.s:1: shift amount -1 out of range 0..127']);
    expect(problems(`x = ${'9'.repeat(5000)}\n`)[0]).to.match(/^hostile\.s:1: number 9{20}\.\.\. \(5000 digits\) is wider than 64 bits$/);
    expect(problems('x = 0x1_0000_0000_0000_0000\n')).to.deep.equal(['hostile.s:1: number 0x1_0000_0000_0000_0000 is wider than 64 bits']);
    expect(problems('x = 0x_\n')).to.deep.equal(['hostile.s:1: bad number "0x_"']);
    const square = (e: string): string => `(${e})*(${e})`;
    expect(problems(`x = ${square(square('0xffffffffffffffff'))}\n`)).to.deep.equal(['hostile.s:1: expression value exceeds 128 bits']);
  });

  it('bounds lines and source size, and assembles long strings that fit', () => {
    expect(problems(`.data\n.ascii "${'a'.repeat(200_000)}"\n`)).to.deep.equal([
      `hostile.s:2: line is 200009 characters long, more than the limit of ${MAX_LINE_CHARS}`,
    ]);
    const long = 'b'.repeat(MAX_LINE_CHARS - 20);
    expect(assemble(`.data\n.ascii "${long}"\n`, { word: 32, endian: 'little' }).data.length).to.equal(long.length);
    expect(problems('nop\n'.repeat(MAX_SOURCE_CHARS / 4 + 1))).to.deep.equal([
      `hostile.s:1: source is ${MAX_SOURCE_CHARS + 4} characters long, more than the limit of ${MAX_SOURCE_CHARS}`,
    ]);
  });

  it('refuses a binary file in one problem, at the line of its first NUL byte', () => {
    const bytes = Buffer.from([0x6e, 0x6f, 0x70, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0xff, 0x00, 0x41, 0x0a, 0x00]);
    expect(problems(bytes.toString('utf8'))).to.deep.equal(['hostile.s:3: a NUL byte: this is not assembly source text (a binary file?)']);
  });

  it('shows the text it cannot parse escaped and cut short, never raw control characters', () => {
    const [p] = problems(`nop
\u001b[2J\u001b[31m${'x'.repeat(500)}\n`);
    expect(p).to.equal(`hostile.s:2: cannot parse "\\u001b[2J\\u001b[31m${'x'.repeat(51)}"…`);
    expect(p).not.to.match(/[\u0000-\u001f]/);
  });

  it('lists at most a bounded number of problems', () => {
    const ps = problems('bogus\n'.repeat(5000));
    expect(ps).to.have.length(MAX_PROBLEMS);
    expect(ps.at(-1)).to.match(new RegExp(`^hostile\\.s:\\d+: \\.\\.\\. and ${5000 - MAX_PROBLEMS + 1} more problems \\(at most ${MAX_PROBLEMS} are listed\\)$`));
  });
});
