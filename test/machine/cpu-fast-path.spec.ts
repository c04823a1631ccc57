/**
 * The translated code's fast paths against single-stepping, on all four
 * word-size/byte-order combinations. Blocks leave before any memory access the
 * direct map does not allow as it is (a page not present, a clean page's first
 * store, an unaligned or unmapped address) and before a division by zero; that
 * instruction then runs alone, checked. These specs change the page table under
 * a hot loop (as post-copy and pre-copy do) and check that instruction counts,
 * faults, registers, memory and dirty bits are exactly those of a machine run
 * one instruction at a time. Two machines running the same program share
 * translated code and keep their own state.
 */
import { expect } from 'chai';
import { CpuTrap } from '../../src/machine/cpu-trap.ts';
import { MemoryFault } from '../../src/partition/memory-fault.ts';
import { CPU_CONFIGS, DATA_BASE, Machine, PAGE_SIZE, Rng } from '../support/cpu-harness.ts';

/**
 * A hot loop over two pages of data: each pass loads a word of page 0, adds it to
 * an accumulator, stores the accumulator into page 1 and divides by r7 (1 unless
 * a test sets it to 0). It never ends by itself.
 */
const HOT = `
start:  li   r1, 0
        la   r2, src
        la   r3, dst
        li   r7, 1
        li   r9, 0
loop:   andi r5, r1, 255
        shli r5, r5, WSHIFT
        add  r6, r2, r5
load:   ld   r4, [r6]
        add  r9, r9, r4
        add  r6, r3, r5
store:  st   r9, [r6]
        addi r4, r4, 3
        add  r6, r2, r5
        st   r4, [r6]
divide: div  r8, r9, r7
        addi r1, r1, 1
        b    loop
        .data
        .align ${PAGE_SIZE}
src:    .zero ${PAGE_SIZE}
dst:    .zero ${PAGE_SIZE}
`;

/** What must agree between the two machines. */
function view(m: Machine): unknown {
  const f = m.state.fault;
  return {
    ...m.snapshot(),
    fault: f instanceof MemoryFault || f instanceof CpuTrap ? { kind: f.kind, address: f.address } : undefined,
    executed: m.executed,
    dirty: m.space.pageTable.dirtyPages(),
  };
}

/** Runs `m` one instruction at a time for `n` instructions, or until a fault or trap. */
function step(m: Machine, n: number): number {
  let done = 0;
  while (done < n) {
    const k = m.run(1);
    done += k;
    if (m.state.fault !== undefined || m.state.trap >= 0) break;
    expect(k).to.equal(1);
  }
  return done;
}

for (const config of CPU_CONFIGS) {
  describe(`CPU fast paths, ${config.word}-bit ${config.endian}-endian`, () => {
    const boot = (): Machine => Machine.boot(`WSHIFT = ${config.word === 64 ? 3 : 2}\n${HOT}`, config);

    it('a hot loop under page-table changes counts, faults and dirties exactly as single steps do', () => {
      const fast = boot();
      const slow = boot();
      const pt = (m: Machine) => m.space.pageTable;
      const srcPage = (m: Machine) => m.space.pageIndexOf(m.sym('src'));
      const dstPage = (m: Machine) => m.space.pageIndexOf(m.sym('dst'));
      const both = (f: (m: Machine) => void): void => [fast, slow].forEach(f);
      const expectSame = (what: string): void => {
        expect(view(fast), what).to.deep.equal(view(slow));
      };

      // Warm: the loop runs on its fast paths.
      fast.run(20_000);
      step(slow, 20_000);
      expectSame('after the warm-up');

      // Pre-copy clears the dirty bits: the next store to each page must set them again.
      both((m) => pt(m).clearDirty());
      expect(fast.run(1_000)).to.equal(step(slow, 1_000));
      expectSame('after clearDirty');
      expect(pt(fast).isDirty(dstPage(fast))).to.equal(true);

      // Post-copy: the source page goes missing; the load faults at itself.
      both((m) => pt(m).setPresent(srcPage(m), false));
      const n = fast.run(5_000);
      expect(n).to.equal(step(slow, 5_000));
      expect(n).to.be.lessThan(20);
      expectSame('at the not-present fault');
      expect(fast.state.fault?.kind).to.equal('not-present');
      expect(fast.state.pc).to.equal(fast.sym('load'));

      // The page arrives; the destination page goes missing: the store faults, having loaded and added.
      both((m) => {
        pt(m).setPresent(srcPage(m), true);
        pt(m).setPresent(dstPage(m), false);
      });
      expect(fast.run(5_000)).to.equal(step(slow, 5_000));
      expectSame('at the store fault');
      expect(fast.state.pc).to.equal(fast.sym('store'));

      // Both present again, then a division by zero in the middle of a pass.
      both((m) => {
        pt(m).setPresent(dstPage(m), true);
        m.setReg(7, 0);
      });
      expect(fast.run(5_000)).to.equal(step(slow, 5_000));
      expectSame('at the division by zero');
      expect(fast.state.fault?.kind).to.equal('divide-by-zero');
      expect(fast.state.pc).to.equal(fast.sym('divide'));
    });

    it('random budgets with dirty bits cleared at random points end exactly like single steps', () => {
      const fast = boot();
      const slow = boot();
      const rng = new Rng(config.word + (config.endian === 'big' ? 1 : 0));
      for (let i = 0; i < 60; i++) {
        const budget = 1 + (rng.next32() % 300);
        if (rng.next32() % 3 === 0) for (const m of [fast, slow]) m.space.pageTable.clearDirty();
        expect(fast.run(budget), `slice ${i}`).to.equal(step(slow, budget));
      }
      expect(view(fast)).to.deep.equal(view(slow));
    });

    it('two machines running the same program share its translation and keep their own state', () => {
      const a = boot();
      const b = boot();
      const solo = boot();
      for (let i = 0; i < 20; i++) {
        a.run(997);
        if (b.state.fault === undefined) b.run(997);
        if (i === 0) b.setReg(7, 0); // b faults at its next division; a goes on
      }
      solo.run(997 * 20);
      expect(view(a)).to.deep.equal(view(solo));
      expect(b.state.fault?.kind).to.equal('divide-by-zero');
      expect(b.executed).to.be.lessThan(997 + 20);
      expect(b.space.hash()).to.not.equal(a.space.hash());
    });
  });
}

describe('CPU fast paths: the direct map follows the page table', () => {
  it('a page dirtied, cleaned, taken and restored is written through the fast path only while dirty', () => {
    const m = Machine.boot(`WSHIFT = 2\n${HOT}`, CPU_CONFIGS[0]!);
    const vpage = m.sym('dst') / PAGE_SIZE;
    const page = m.space.pageIndexOf(m.sym('dst'));
    const fastWrite = (): boolean => m.space.direct.write[vpage]! >= 0;
    m.space.pageTable.clearDirty();
    expect(fastWrite()).to.equal(false);
    m.run(100);
    expect(m.space.pageTable.isDirty(page) && fastWrite()).to.equal(true);
    const taken = m.space.pageTable.takeDirty();
    expect(fastWrite()).to.equal(false);
    m.space.pageTable.restoreDirty(taken);
    expect(fastWrite()).to.equal(true);
    m.space.pageTable.setPresent(page, false);
    expect(fastWrite() || m.space.direct.read[vpage]! >= 0).to.equal(false);
    m.space.installPage(page, undefined);
    expect(m.space.direct.read[vpage]).to.be.greaterThanOrEqual(0);
    expect(fastWrite()).to.equal(false); // installed pages are clean
    expect(DATA_BASE % PAGE_SIZE).to.equal(0);
  });
});
