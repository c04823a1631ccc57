/**
 * The CPU against BigInt reference semantics, on all four word-size/byte-order
 * combinations: arithmetic, flags, branches, loads and stores, faults, budgets.
 * Long because it is one table-driven specification of the whole instruction set;
 * split by topic it would scatter the shared cases and helpers (cpu-harness.ts).
 */
import { expect } from 'chai';
import { CpuTrap } from '../../src/machine/cpu-trap.ts';
import { Flag } from '../../src/machine/isa.ts';
import { MemoryFault } from '../../src/partition/memory-fault.ts';
import {
  CPU_CONFIGS,
  DATA_BASE,
  DATA_SIZE,
  edgeValues,
  Machine,
  operand,
  PAGE_SIZE,
  Rng,
  STACK_BASE,
  STACK_TOP,
  TEXT_BASE,
  unsigned,
  wrap,
  type CpuConfig,
} from '../support/cpu-harness.ts';

/** An address no region maps. */
const UNMAPPED = 0x4000000;

/** Kind, address and pc of the fault that stopped the machine (undefined when none). */
function faultOf(m: Machine): { kind: string; address: number; pc: number } | undefined {
  const f = m.state.fault;
  if (f === undefined) return undefined;
  expect(f instanceof MemoryFault || f instanceof CpuTrap).to.equal(true);
  return { kind: f.kind, address: f.address, pc: m.state.pc };
}

/** Source of a `.word` table with one value per line (keeps lines short for error messages). */
function wordTable(label: string, values: readonly bigint[]): string {
  return `${label}:\n${values.map((v) => `  .word ${v}`).join('\n')}`;
}

/** Runs m to completion in slices drawn from `nextBudget`, resuming after every trap but `sys exit`. */
function runAll(m: Machine, nextBudget: () => number): { total: number; traps: string[] } {
  const traps: string[] = [];
  let total = 0;
  for (let guard = 0; guard < 1_000_000; guard++) {
    total += m.run(nextBudget());
    if (m.state.fault !== undefined) {
      traps.push(`fault ${m.state.fault.message} after ${total}`);
      return { total, traps };
    }
    if (m.state.trap >= 0) {
      traps.push(`sys ${m.state.trap} after ${total}`);
      if (m.state.trap === 0) return { total, traps };
    }
  }
  throw new Error('program never exited');
}

for (const config of CPU_CONFIGS) {
  const { word, endian } = config;
  const WB = word / 8;
  const MIN = -(1n << BigInt(word - 1));
  const MAX = (1n << BigInt(word - 1)) - 1n;
  const W = (v: bigint): bigint => wrap(word, v);
  const U = (v: bigint): bigint => unsigned(word, v);
  const boot = (src: string, c: CpuConfig = config): Machine => Machine.boot(src, c);

  describe(`MV CPU, ${word}-bit ${endian}-endian`, () => {
    describe('arithmetic wraps at the word size', () => {
      const shiftAmount = (b: bigint): bigint => U(b) & BigInt(word - 1);
      const binary: Record<string, (a: bigint, b: bigint) => bigint> = {
        add: (a, b) => W(a + b),
        sub: (a, b) => W(a - b),
        mul: (a, b) => W(a * b),
        div: (a, b) => W(a / b),
        divu: (a, b) => W(U(a) / U(b)),
        rem: (a, b) => W(a % b),
        remu: (a, b) => W(U(a) % U(b)),
        and: (a, b) => W(a & b),
        or: (a, b) => W(a | b),
        xor: (a, b) => W(a ^ b),
        shl: (a, b) => W(a << shiftAmount(b)),
        shr: (a, b) => W(U(a) >> shiftAmount(b)),
        sar: (a, b) => W(a >> shiftAmount(b)),
      };

      /** Every pair of edge values, every shift amount 0..word+1, then seeded random pairs. */
      function cases(op: string): [bigint, bigint][] {
        const rng = new Rng(0x5eed + op.length * 977 + op.charCodeAt(0) + word);
        const out: [bigint, bigint][] = [];
        for (const a of edgeValues(word)) for (const b of edgeValues(word)) out.push([a, b]);
        for (let k = 0; k <= word + 1; k++) out.push([operand(rng, word), BigInt(k)]);
        while (out.length < 400) out.push([operand(rng, word), operand(rng, word)]);
        const divides = op.startsWith('div') || op.startsWith('rem');
        return divides ? out.filter(([, b]) => b !== 0n) : out;
      }

      /** A loop over two operand tables in data memory, storing OP's result for each pair. */
      function binaryProgram(op: string, pairs: readonly [bigint, bigint][]): string {
        return `
          .data
          ${wordTable('as', pairs.map(([a]) => a))}
          ${wordTable('bs', pairs.map(([, b]) => b))}
          out: .zero ${pairs.length} * WORD_BYTES
          negative: .zero ${pairs.length}
          .text
          start:
            la r1, as
            la r2, bs
            la r3, out
            la r9, negative
            li r4, ${pairs.length}
          loop:
            ld r5, [r1]
            ld r6, [r2]
            ${op} r7, r5, r6
            st r7, [r3]
            li r8, 1
            cmpi r7, 0          ; in the same block: sees the register as the op left it
            blt is_negative
            li r8, 0
          is_negative:
            stb r8, [r9]
            inc r9
            addi r1, r1, WORD_BYTES
            addi r2, r2, WORD_BYTES
            addi r3, r3, WORD_BYTES
            dec r4
            cmpi r4, 0
            bne loop
            sys exit`;
      }

      for (const [op, reference] of Object.entries(binary)) {
        it(`${op} matches a BigInt reference on edge and random operands`, () => {
          const pairs = cases(op);
          const m = boot(binaryProgram(op, pairs));
          m.runToStop();
          expect(faultOf(m)).to.equal(undefined);
          expect(m.state.trap).to.equal(0);
          const wrong: string[] = [];
          pairs.forEach(([a, b], i) => {
            const got = W(m.peek(m.sym('out') + i * WB, WB as 4 | 8));
            const want = reference(a, b);
            if (got !== want) wrong.push(`${op}(${a}, ${b}) = ${got}, want ${want}`);
            const negative = m.peek(m.sym('negative') + i, 1) === 1n;
            if (negative !== want < 0n) wrong.push(`${op}(${a}, ${b}) compared as ${negative ? 'negative' : 'non-negative'}`);
          });
          expect(wrong.slice(0, 10)).to.deep.equal([]);
        });
      }

      it('div and rem truncate toward zero, rem takes the sign of the dividend, MIN / -1 wraps to MIN', () => {
        const m = boot(`
          start:
            li r1, -7
            li r2, 2
            div r3, r1, r2
            rem r4, r1, r2
            li r5, 7
            li r6, -2
            div r7, r5, r6
            rem r8, r5, r6
            li r9, ${MIN}
            li r10, -1
            div r11, r9, r10
            rem r12, r9, r10
            divu r13, r1, r2
            sys exit`);
        m.runToStop();
        expect([m.reg(3), m.reg(4), m.reg(7), m.reg(8)]).to.deep.equal([-3n, -1n, -3n, 1n]);
        expect([m.reg(11), m.reg(12)]).to.deep.equal([MIN, 0n]);
        expect(m.reg(13)).to.equal(W(U(-7n) / 2n));
      });

      for (const op of ['not', 'neg', 'mov']) {
        const reference: Record<string, (a: bigint) => bigint> = { not: (a) => W(~a), neg: (a) => W(-a), mov: (a) => a };
        it(`${op} matches a BigInt reference on edge values (neg of MIN is MIN) and random ones`, () => {
          const rng = new Rng(0xabc + op.charCodeAt(1) + word);
          const values = [...edgeValues(word)];
          while (values.length < 300) values.push(operand(rng, word));
          const m = boot(`
            .data
            ${wordTable('as', values)}
            out: .zero ${values.length} * WORD_BYTES
            negative: .zero ${values.length}
            .text
            start:
              la r1, as
              la r3, out
              la r9, negative
              li r4, ${values.length}
            loop:
              ld r5, [r1]
              ${op} r7, r5
              st r7, [r3]
              li r8, 1
              cmpi r7, 0
              blt is_negative
              li r8, 0
            is_negative:
              stb r8, [r9]
              inc r9
              addi r1, r1, WORD_BYTES
              addi r3, r3, WORD_BYTES
              subi r4, r4, 1
              cmpi r4, 0
              bgt loop
              sys exit`);
          m.runToStop();
          expect(m.state.trap).to.equal(0);
          const wrong: string[] = [];
          values.forEach((a, i) => {
            const got = W(m.peek(m.sym('out') + i * WB, WB as 4 | 8));
            if (got !== reference[op]!(a)) wrong.push(`${op}(${a}) = ${got}, want ${reference[op]!(a)}`);
            const negative = m.peek(m.sym('negative') + i, 1) === 1n;
            if (negative !== reference[op]!(a) < 0n) wrong.push(`${op}(${a}) compared as ${negative ? 'negative' : 'non-negative'}`);
          });
          expect(wrong.slice(0, 10)).to.deep.equal([]);
        });
      }

      const immediate: Record<string, (a: bigint, imm: bigint) => bigint> = {
        addi: (a, i) => W(a + i),
        muli: (a, i) => W(a * i),
        andi: (a, i) => W(a & i),
        ori: (a, i) => W(a | i),
        xori: (a, i) => W(a ^ i),
        shli: (a, i) => W(a << i),
        shri: (a, i) => W(U(a) >> i),
        sari: (a, i) => W(a >> i),
      };
      for (const [op, reference] of Object.entries(immediate)) {
        it(`${op} sign-extends its 16-bit immediate and matches a BigInt reference`, () => {
          const rng = new Rng(0x1111 + op.charCodeAt(0) * 31 + op.charCodeAt(1) + word);
          const shift = op.startsWith('sh') || op === 'sari';
          const imms = shift
            ? Array.from({ length: word }, (_, k) => BigInt(k))
            : [0n, 1n, -1n, 2n, -2n, 32767n, -32768n, 0x7fn, -0x80n, 0x5555n, -0x5556n];
          const triples: [bigint, bigint][] = [];
          for (const a of edgeValues(word)) for (const i of imms.slice(0, 8)) triples.push([a, i]);
          while (triples.length < 250) {
            const i = shift ? BigInt(rng.below(word)) : BigInt(rng.below(65536) - 32768);
            triples.push([operand(rng, word), i]);
          }
          const body = triples
            .map(([a, i], k) =>
              [
                `  li r5, ${a}`,
                `  ${op} r7, r5, ${i}`,
                `  st r7, [r3 + ${k * WB}]`,
                `  li r8, 1`,
                `  cmpi r7, 0`,
                `  blt neg${k}`,
                `  li r8, 0`,
                `neg${k}:`,
                `  stb r8, [r9 + ${k}]`,
              ].join('\n'),
            )
            .join('\n');
          const m = boot(`
            .data
            out: .zero ${triples.length} * WORD_BYTES
            negative: .zero ${triples.length}
            .text
            start:
              la r3, out
              la r9, negative
            ${body}
              sys exit`);
          m.runToStop();
          expect(m.state.trap).to.equal(0);
          const wrong: string[] = [];
          triples.forEach(([a, i], k) => {
            const got = W(m.peek(m.sym('out') + k * WB, WB as 4 | 8));
            if (got !== reference(a, i)) wrong.push(`${op}(${a}, ${i}) = ${got}, want ${reference(a, i)}`);
            const negative = m.peek(m.sym('negative') + k, 1) === 1n;
            if (negative !== reference(a, i) < 0n) wrong.push(`${op}(${a}, ${i}) compared as ${negative ? 'negative' : 'non-negative'}`);
          });
          expect(wrong.slice(0, 10)).to.deep.equal([]);
        });
      }

      it('li, liu and mov-immediate load full-width values (sign- or zero-extended)', () => {
        const m = boot(`
          start:
            li r1, -1
            liu r2, 0xffffffff
            li r3, 0x80000000
            mov r4, -2
            li r5, ${MIN}
            li r6, ${MAX}
            sys exit`);
        m.runToStop();
        expect(m.reg(1)).to.equal(-1n);
        expect(m.reg(2)).to.equal(W(0xffffffffn));
        expect(m.reg(3)).to.equal(W(0x80000000n));
        expect(m.reg(4)).to.equal(-2n);
        expect(m.reg(5)).to.equal(MIN);
        expect(m.reg(6)).to.equal(MAX);
      });
    });

    describe('flags and conditional branches', () => {
      /** NZCV of a - b computed from exact integers: C means no borrow, V means the exact difference does not fit. */
      function subFlags(a: bigint, b: bigint): number {
        const r = W(a - b);
        return (
          (r < 0n ? Flag.N : 0) |
          (r === 0n ? Flag.Z : 0) |
          (U(a) >= U(b) ? Flag.C : 0) |
          (a - b !== r ? Flag.V : 0)
        );
      }

      const taken: Record<string, (a: bigint, b: bigint) => boolean> = {
        beq: (a, b) => a === b,
        bne: (a, b) => a !== b,
        blt: (a, b) => a < b,
        bge: (a, b) => a >= b,
        bgt: (a, b) => a > b,
        ble: (a, b) => a <= b,
        blo: (a, b) => U(a) < U(b),
        bhs: (a, b) => U(a) >= U(b),
        bhi: (a, b) => U(a) > U(b),
        bls: (a, b) => U(a) <= U(b),
      };

      function pairs(): [bigint, bigint][] {
        const rng = new Rng(0xf1a9 + word);
        const out: [bigint, bigint][] = [];
        for (const a of edgeValues(word)) for (const b of edgeValues(word)) out.push([a, b]);
        for (let i = 0; i < 100; i++) {
          const a = operand(rng, word);
          out.push([a, rng.below(4) === 0 ? a : operand(rng, word)]);
        }
        return out;
      }

      it('cmp sets NZCV of rs - rt (C = no borrow, V = signed overflow)', () => {
        const m = boot('start:\n  cmp r5, r6\n  sys exit');
        const wrong: string[] = [];
        for (const [a, b] of pairs()) {
          m.state.pc = m.program.entry;
          m.setReg(5, a);
          m.setReg(6, b);
          expect(m.run(10)).to.equal(2);
          if (m.state.flags !== subFlags(a, b)) wrong.push(`cmp ${a}, ${b}: flags ${m.state.flags}, want ${subFlags(a, b)}`);
        }
        expect(wrong.slice(0, 10)).to.deep.equal([]);
      });

      it('cmpi compares with the sign-extended immediate', () => {
        const imms = [0n, 1n, -1n, 32767n, -32768n];
        const m = boot(`start:\n${imms.map((i, k) => `at${k}: cmpi r5, ${i}\n  sys exit`).join('\n')}`);
        const wrong: string[] = [];
        for (const a of edgeValues(word)) {
          imms.forEach((i, k) => {
            m.state.pc = m.sym(`at${k}`);
            m.setReg(5, a);
            m.run(10);
            if (m.state.flags !== subFlags(a, i)) wrong.push(`cmpi ${a}, ${i}: flags ${m.state.flags}, want ${subFlags(a, i)}`);
          });
        }
        expect(wrong).to.deep.equal([]);
      });

      it('tst sets N and Z from rs & rt and clears C and V', () => {
        const m = boot('start:\n  cmp r0, r0\n  tst r5, r6\n  sys exit');
        for (const [a, b] of pairs()) {
          m.state.pc = m.program.entry;
          m.state.flags = 0;
          m.setReg(5, a);
          m.setReg(6, b);
          m.run(10);
          const r = W(a & b);
          expect(m.state.flags, `tst ${a}, ${b}`).to.equal((r < 0n ? Flag.N : 0) | (r === 0n ? Flag.Z : 0));
        }
      });

      it('arithmetic, loads, stores and branches leave the flags alone', () => {
        const m = boot(`
          .data
          cell: .word 0
          .text
          start:
            li r1, ${MAX}
            li r2, 1
            cmp r1, r2          ; N=0 Z=0 C=1 V=0
            add r3, r1, r2      ; overflows, but does not touch the flags
            sub r4, r2, r2
            la r5, cell
            st r3, [r5]
            ld r6, [r5]
            b next
          next:
            sys exit`);
        m.runToStop();
        expect(m.state.flags).to.equal(Flag.C);
      });

      /** The architectural meaning of each condition, on NZCV (ARM-style, C = no borrow). */
      const nzcv = (f: number) => ({ n: (f & Flag.N) !== 0, z: (f & Flag.Z) !== 0, c: (f & Flag.C) !== 0, v: (f & Flag.V) !== 0 });
      const onFlags: Record<string, (f: number) => boolean> = {
        beq: (f) => nzcv(f).z,
        bne: (f) => !nzcv(f).z,
        blt: (f) => nzcv(f).n !== nzcv(f).v,
        bge: (f) => nzcv(f).n === nzcv(f).v,
        bgt: (f) => !nzcv(f).z && nzcv(f).n === nzcv(f).v,
        ble: (f) => nzcv(f).z || nzcv(f).n !== nzcv(f).v,
        blo: (f) => !nzcv(f).c,
        bhs: (f) => nzcv(f).c,
        bhi: (f) => nzcv(f).c && !nzcv(f).z,
        bls: (f) => !nzcv(f).c || nzcv(f).z,
      };

      /**
       * The flags may be consumed by a branch in the block that set them or carried into
       * a later block, so each condition is checked both ways.
       */
      const placements = {
        'in the same block': (setter: string, branch: string) => `start:\n  ${setter}\n  ${branch} yes\n  sys 1\nyes:\n  sys 2`,
        'in a later block': (setter: string, branch: string) => `start:\n  ${setter}\n  b next\nnext:\n  ${branch} yes\n  sys 1\nyes:\n  sys 2`,
      };

      /** Runs the program once per operand pair; lists the pairs where the branch went the wrong way. */
      function misbranches(src: string, cases: readonly [bigint, bigint][], want: (a: bigint, b: bigint) => boolean): string[] {
        const m = boot(src);
        const wrong: string[] = [];
        for (const [a, b] of cases) {
          m.state.pc = m.program.entry;
          m.setReg(5, a);
          m.setReg(6, b);
          m.run(100);
          if ((m.state.trap === 2) !== want(a, b)) wrong.push(`(${a}, ${b}): ${m.state.trap === 2 ? 'taken' : 'not taken'}`);
        }
        return wrong.slice(0, 10);
      }

      for (const [branch, predicate] of Object.entries(taken)) {
        for (const [where, program] of Object.entries(placements)) {
          it(`${branch} after cmp ${where} is taken exactly when ${branch.slice(1)} holds (signed and unsigned edges)`, () => {
            expect(misbranches(program('cmp r5, r6', branch), pairs(), predicate)).to.deep.equal([]);
          });
        }

        it(`${branch} after cmpi follows the comparison with the sign-extended immediate`, () => {
          const cases = edgeValues(word).flatMap((a) => [a, a + 1n, a - 1n].map((b): [bigint, bigint] => [W(b), 0n]));
          for (const imm of [0n, 1n, -1n, 32767n, -32768n]) {
            expect(misbranches(placements['in the same block'](`cmpi r5, ${imm}`, branch), cases, (a) => predicate(a, imm)), `imm ${imm}`).to.deep.equal([]);
          }
        });

        for (const [where, program] of Object.entries(placements)) {
          it(`${branch} after tst ${where} follows N and Z of rs & rt, with C and V clear`, () => {
            const tstFlags = (a: bigint, b: bigint): number => (W(a & b) < 0n ? Flag.N : 0) | ((a & b) === 0n ? Flag.Z : 0);
            expect(misbranches(program('tst r5, r6', branch), pairs(), (a, b) => onFlags[branch]!(tstFlags(a, b)))).to.deep.equal([]);
          });
        }

        it(`${branch} on flags left by an earlier run follows all 16 NZCV combinations`, () => {
          const m = boot(`start:\n  ${branch} yes\n  sys 1\nyes:\n  sys 2`);
          const wrong: number[] = [];
          for (let f = 0; f < 16; f++) {
            m.state.pc = m.program.entry;
            m.state.flags = f;
            m.run(100);
            if ((m.state.trap === 2) !== onFlags[branch]!(f)) wrong.push(f);
            expect(m.state.flags).to.equal(f);
          }
          expect(wrong).to.deep.equal([]);
        });
      }

      it('the flags are in the state whenever a run stops: at a sys, at the end of the budget, at a fault', () => {
        const m = boot(`
          start:
            cmp r5, r6
            nop
            ldw r1, [r7]
            sys exit`);
        for (const [a, b] of pairs().slice(0, 40)) {
          for (const [budget, unmapped] of [[1, false], [2, false], [100, false], [100, true]] as const) {
            m.state.pc = m.program.entry;
            m.state.flags = 0;
            m.setReg(5, a);
            m.setReg(6, b);
            m.setReg(7, unmapped ? UNMAPPED : DATA_BASE);
            m.run(budget);
            expect(m.state.fault !== undefined, `budget ${budget}`).to.equal(unmapped);
            expect(m.state.flags, `cmp ${a}, ${b}, budget ${budget}${unmapped ? ', fault' : ''}`).to.equal(subFlags(a, b));
          }
        }
      });

      it('the reference conditions on flags agree with the comparisons they stand for', () => {
        for (const [a, b] of pairs()) {
          for (const [branch, predicate] of Object.entries(taken)) {
            expect(onFlags[branch]!(subFlags(a, b)), `${branch} ${a}, ${b}`).to.equal(predicate(a, b));
          }
        }
      });

      it('b always branches, backwards and forwards', () => {
        const m = boot(`
          start:
            b fwd
            sys 9
          back:
            sys 2
          fwd:
            b back`);
        m.runToStop();
        expect(m.state.trap).to.equal(2);
        expect(m.executed).to.equal(3);
      });
    });

    describe('loads and stores', () => {
      const pattern = word === 64 ? 0x1122334455667788n : 0x11223344n;
      /** Bytes of `pattern` in memory order for this node. */
      const patternBytes = (() => {
        const be = Array.from({ length: WB }, (_, i) => Number((pattern >> BigInt(8 * (WB - 1 - i))) & 0xffn));
        return endian === 'big' ? be : [...be].reverse();
      })();

      it(`a word store lays bytes out ${endian}-endian, seen by ldb and by memory`, () => {
        const loads = Array.from({ length: WB }, (_, i) => `  ldb r${i + 3}, [r1 + ${i}]`).join('\n');
        const m = boot(`
          .data
          buf: .zero 16
          .text
          start:
            la r1, buf
            li r2, ${pattern}
            st r2, [r1]
          ${loads}
            sys exit`);
        m.runToStop();
        const viaCpu = Array.from({ length: WB }, (_, i) => Number(m.reg(i + 3)));
        expect(viaCpu).to.deep.equal(patternBytes);
        expect(m.bytes(m.sym('buf'), WB)).to.deep.equal(patternBytes);
      });

      it(`bytes stored one by one read back ${endian}-endian as halves, words${word === 64 ? ' and doublewords' : ''}`, () => {
        const stores = [1, 2, 3, 4, 5, 6, 7, 8].map((v, i) => `  li r2, ${v}\n  stb r2, [r1 + ${i}]`).join('\n');
        const m = boot(`
          .data
          buf: .zero 16
          .text
          start:
            la r1, buf
          ${stores}
            ldh r3, [r1]
            ldh r4, [r1 + 6]
            ldw r5, [r1]
            ldw r6, [r1 + 4]
            ${word === 64 ? 'ldd r7, [r1]' : ''}
            sys exit`);
        m.runToStop();
        const little = endian === 'little';
        expect(m.reg(3)).to.equal(little ? 0x0201n : 0x0102n);
        expect(m.reg(4)).to.equal(little ? 0x0807n : 0x0708n);
        expect(m.reg(5)).to.equal(little ? 0x04030201n : 0x01020304n);
        expect(m.reg(6)).to.equal(little ? 0x08070605n : 0x05060708n);
        if (word === 64) expect(m.reg(7)).to.equal(little ? 0x0807060504030201n : 0x0102030405060708n);
      });

      it('narrow stores write only their low bytes and leave neighbours alone', () => {
        const m = boot(`
          .data
          buf: .space 16, 0xaa
          .text
          start:
            la r1, buf
            li r2, ${word === 64 ? '0x123456789abcbeef' : '0x7abcbeef'}
            stb r2, [r1 + 1]
            sth r2, [r1 + 4]
            stw r2, [r1 + 8]
            sys exit`);
        m.runToStop();
        const half = endian === 'little' ? [0xef, 0xbe] : [0xbe, 0xef];
        const wordBytes = word === 64 ? [0x9a, 0xbc, 0xbe, 0xef] : [0x7a, 0xbc, 0xbe, 0xef];
        const w = endian === 'little' ? [...wordBytes].reverse() : wordBytes;
        expect(m.bytes(m.sym('buf'), 16)).to.deep.equal([0xaa, 0xef, 0xaa, 0xaa, ...half, 0xaa, 0xaa, ...w, 0xaa, 0xaa, 0xaa, 0xaa]);
      });

      it('ldbs/ldhs/ldws sign-extend, ldb/ldh zero-extend, ldw zero-extends on 64-bit nodes', () => {
        const bytes = [0x80n, 0x7fn, 0xffn, 0x01n];
        const halves = [0x8000n, 0x7fffn, 0xffffn, 0x1234n];
        const words = [0x80000000n, 0x7fffffffn, 0xffffffffn, 0x12345678n];
        const loads: [string, number, bigint, (v: bigint) => bigint][] = [];
        bytes.forEach((v, i) => {
          loads.push(['ldb', i, v, (x) => W(BigInt.asUintN(8, x))], ['ldbs', i, v, (x) => W(BigInt.asIntN(8, x))]);
        });
        halves.forEach((v, i) => {
          loads.push(['ldh', 8 + 2 * i, v, (x) => W(BigInt.asUintN(16, x))], ['ldhs', 8 + 2 * i, v, (x) => W(BigInt.asIntN(16, x))]);
        });
        words.forEach((v, i) => {
          loads.push(['ldw', 16 + 4 * i, v, (x) => W(BigInt.asUintN(32, x))], ['ldws', 16 + 4 * i, v, (x) => W(BigInt.asIntN(32, x))]);
        });
        if (word === 64) loads.push(['ldd', 32, 0x8000000000000001n, (x) => W(x)]);
        const body = loads.map(([op, off], k) => `  ${op} r5, [r1 + ${off}]\n  st r5, [r3 + ${k * WB}]`).join('\n');
        const m = boot(`
          .data
          src:
            .byte ${bytes.join(', ')}
            .zero 4
            .half ${halves.join(', ')}
            .long ${words.join(', ')}
            .quad 0x8000000000000001
          out: .zero ${loads.length} * WORD_BYTES
          .text
          start:
            la r1, src
            la r3, out
          ${body}
            sys exit`);
        m.runToStop();
        expect(m.state.trap).to.equal(0);
        const got = loads.map((_, k) => `${loads[k]![0]} ${W(m.peek(m.sym('out') + k * WB, WB as 4 | 8))}`);
        const want = loads.map(([op, , v, extend]) => `${op} ${extend(v)}`);
        expect(got).to.deep.equal(want);
      });

      it('a base register plus a negative offset addresses below the base', () => {
        const m = boot(`
          .data
          a: .word 111
          b: .word 222
          .text
          start:
            la r1, b
            ld r2, [r1 - WORD_BYTES]
            ld r3, [r1 + -WORD_BYTES]
            sys exit`);
        m.runToStop();
        expect([m.reg(2), m.reg(3)]).to.deep.equal([111n, 111n]);
      });
    });

    describe('calls and the stack', () => {
      it('push and pop move sp by a word and store in node byte order', () => {
        const m = boot(`
          start:
            li r1, ${word === 64 ? '0x0102030405060708' : '0x01020304'}
            li r2, -5
            push r1
            push r2
          pushed:
            pop r3
            pop r4
            sys exit`);
        m.run(4);
        expect(m.state.pc).to.equal(m.sym('pushed'));
        expect(m.reg(15)).to.equal(BigInt(STACK_TOP - 2 * WB));
        const r1Bytes = word === 64 ? [1, 2, 3, 4, 5, 6, 7, 8] : [1, 2, 3, 4];
        expect(m.bytes(STACK_TOP - WB, WB)).to.deep.equal(endian === 'big' ? r1Bytes : [...r1Bytes].reverse());
        expect(W(m.peek(STACK_TOP - 2 * WB, WB as 4 | 8))).to.equal(-5n);
        m.runToStop();
        expect([m.reg(3), m.reg(4)]).to.deep.equal([-5n, m.reg(1)]);
        expect(m.reg(15)).to.equal(BigInt(STACK_TOP));
      });

      it('call pushes the return address and ret pops it', () => {
        const m = boot(`
          start:
            call fn
          back:
            sys exit
          fn:
            ld r1, [sp]
            mov r2, sp
            ret`);
        m.runToStop();
        expect(m.reg(1)).to.equal(BigInt(m.sym('back')));
        expect(m.reg(2)).to.equal(BigInt(STACK_TOP - WB));
        expect(m.reg(15)).to.equal(BigInt(STACK_TOP));
        expect(m.executed).to.equal(5);
      });

      it('callr calls through a register and jr jumps through one', () => {
        const m = boot(`
          start:
            la r5, fn
            callr r5
            la r6, done
            jr r6
            sys 9
          fn:
            li r1, 77
            ret
          done:
            sys exit`);
        m.runToStop();
        expect(m.state.trap).to.equal(0);
        expect(m.reg(1)).to.equal(77n);
        expect(m.reg(15)).to.equal(BigInt(STACK_TOP));
      });

      it('recursive factorial gives n! (wrapped to the word) and balances the stack', () => {
        const m = boot(`
          start:
            li r0, 20
            call fact
            sys exit
          fact:               ; r0 = n -> r0 = n!
            cmpi r0, 1
            ble fact_base
            push r0
            subi r0, r0, 1
            call fact
            pop r1
            mul r0, r0, r1
            ret
          fact_base:
            li r0, 1
            ret`);
        m.runToStop();
        let f = 1n;
        for (let i = 2n; i <= 20n; i++) f *= i;
        expect(m.reg(0)).to.equal(W(f));
        expect(m.reg(15)).to.equal(BigInt(STACK_TOP));
      });

      it('doubly recursive fibonacci gives fib(18) = 2584', () => {
        const m = boot(`
          start:
            li r0, 18
            call fib
            sys exit
          fib:                ; r0 = n -> r0 = fib(n), clobbers r1
            cmpi r0, 2
            blt fib_base
            push r0
            subi r0, r0, 1
            call fib
            pop r1
            push r0
            subi r0, r1, 2
            call fib
            pop r1
            add r0, r0, r1
          fib_base:
            ret`);
        m.runToStop();
        expect(m.reg(0)).to.equal(2584n);
        expect(m.reg(15)).to.equal(BigInt(STACK_TOP));
      });
    });

    describe('faults are precise', () => {
      it('a faulting load stops at itself: earlier results in the block are kept, the load has no effect', () => {
        const m = boot(`
          start:
            li r1, 11
            li r2, 22
            li r3, 33
            la r4, ${UNMAPPED}
          load:
            ldw r3, [r4 + 8]
            li r5, 55
            sys exit`);
        expect(m.run(1000)).to.equal(4);
        expect(faultOf(m)).to.deep.equal({ kind: 'unmapped', address: UNMAPPED + 8, pc: m.sym('load') });
        expect(m.state.trap).to.equal(-1);
        expect([m.reg(1), m.reg(2), m.reg(3), m.reg(5)]).to.deep.equal([11n, 22n, 33n, 0n]);
        // Running again retries the same instruction and faults the same way.
        expect(m.run(1000)).to.equal(0);
        expect(faultOf(m)).to.deep.equal({ kind: 'unmapped', address: UNMAPPED + 8, pc: m.sym('load') });
      });

      it('a fault is just as precise when the budget ends inside the block', () => {
        const src = `
          start:
            li r1, 11
            li r2, 22
            la r4, ${UNMAPPED}
          load:
            ldw r3, [r4]
            li r5, 55
            sys exit`;
        const short = boot(src);
        expect(short.run(3)).to.equal(3);
        expect(short.state.fault).to.equal(undefined);
        expect(short.state.pc).to.equal(short.sym('load'));
        const exact = boot(src);
        expect(exact.run(4)).to.equal(3);
        expect(faultOf(exact)).to.deep.equal({ kind: 'unmapped', address: UNMAPPED, pc: exact.sym('load') });
        expect([exact.reg(1), exact.reg(2), exact.reg(5)]).to.deep.equal([11n, 22n, 0n]);
      });

      it('unbounded recursion overflows the stack with a precise fault at the call', () => {
        const m = boot(`
          start:
            li r1, 0
          f:
            inc r1
          at_call:
            call f`);
        const slots = (STACK_TOP - STACK_BASE) / WB;
        expect(m.run(1e7)).to.equal(1 + 2 * slots + 1);
        expect(faultOf(m)).to.deep.equal({ kind: 'unmapped', address: STACK_BASE - WB, pc: m.sym('at_call') });
        expect(m.reg(1)).to.equal(BigInt(slots + 1));
        expect(m.reg(15)).to.equal(BigInt(STACK_BASE));
        expect(W(m.peek(STACK_BASE, WB as 4 | 8))).to.equal(BigInt(m.sym('at_call') + 4));
      });

      it('a store to the read-only code region is write-protected and changes nothing', () => {
        const m = boot(`
          start:
            li r1, -1
            la r2, start
          store:
            stw r1, [r2]
            sys exit`);
        m.space.pageTable.clearDirty();
        const before = m.bytes(TEXT_BASE, 16);
        expect(m.run(1000)).to.equal(2);
        expect(faultOf(m)).to.deep.equal({ kind: 'write-protected', address: TEXT_BASE, pc: m.sym('store') });
        expect(m.bytes(TEXT_BASE, 16)).to.deep.equal(before);
        expect(m.space.pageTable.dirtyPages()).to.deep.equal([]);
      });

      it('jumping into the data region is exec-protected at the jump target', () => {
        const m = boot(`
          .data
          code_in_data:
            .long 0x01, 0x01         ; would be nops if it ran
          .text
          start:
            la r1, code_in_data
            jr r1
            sys exit`);
        expect(m.run(1000)).to.equal(2);
        expect(faultOf(m)).to.deep.equal({ kind: 'exec-protected', address: DATA_BASE, pc: DATA_BASE });
      });

      it('jumping to an unmapped address faults on the fetch without throwing', () => {
        const m = boot(`start:\n  li r1, ${UNMAPPED}\n  jr r1`);
        expect(() => m.run(1000)).not.to.throw();
        expect(faultOf(m)).to.deep.equal({ kind: 'unmapped', address: UNMAPPED, pc: UNMAPPED });
        expect(m.executed).to.equal(2);
      });

      it('jumping to a misaligned pc is a bad-pc trap', () => {
        const m = boot(`start:\n  la r1, start + 2\n  jr r1`);
        expect(m.run(1000)).to.equal(2);
        expect(m.state.fault).to.be.instanceOf(CpuTrap);
        expect(faultOf(m)).to.deep.equal({ kind: 'bad-pc', address: TEXT_BASE + 2, pc: TEXT_BASE + 2 });
      });

      for (const [op, offset, bytes] of [
        ['ldh', 1, 2],
        ['ldw', 2, 4],
        ['sth', 3, 2],
        ['stw', 6, 4],
        ...(word === 64 ? ([['ldd', 4, 8], ['std', 12, 8]] as const) : []),
      ] as const) {
        it(`${op} at an address not a multiple of ${bytes} is an unaligned fault`, () => {
          const m = boot(`
            .data
            buf: .space 32, 0x55
            .text
            start:
              li r1, 9
              la r2, buf
            access:
              ${op} r1, [r2 + ${offset}]
              sys exit`);
          expect(m.run(1000)).to.equal(2);
          expect(faultOf(m)).to.deep.equal({ kind: 'unaligned', address: DATA_BASE + offset, pc: m.sym('access') });
          expect(m.reg(1)).to.equal(9n);
          expect(m.bytes(DATA_BASE, 32)).to.deep.equal(new Array<number>(32).fill(0x55));
        });
      }

      for (const op of ['div', 'divu', 'rem', 'remu']) {
        it(`${op} by zero traps before writing its destination`, () => {
          const m = boot(`
            start:
              li r1, 7
              li r2, 0
              li r3, 99
            divide:
              ${op} r3, r1, r2
              li r4, 1
              sys exit`);
          expect(m.run(1000)).to.equal(3);
          expect(m.state.fault).to.be.instanceOf(CpuTrap);
          expect(faultOf(m)).to.deep.equal({ kind: 'divide-by-zero', address: m.sym('divide'), pc: m.sym('divide') });
          expect([m.reg(3), m.reg(4)]).to.deep.equal([99n, 0n]);
        });
      }

      it('running off the end of the program into zeroed memory is a bad opcode', () => {
        const m = boot('start:\n  li r1, 1\n  li r2, 2');
        expect(m.run(1000)).to.equal(2);
        expect(faultOf(m)).to.deep.equal({ kind: 'bad-opcode', address: TEXT_BASE + 16, pc: TEXT_BASE + 16 });
        expect([m.reg(1), m.reg(2)]).to.deep.equal([1n, 2n]);
      });

      it('an unassigned opcode is a bad opcode, also in the middle of a block', () => {
        const m = boot(`
          start:
            li r1, 1
          bad:
            .long 0x0000ff21        ; opcode 0x21 is unassigned
            li r1, 2
            sys exit`);
        expect(m.run(1000)).to.equal(1);
        expect(faultOf(m)).to.deep.equal({ kind: 'bad-opcode', address: m.sym('bad'), pc: m.sym('bad') });
        expect(m.reg(1)).to.equal(1n);
      });

      it(word === 32 ? 'ldd, std and liw are bad opcodes on a 32-bit node' : 'ldd, std and liw execute on a 64-bit node', () => {
        // Hand-encoded, since the assembler refuses these mnemonics for 32-bit nodes.
        const ldd = (0x46 | (3 << 8) | (1 << 12)) >>> 0; // ldd r3, [r1]
        const std = (0x4b | (2 << 8) | (1 << 12) | (8 << 16)) >>> 0; // std r2, [r1 + 8]
        const liw = (0x32 | (4 << 8)) >>> 0; // liw r4, <next 8 bytes>
        const m = boot(`
          .data
          buf: .quad 0x0102030405060708, 0
          .text
          start:
            la r1, buf
            li r2, 5
          at_ldd: .long ${ldd}
          at_std: .long ${std}
          at_liw: .long ${liw}
            .quad 9
            sys exit`);
        if (word === 32) {
          for (const at of ['at_ldd', 'at_std', 'at_liw']) {
            m.state.pc = m.sym(at);
            expect(m.run(10)).to.equal(0);
            expect(faultOf(m)).to.deep.equal({ kind: 'bad-opcode', address: m.sym(at), pc: m.sym(at) });
          }
        } else {
          m.runToStop();
          expect(m.state.trap).to.equal(0);
          expect(m.reg(3)).to.equal(0x0102030405060708n);
          expect(m.peek(DATA_BASE + 8, 8)).to.equal(5n);
          expect(m.reg(4)).to.equal(9n);
        }
      });

      it('a faulting push leaves sp and memory unchanged', () => {
        const m = boot(`
          start:
            li r1, 5
          at_push:
            push r1
            sys exit`);
        m.setReg(15, STACK_BASE);
        expect(m.run(1000)).to.equal(1);
        expect(faultOf(m)).to.deep.equal({ kind: 'unmapped', address: STACK_BASE - WB, pc: m.sym('at_push') });
        expect(m.reg(15)).to.equal(BigInt(STACK_BASE));
      });

      it('a push with a misaligned sp is an unaligned fault and leaves sp unchanged', () => {
        const m = boot('start:\n  push r1\n  sys exit');
        m.setReg(15, STACK_TOP - 2);
        expect(m.run(1000)).to.equal(0);
        expect(faultOf(m)?.kind).to.equal('unaligned');
        expect(m.reg(15)).to.equal(BigInt(STACK_TOP - 2));
      });

      it('a faulting pop leaves its register and sp unchanged', () => {
        const m = boot(`
          start:
            li r1, 5
          at_pop:
            pop r1
            sys exit`);
        expect(m.run(1000)).to.equal(1);
        expect(faultOf(m)).to.deep.equal({ kind: 'unmapped', address: STACK_TOP, pc: m.sym('at_pop') });
        expect(m.reg(1)).to.equal(5n);
        expect(m.reg(15)).to.equal(BigInt(STACK_TOP));
      });

      it('a call whose push faults does not enter the callee', () => {
        const m = boot(`
          start:
            li r1, 1
          at_call:
            call fn
            sys exit
          fn:
            li r1, 2
            ret`);
        m.setReg(15, STACK_BASE);
        expect(m.run(1000)).to.equal(1);
        expect(faultOf(m)).to.deep.equal({ kind: 'unmapped', address: STACK_BASE - WB, pc: m.sym('at_call') });
        expect(m.reg(1)).to.equal(1n);
        expect(m.reg(15)).to.equal(BigInt(STACK_BASE));
      });

      it('a ret with nothing on the stack faults at the ret', () => {
        const m = boot('start:\n  li r1, 1\nat_ret:\n  ret');
        expect(m.run(1000)).to.equal(1);
        expect(faultOf(m)).to.deep.equal({ kind: 'unmapped', address: STACK_TOP, pc: m.sym('at_ret') });
        expect(m.reg(15)).to.equal(BigInt(STACK_TOP));
      });

      it('a fault in the middle of a block that loops on itself counts every earlier instruction', () => {
        const m = boot(`
          start:
            la r1, ${DATA_BASE + DATA_SIZE} - 5 * WORD_BYTES
            li r2, 0
          loop:
            inc r2
          store:
            st r2, [r1]
            addi r1, r1, WORD_BYTES
            b loop`);
        // Five stores fit before the end of the data region; the sixth faults.
        expect(m.run(100_000)).to.equal(2 + 5 * 4 + 1);
        expect(faultOf(m)).to.deep.equal({ kind: 'unmapped', address: DATA_BASE + DATA_SIZE, pc: m.sym('store') });
        expect([m.reg(1), m.reg(2)]).to.deep.equal([BigInt(DATA_BASE + DATA_SIZE), 6n]);
        expect(W(m.peek(DATA_BASE + DATA_SIZE - WB, WB as 4 | 8))).to.equal(5n);
      });
    });

    describe('instruction counts and preemption', () => {
      const LOOP = `
        .data
        result: .word 0
        .text
        start:
          li r1, 0
          li r2, 100
        loop:
          addi r1, r1, 3
          xor r3, r3, r1
          dec r2
          cmpi r2, 0
          bne loop
          la r4, result
          st r1, [r4]
          sys exit`;
      const LOOP_LENGTH = 2 + 100 * 5 + 3;

      it('a loop of known length gives the same count and state under budgets 1, 7, 1000 and unlimited', () => {
        const outcomes = [1, 7, 1000, 1e9].map((budget) => {
          const m = boot(LOOP);
          const total = m.runToStop(budget);
          expect(m.state.trap).to.equal(0);
          return { total, ...m.snapshot() };
        });
        expect(outcomes[0]?.total).to.equal(LOOP_LENGTH);
        for (const o of outcomes.slice(1)) expect(o).to.deep.equal(outcomes[0]);
        const m = boot(LOOP);
        m.runToStop();
        expect(m.reg(1)).to.equal(300n);
        expect(W(m.peek(m.sym('result'), WB as 4 | 8))).to.equal(300n);
      });

      it('run(b) executes exactly b instructions when the program runs longer', () => {
        for (const b of [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 96, 97, 250, LOOP_LENGTH - 1]) {
          const m = boot(LOOP);
          expect(m.run(b), `budget ${b}`).to.equal(b);
          expect(m.state.trap).to.equal(-1);
          expect(m.state.fault).to.equal(undefined);
        }
        for (const b of [LOOP_LENGTH, LOOP_LENGTH + 1, 1e6]) {
          const m = boot(LOOP);
          expect(m.run(b), `budget ${b}`).to.equal(LOOP_LENGTH);
          expect(m.state.trap).to.equal(0);
        }
      });

      it('stopping after b instructions leaves the state single-stepping reaches after b steps', () => {
        const stepper = boot(LOOP);
        const trace = [{ regs: stepper.regs().map(String), pc: stepper.state.pc, flags: stepper.state.flags }];
        for (let i = 0; i < 2 * LOOP_LENGTH && stepper.state.trap < 0; i++) {
          expect(stepper.run(1)).to.equal(1);
          trace.push({ regs: stepper.regs().map(String), pc: stepper.state.pc, flags: stepper.state.flags });
        }
        expect(trace.length - 1).to.equal(LOOP_LENGTH);
        for (const b of [3, 7, 8, 9, 10, 52, 96, 100, 101, 333, LOOP_LENGTH - 2]) {
          const m = boot(LOOP);
          m.run(b);
          expect({ regs: m.regs().map(String), pc: m.state.pc, flags: m.state.flags }, `after ${b}`).to.deep.equal(trace[b]);
        }
      });

      it('a run split into many random small budgets ends exactly like one big run (calls, loops, stores, traps)', () => {
        const rng = new Rng(0x5ca1 + word);
        const values = Array.from({ length: 24 }, () => operand(rng, word));
        const SORT = `
          .data
          ${wordTable('arr', values)}
          n = (. - arr) / WORD_BYTES
          fibout: .word 0
          .text
          start:
            li r0, 12
            call fib
            la r9, fibout
            st r0, [r9]
            li r2, n - 1
          outer:
            la r1, arr
            mov r3, r2
          inner:
            ld r4, [r1]
            ld r5, [r1 + WORD_BYTES]
            cmp r4, r5
            ble noswap
            st r5, [r1]
            st r4, [r1 + WORD_BYTES]
          noswap:
            addi r1, r1, WORD_BYTES
            dec r3
            cmpi r3, 0
            bne inner
            sys yield
            dec r2
            cmpi r2, 0
            bne outer
            sys exit
          fib:
            cmpi r0, 2
            blt fib_base
            push r0
            subi r0, r0, 1
            call fib
            pop r1
            push r0
            subi r0, r1, 2
            call fib
            pop r1
            add r0, r0, r1
          fib_base:
            ret`;
        const whole = boot(SORT);
        const reference = runAll(whole, () => 1e9);
        expect(reference.traps.length).to.equal(values.length); // 23 yields and the exit
        const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(sorted.map((_, i) => W(whole.peek(whole.sym('arr') + i * WB, WB as 4 | 8)))).to.deep.equal(sorted);
        expect(W(whole.peek(whole.sym('fibout'), WB as 4 | 8))).to.equal(144n);

        for (const scheme of ['ones', 'random 1..13', 'random 1..200']) {
          const m = boot(SORT);
          const next = scheme === 'ones' ? () => 1 : scheme === 'random 1..13' ? () => 1 + rng.below(13) : () => 1 + rng.below(200);
          const split = runAll(m, next);
          expect(split, scheme).to.deep.equal(reference);
          expect(m.snapshot(), scheme).to.deep.equal(whole.snapshot());
        }
      });

      it('a straight run longer than any translated block stops exactly at every budget', () => {
        const body = Array.from({ length: 300 }, (_, i) => `  ${i % 2 === 0 ? 'addi r1, r1, 3' : 'xori r2, r1, 0x55'}`).join('\n');
        const src = `start:\n${body}\n  sys exit`;
        const whole = boot(src);
        expect(whole.run(1e6)).to.equal(301);
        for (const b of [1, 50, 95, 96, 97, 191, 192, 193, 300]) {
          const m = boot(src);
          expect(m.run(b), `budget ${b}`).to.equal(b);
          expect(m.state.pc).to.equal(TEXT_BASE + 4 * b);
          expect(m.reg(1)).to.equal(BigInt(3 * Math.ceil(b / 2)));
        }
        const rng = new Rng(77);
        const m = boot(src);
        const split = runAll(m, () => 1 + rng.below(40));
        expect(split.total).to.equal(301);
        expect(m.snapshot()).to.deep.equal(whole.snapshot());
      });

      it('a one-instruction loop on itself is preempted exactly', () => {
        const m = boot('start:\n  li r1, 0\nspin:\n  b spin');
        expect(m.run(1)).to.equal(1);
        expect(m.run(1)).to.equal(1);
        expect(m.state.pc).to.equal(m.sym('spin'));
        expect(m.run(12345)).to.equal(12345);
        expect(m.state.pc).to.equal(m.sym('spin'));
      });
    });

    describe('system calls', () => {
      it('sys stops the run with the call number and pc after the sys', () => {
        const m = boot(`
          start:
            li r0, 42
            sys putn
          after_putn:
            sys 300
          after_300:
            sys exit
          after_exit:`);
        expect(m.run(1000)).to.equal(2);
        expect(m.state.trap).to.equal(2);
        expect(m.state.pc).to.equal(m.sym('after_putn'));
        expect(m.reg(0)).to.equal(42n);
        expect(m.run(1000)).to.equal(1);
        expect(m.state.trap).to.equal(300);
        expect(m.state.pc).to.equal(m.sym('after_300'));
        expect(m.run(1000)).to.equal(1);
        expect(m.state.trap).to.equal(0);
        expect(m.state.pc).to.equal(m.sym('after_exit'));
      });

      it('a sys inside a loop stops every pass; a run that exhausts its budget reports no trap', () => {
        const m = boot(`
          start:
            li r1, 0
          loop:
            inc r1
            sys yield
            b loop`);
        expect(m.run(1000)).to.equal(3);
        for (let i = 0; i < 9; i++) {
          expect(m.run(1000)).to.equal(3);
          expect(m.state.trap).to.equal(4);
        }
        expect(m.reg(1)).to.equal(10n);
        expect(m.run(2)).to.equal(2);
        expect(m.state.trap).to.equal(-1);
        expect(m.reg(1)).to.equal(11n);
      });
    });

    describe('page table', () => {
      const PAGES = `
        .data
        d0: .zero 4 * ${PAGE_SIZE}
        .text
        start:
          la r1, d0
          li r2, 7
          st r2, [r1 + 8]
          la r3, d0 + 3 * ${PAGE_SIZE}
          stb r2, [r3 + 100]
        load:
          ld r4, [r1 + ${PAGE_SIZE}]
          push r2
          sys exit`;

      it('stores set the dirty bit of exactly the pages they write', () => {
        const m = boot(PAGES);
        m.space.pageTable.clearDirty();
        m.runToStop();
        const pt = m.space.pageTable;
        const expected = [DATA_BASE, DATA_BASE + 3 * PAGE_SIZE, STACK_TOP - WB].map((va) => m.space.pageIndexOf(va));
        expect(pt.dirtyPages()).to.deep.equal([...expected].sort((a, b) => a - b));
        expect(pt.isDirty(m.space.pageIndexOf(DATA_BASE + PAGE_SIZE))).to.equal(false);
      });

      it('a load from a page marked not present faults precisely and succeeds once the page is present', () => {
        const m = boot(PAGES);
        const page = m.space.pageIndexOf(DATA_BASE + PAGE_SIZE);
        m.space.pageTable.setPresent(page, false);
        m.space.pageTable.clearDirty();
        expect(m.run(1000)).to.equal(5);
        expect(faultOf(m)).to.deep.equal({ kind: 'not-present', address: DATA_BASE + PAGE_SIZE, pc: m.sym('load') });
        expect(m.reg(4)).to.equal(0n);
        expect(m.space.pageTable.dirtyPages().length).to.equal(2);
        m.space.pageTable.setPresent(page, true);
        expect(m.run(1000)).to.equal(3);
        expect(m.state.trap).to.equal(0);
      });

      it('a store to a page marked not present faults and neither writes nor dirties it', () => {
        const m = boot(PAGES);
        const page = m.space.pageIndexOf(DATA_BASE + 3 * PAGE_SIZE);
        m.space.pageTable.setPresent(page, false);
        m.space.pageTable.clearDirty();
        expect(m.run(1000)).to.equal(4);
        expect(faultOf(m)?.kind).to.equal('not-present');
        expect(m.space.pageTable.isDirty(page)).to.equal(false);
        m.space.pageTable.setPresent(page, true);
        expect(m.space.ld8(DATA_BASE + 3 * PAGE_SIZE + 100)).to.equal(0);
      });

      it('fetching from a code page marked not present faults at the entry point', () => {
        const m = boot(PAGES);
        const page = m.space.pageIndexOf(TEXT_BASE);
        m.space.pageTable.setPresent(page, false);
        expect(m.run(1000)).to.equal(0);
        expect(faultOf(m)).to.deep.equal({ kind: 'not-present', address: TEXT_BASE, pc: TEXT_BASE });
        m.space.pageTable.setPresent(page, true);
        m.runToStop();
        expect(m.state.trap).to.equal(0);
      });

      it('code falling through into a page not present runs up to the page boundary, then faults', () => {
        const nops = (PAGE_SIZE - 8) / 4;
        const m = boot(`
          start:
            li r1, 1
          ${'  nop\n'.repeat(nops)}
          second_page:
            li r2, 2
            sys exit`);
        expect(m.sym('second_page')).to.equal(TEXT_BASE + PAGE_SIZE);
        m.space.pageTable.setPresent(m.space.pageIndexOf(TEXT_BASE + PAGE_SIZE), false);
        expect(m.run(100_000)).to.equal(1 + nops);
        expect(faultOf(m)).to.deep.equal({ kind: 'not-present', address: TEXT_BASE + PAGE_SIZE, pc: TEXT_BASE + PAGE_SIZE });
        expect([m.reg(1), m.reg(2)]).to.deep.equal([1n, 0n]);
        m.space.pageTable.setPresent(m.space.pageIndexOf(TEXT_BASE + PAGE_SIZE), true);
        expect(m.run(100_000)).to.equal(2);
        expect(m.reg(2)).to.equal(2n);
      });
    });
  });
}
