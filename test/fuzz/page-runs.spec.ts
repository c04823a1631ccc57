// Page batches copy consecutive pages of a region as one run (page-batch.ts,
// AddressSpace.installBatch). Whatever pages a batch lists — in order, out of
// order, repeated, across the end of a region whose next region lies elsewhere
// in physical memory — the bytes must be those a copy page by page gives.
import { expect } from 'chai';
import fc from 'fast-check';
import type { RegionDef } from '../../src/config/model.ts';
import { decodePageBatch, encodePageBatch, encodePages } from '../../src/migtask/page-batch.ts';
import { AddressSpace, PhysicalMemory, Pte } from '../../src/partition/index.ts';
import { fuzzParameters } from '../support/fuzz.ts';

const PAGE = 4096;

function region(name: string, vaddr: number, paddr: number, pages: number): RegionDef {
  return { name, vaddr, paddr, size: pages * PAGE, rights: { r: true, w: true, x: false }, rightsText: 'rw', line: 1 };
}

/**
 * Three regions of 3, 5 and 2 pages (page-table indices 0–2, 3–7, 8–9); the
 * second lies below the first in physical memory and the third far above, so
 * index 2 → 3 and 7 → 8 are consecutive numbers but not neighbours in memory.
 */
const REGIONS = [region('a', 0x10000, 0x40000, 3), region('b', 0x20000, 0x10000, 5), region('c', 0x30000, 0x70000, 2)];
const PAGES = 10;

function space(fill: (page: number) => number): AddressSpace {
  const s = new AddressSpace(REGIONS, 0, PAGE, new PhysicalMemory(0x80000), 'little');
  for (let p = 0; p < PAGES; p++) {
    const bytes = s.pageBytes(p);
    for (let i = 0; i < PAGE; i += 512) bytes[i] = (fill(p) + i) & 0xff;
  }
  return s;
}

const pageLists = fc.oneof(
  fc.array(fc.integer({ min: 0, max: PAGES - 1 }), { maxLength: 24 }),
  fc.uniqueArray(fc.integer({ min: 0, max: PAGES - 1 }), { maxLength: PAGES }).map((a) => a.sort((x, y) => x - y)),
);

describe('fuzz: page batches copied in runs', () => {
  it('encode the same bytes as a copy page by page', () => {
    const s = space((p) => p * 37 + 1);
    fc.assert(
      fc.property(pageLists, (index) => {
        const fast = encodePageBatch(s, index);
        const slow = encodePages(index, PAGE, (p) => s.pageBytes(p));
        expect(Buffer.compare(Buffer.from(fast), Buffer.from(slow)), `pages ${index.join(',')}`).to.equal(0);
      }),
      fuzzParameters(300),
    );
  });

  it('install each page where a copy page by page puts it, present and clean, and no other', () => {
    const from = space((p) => p * 11 + 5);
    fc.assert(
      fc.property(pageLists, (index) => {
        const batch = decodePageBatch(encodePageBatch(from, index));
        const fast = space(() => 0xee);
        const slow = space(() => 0xee);
        for (let p = 0; p < PAGES; p++) fast.pageTable.set(p, Pte.READ | Pte.DIRTY);
        for (let p = 0; p < PAGES; p++) slow.pageTable.set(p, Pte.READ | Pte.DIRTY);
        fast.installBatch(batch.index, batch.data);
        batch.index.forEach((p, k) => slow.installPage(p, batch.data.subarray(k * PAGE, (k + 1) * PAGE)));
        for (let p = 0; p < PAGES; p++) {
          expect(Buffer.compare(Buffer.from(fast.pageBytes(p)), Buffer.from(slow.pageBytes(p))), `page ${p} of ${index.join(',')}`).to.equal(0);
          expect(fast.pageTable.flags[p], `flags of page ${p}`).to.equal(slow.pageTable.flags[p]);
        }
      }),
      fuzzParameters(300),
    );
  });

  it('refuse a batch whose bytes do not match its page count', () => {
    const s = space(() => 1);
    expect(() => s.installBatch([0, 1], new Uint8Array(PAGE))).to.throw(RangeError, /2 page\(s\) need 8192 bytes, got 4096/);
  });
});
