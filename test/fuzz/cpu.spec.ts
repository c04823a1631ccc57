// Properties of the translating CPU on random code: whatever the words, run()
// never throws, never executes more than its budget, stops only on a typed fault
// (MemoryFault or CpuTrap) or a system call, and counts exactly: one run of N
// instructions ends in the same state, after the same count, as N runs of one.
import { expect } from 'chai';
import fc from 'fast-check';
import { CpuTrap } from '../../src/machine/cpu-trap.ts';
import { OPS } from '../../src/machine/isa.ts';
import { MemoryFault } from '../../src/partition/memory-fault.ts';
import { CPU_CONFIGS, Machine } from '../support/cpu-harness.ts';
import { fuzzParameters } from '../support/fuzz.ts';

const OPCODES = [...new Set([...OPS.values()].map((o) => o.opcode))];

/** A code word: mostly a real opcode with random operand bits, sometimes any 32 bits. */
const word = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...OPCODES), fc.integer({ min: 0, max: 0xffffff })).map(([op, rest]) => ((rest << 8) | op) >>> 0) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
);

type Stop = { count: number; regs: bigint[]; pc: number; fault: string; syscalls: number };

/** Runs `m` for `budget` instructions in slices of `slice`, stepping over system calls, until a fault or the budget. */
function drive(m: Machine, budget: number, slice: number): Stop {
  let count = 0;
  let syscalls = 0;
  while (count < budget) {
    const want = Math.min(slice, budget - count);
    const n = m.run(want);
    expect(n, 'a run never exceeds its budget').to.be.within(0, want);
    count += n;
    const f = m.state.fault;
    if (f !== undefined) {
      expect(f instanceof MemoryFault || f instanceof CpuTrap, `fault ${String(f)} is typed`).to.equal(true);
      return { count, regs: m.regs(), pc: m.state.pc, fault: `${f.kind}: ${f.message}`, syscalls };
    }
    if (m.state.trap >= 0) {
      syscalls++;
      // As if the system call returned at once.
      m.state.trap = -1;
    } else if (n === 0) break;
  }
  return { count, regs: m.regs(), pc: m.state.pc, fault: '', syscalls };
}

describe('fuzz: the CPU on random code', () => {
  for (const config of CPU_CONFIGS) {
    it(`${config.word}-bit ${config.endian}: never throws, faults typed, counts exact`, () => {
      fc.assert(
        fc.property(fc.array(word, { minLength: 1, maxLength: 48 }), fc.integer({ min: 1, max: 400 }), (words, budget) => {
          const source = `.text\nstart:\n.long ${words.map((w) => `0x${w.toString(16)}`).join(', ')}\n`;
          const whole = drive(Machine.boot(source, config), budget, budget);
          const stepped = drive(Machine.boot(source, config), budget, 1);
          expect(stepped).to.deep.equal(whole);
        }),
        fuzzParameters(40),
      );
    });
  }
});
