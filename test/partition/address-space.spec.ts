import { expect } from 'chai';
import type { RegionDef } from '../../src/config/model.ts';
import { AddressSpace, MemoryFault, PhysicalMemory, Pte } from '../../src/partition/index.ts';

const PAGE = 4096;

function region(name: string, vaddr: number, paddr: number, size: number, rights: string): RegionDef {
  return {
    name,
    vaddr,
    paddr,
    size,
    rights: { r: rights.includes('r'), w: rights.includes('w'), x: rights.includes('x') },
    rightsText: rights,
    line: 1,
  };
}

/** code: 2 pages rx at 0x10000, data: 4 pages rw at 0x100000 (phys 0x20000), 2 slots each. */
const REGIONS = [region('code', 0x10000, 0x10000, 2 * PAGE, 'rx'), region('data', 0x100000, 0x20000, 4 * PAGE, 'rw')];
const CODE = 0x10000;
const DATA = 0x100000;
/** Page-table index of the first data page (code has 2 pages). */
const DATA_PAGE0 = 2;

function space(slot = 0, memory = new PhysicalMemory(0x40000), endian: 'little' | 'big' = 'little'): AddressSpace {
  return new AddressSpace(REGIONS, slot, PAGE, memory, endian);
}

function faultOf(fn: () => unknown): MemoryFault {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof MemoryFault) return e;
    throw e;
  }
  throw new Error('expected a memory fault, but the access succeeded');
}

describe('AddressSpace', () => {
  describe('mapping onto physical memory', () => {
    it('maps slot 0 at each region paddr and slot k at paddr + k * size', () => {
      const memory = new PhysicalMemory(0x40000);
      const s0 = space(0, memory);
      const s1 = space(1, memory);
      s0.st32(DATA + 8, 0x11223344);
      s1.st32(DATA + 8, 0x55667788);
      expect(memory.view.getUint32(0x20000 + 8, true)).to.equal(0x11223344);
      expect(memory.view.getUint32(0x20000 + 4 * PAGE + 8, true)).to.equal(0x55667788);
      expect(s1.regions.map((r) => r.pbase)).to.deep.equal([0x10000 + 2 * PAGE, 0x20000 + 4 * PAGE]);
    });

    it('keeps the slots apart: a write in slot 0 is not visible in slot 1', () => {
      const memory = new PhysicalMemory(0x40000);
      const s0 = space(0, memory);
      const s1 = space(1, memory);
      s0.st32(DATA, 42);
      s0.writeBytes(DATA + 100, new Uint8Array([1, 2, 3]));
      expect(s0.ld32(DATA)).to.equal(42);
      expect(s1.ld32(DATA)).to.equal(0);
      expect([...s1.readBytes(DATA + 100, 3)]).to.deep.equal([0, 0, 0]);
    });

    it('stores in the node byte order', () => {
      const le = new PhysicalMemory(0x40000);
      const be = new PhysicalMemory(0x40000);
      space(0, le, 'little').st32(DATA, 0x01020304);
      space(0, be, 'big').st32(DATA, 0x01020304);
      expect([...le.bytes.subarray(0x20000, 0x20004)]).to.deep.equal([4, 3, 2, 1]);
      expect([...be.bytes.subarray(0x20000, 0x20004)]).to.deep.equal([1, 2, 3, 4]);
      expect(space(0, be, 'big').ld32(DATA)).to.equal(0x01020304);
    });

    it('round-trips every access width', () => {
      const s = space();
      s.st8(DATA, 0xff);
      s.st16(DATA + 2, 0xfffe);
      s.st32(DATA + 4, -2);
      s.st64(DATA + 8, -3n);
      expect([s.ld8(DATA), s.ld8s(DATA)]).to.deep.equal([255, -1]);
      expect([s.ld16(DATA + 2), s.ld16s(DATA + 2)]).to.deep.equal([0xfffe, -2]);
      expect([s.ld32(DATA + 4), s.ld32u(DATA + 4)]).to.deep.equal([-2, 0xfffffffe]);
      expect(s.ld64(DATA + 8)).to.equal(-3n);
    });
  });

  describe('faults', () => {
    it('refuses a store to a read-execute region as write-protected', () => {
      const s = space();
      const f = faultOf(() => s.st32(CODE + 4, 1));
      expect(f.kind).to.equal('write-protected');
      expect(f.address).to.equal(CODE + 4);
      expect(f.message).to.contain('0x10004');
      expect(s.ld32(CODE + 4)).to.equal(0);
    });

    it('refuses to execute from a read-write region as exec-protected', () => {
      expect(faultOf(() => space().fetch32(DATA)).kind).to.equal('exec-protected');
    });

    it('lets the loader write code regardless of rights, and the CPU fetch it', () => {
      const s = space();
      s.loadImage(CODE, new Uint8Array([1, 0, 0, 0]));
      expect(s.fetch32(CODE)).to.equal(1);
    });

    it('faults accesses outside every region as unmapped, reads and writes alike', () => {
      const s = space();
      expect(faultOf(() => s.ld32(0x200000)).kind).to.equal('unmapped');
      expect(faultOf(() => s.st8(DATA + 4 * PAGE, 1)).kind).to.equal('unmapped');
      expect(faultOf(() => s.ld32(CODE - 4)).kind).to.equal('unmapped');
      // An access that starts inside a region but runs past its end is unmapped too.
      expect(faultOf(() => s.readBytes(DATA + 4 * PAGE - 2, 4)).kind).to.equal('unmapped');
    });

    it('faults unaligned accesses', () => {
      expect(faultOf(() => space().ld32(DATA + 2)).kind).to.equal('unaligned');
    });

    it('faults any access to a page that is not present, until it is installed', () => {
      const s = space();
      s.st32(DATA + PAGE, 7);
      s.pageTable.setPresent(DATA_PAGE0 + 1, false);
      const f = faultOf(() => s.ld32(DATA + PAGE));
      expect(f.kind).to.equal('not-present');
      expect(f.page).to.equal((DATA + PAGE) / PAGE);
      expect(faultOf(() => s.st32(DATA + PAGE + 4, 1)).kind).to.equal('not-present');
      // Neighbouring pages are unaffected.
      expect(s.ld32(DATA)).to.equal(0);
    });

    it('reports a store to a non-present read-only page as write-protected (rights first)', () => {
      const s = space();
      s.pageTable.setPresent(0, false);
      expect(faultOf(() => s.st32(CODE, 1)).kind).to.equal('write-protected');
    });
  });

  describe('dirty tracking', () => {
    it('marks exactly the pages written, and not the pages read', () => {
      const s = space();
      s.pageTable.clearDirty();
      s.ld32(DATA);
      s.ld32(DATA + 3 * PAGE);
      expect(s.pageTable.dirtyPages()).to.deep.equal([]);
      s.st8(DATA + 2 * PAGE + 5, 1);
      expect(s.pageTable.dirtyPages()).to.deep.equal([DATA_PAGE0 + 2]);
    });

    it('marks both pages of a writeBytes that crosses a page boundary', () => {
      const s = space();
      s.pageTable.clearDirty();
      s.writeBytes(DATA + PAGE - 2, new Uint8Array([1, 2, 3, 4]));
      expect(s.pageTable.dirtyPages()).to.deep.equal([DATA_PAGE0, DATA_PAGE0 + 1]);
      expect([...s.readBytes(DATA + PAGE - 2, 4)]).to.deep.equal([1, 2, 3, 4]);
    });

    it('clearDirty forgets earlier writes; later writes are tracked again', () => {
      const s = space();
      s.st32(DATA, 1);
      s.st32(DATA + 3 * PAGE, 1);
      expect(s.pageTable.dirtyPages()).to.include.members([DATA_PAGE0, DATA_PAGE0 + 3]);
      s.pageTable.clearDirty();
      expect(s.pageTable.dirtyPages()).to.deep.equal([]);
      s.st32(DATA + 3 * PAGE + 8, 2);
      expect(s.pageTable.dirtyPages()).to.deep.equal([DATA_PAGE0 + 3]);
    });

    it('a failed store marks nothing dirty', () => {
      const s = space();
      s.pageTable.clearDirty();
      faultOf(() => s.st32(CODE, 1));
      faultOf(() => s.st32(DATA + 1, 1));
      expect(s.pageTable.dirtyPages()).to.deep.equal([]);
    });
  });

  describe('installPage and reset', () => {
    it('installPage makes a page present and clean with the given contents', () => {
      const s = space();
      const page = DATA_PAGE0 + 1;
      s.pageTable.setPresent(page, false);
      const data = new Uint8Array(PAGE).fill(0xab);
      s.installPage(page, data);
      expect(s.pageTable.isPresent(page)).to.equal(true);
      expect(s.pageTable.isDirty(page)).to.equal(false);
      expect(s.ld8(DATA + PAGE + 17)).to.equal(0xab);
      // The rights bits survive.
      expect(s.pageTable.flags[page]! & (Pte.READ | Pte.WRITE | Pte.EXEC)).to.equal(Pte.READ | Pte.WRITE);
    });

    it('installPage with no data installs a zero page', () => {
      const s = space();
      s.st32(DATA, 5);
      s.installPage(DATA_PAGE0, undefined);
      expect(s.ld32(DATA)).to.equal(0);
      expect(s.isZeroPage(DATA_PAGE0)).to.equal(true);
    });

    it('isZeroPage sees a single non-zero byte anywhere in a page, and nothing of the next page', () => {
      const s = space();
      s.installPage(DATA_PAGE0, undefined);
      s.installPage(DATA_PAGE0 + 1, undefined);
      for (const at of [0, 1, 2047, 4095]) {
        const page = new Uint8Array(4096);
        page[at] = 0x80;
        s.installPage(DATA_PAGE0, page);
        expect(s.isZeroPage(DATA_PAGE0), `byte ${at}`).to.equal(false);
        expect(s.isZeroPage(DATA_PAGE0 + 1), 'the next page').to.equal(true);
      }
    });

    it('installPage refuses data of the wrong size', () => {
      expect(() => space().installPage(DATA_PAGE0, new Uint8Array(10))).to.throw(RangeError, /10 bytes/);
    });

    it('reset zeroes the slot and makes every page present and clean, leaving other slots alone', () => {
      const memory = new PhysicalMemory(0x40000);
      const s0 = space(0, memory);
      const s1 = space(1, memory);
      s0.st32(DATA, 1);
      s1.st32(DATA, 2);
      s0.pageTable.setPresent(DATA_PAGE0 + 2, false);
      s0.reset();
      expect(s0.pageTable.presentCount()).to.equal(s0.pageCount);
      expect(s0.pageTable.dirtyPages()).to.deep.equal([]);
      expect(s0.ld32(DATA)).to.equal(0);
      expect(s1.ld32(DATA)).to.equal(2);
    });
  });

  describe('hash', () => {
    it('changes when memory changes and is equal for equal contents', () => {
      const memory = new PhysicalMemory(0x40000);
      const s0 = space(0, memory);
      const s1 = space(1, memory);
      expect(s0.hash()).to.equal(s1.hash());
      const before = s0.hash();
      s0.st8(DATA + 3 * PAGE + 9, 1);
      expect(s0.hash()).to.not.equal(before);
      expect(s0.hash()).to.not.equal(s1.hash());
      s1.st8(DATA + 3 * PAGE + 9, 1);
      expect(s0.hash()).to.equal(s1.hash());
    });

    it('distinguishes an absent page from a present zero page', () => {
      const s = space();
      const before = s.hash();
      s.pageTable.setPresent(DATA_PAGE0, false);
      expect(s.hash()).to.not.equal(before);
    });
  });
});
