/**
 * The virtual address space of one task slot of a partition: its regions mapped
 * onto the node's physical memory, a page table with present/dirty/rights bits,
 * and the typed loads and stores the CPU uses (in the node's byte order).
 *
 * Accesses must be naturally aligned, so one access never spans two pages; that
 * keeps present/dirty tracking to a single page-table lookup.
 */
import type { Endian, RegionDef, RegionRights } from '../config/index.ts';
import { MemoryFault } from './memory-fault.ts';
import { PageTable, Pte } from './page-table.ts';
import type { PhysicalMemory } from './physical-memory.ts';
import { createHash } from 'node:crypto';

/** A region as mapped into one slot: its pages and where they are in physical memory. */
export interface MappedRegion {
  readonly name: string;
  readonly vbase: number;
  readonly size: number;
  /** Offset of the region's first byte in the node's physical memory. */
  readonly pbase: number;
  readonly rights: RegionRights;
  /** Index of the region's first page in the page table. */
  readonly firstPage: number;
  readonly pageCount: number;
}

/** Largest virtual page number the direct map covers (beyond it, accesses take the slow path). */
const MAX_DIRECT_PAGES = 1 << 20;

/**
 * Views the CPU's translated code uses to access memory inline, without a call.
 * `read[vpage]` is the physical byte offset of a virtual page the CPU may load
 * from now (mapped, present, readable), else -1; `write[vpage]` the same for a
 * page it may store to without changing its page-table entry (mapped, present,
 * writable and already dirty), else -1. The address space keeps both in step
 * with every change of the page table; every other access takes the checked
 * slow path, which raises the precise fault or sets the dirty bit.
 */
export interface DirectMap {
  readonly read: Int32Array;
  readonly write: Int32Array;
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
  readonly view: DataView;
  /** Addresses at or above this take the slow path. */
  readonly limit: number;
}

const NEED_READ = Pte.PRESENT | Pte.READ;
const NEED_WRITE = Pte.PRESENT | Pte.WRITE;
const NEED_EXEC = Pte.PRESENT | Pte.EXEC;
/** A store may leave the page table alone when the page is present, writable and already dirty. */
const FAST_WRITE = Pte.PRESENT | Pte.WRITE | Pte.DIRTY;

/** One slot's virtual memory: its regions, its page table, and reads and writes that honour rights and presence. */
/** A page of zeros of the last page size asked about (isZeroPage compares with it). */
let zeroPage = Buffer.alloc(4096);

export class AddressSpace {
  /** The regions, in address order. */
  readonly regions: readonly MappedRegion[];
  /** Present, dirty and rights bits per page. */
  readonly pageTable: PageTable;
  /** log2 of the page size. */
  readonly pageShift: number;
  /** The node's byte order. */
  readonly littleEndian: boolean;
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  /** Index of the region that served the last access: most accesses hit it again. */
  private hint = 0;
  /** The lookup tables of the CPU's inline fast path. */
  readonly direct: DirectMap;
  /** Per page-table entry: its virtual page in the direct map (-1 beyond it) and its physical offset. */
  private readonly directVpage: Int32Array;
  private readonly directPhys: Int32Array;

  constructor(
    defs: readonly RegionDef[],
    /** Which physical copy of the partition's regions this space uses. */
    readonly slot: number,
    readonly pageSize: number,
    memory: PhysicalMemory,
    endian: Endian,
  ) {
    this.pageShift = Math.log2(pageSize);
    if (!Number.isInteger(this.pageShift)) throw new RangeError(`page size ${pageSize} is not a power of two`);
    let firstPage = 0;
    this.regions = defs.map((d) => {
      const pageCount = d.size / pageSize;
      const r: MappedRegion = {
        name: d.name,
        vbase: d.vaddr,
        size: d.size,
        pbase: d.paddr + slot * d.size,
        rights: d.rights,
        firstPage,
        pageCount,
      };
      firstPage += pageCount;
      return r;
    });
    this.pageTable = new PageTable(firstPage);
    this.view = memory.view;
    this.bytes = memory.bytes;
    this.littleEndian = endian === 'little';
    this.directVpage = new Int32Array(firstPage).fill(-1);
    this.directPhys = new Int32Array(firstPage);
    this.direct = this.buildDirectMap(memory);
    this.pageTable.watch((page) => this.refreshDirect(page));
    for (const r of this.regions) {
      const bits = Pte.PRESENT | (r.rights.r ? Pte.READ : 0) | (r.rights.w ? Pte.WRITE : 0) | (r.rights.x ? Pte.EXEC : 0);
      for (let p = r.firstPage; p < r.firstPage + r.pageCount; p++) this.pageTable.set(p, bits);
    }
  }

  private buildDirectMap(memory: PhysicalMemory): DirectMap {
    const top = Math.max(...this.regions.map((r) => (r.vbase + r.size) / this.pageSize));
    const pages = top <= MAX_DIRECT_PAGES ? top : 0;
    for (const r of this.regions) {
      for (let i = 0; i < r.pageCount; i++) {
        const vpage = r.vbase / this.pageSize + i;
        if (vpage < pages) this.directVpage[r.firstPage + i] = vpage;
        this.directPhys[r.firstPage + i] = r.pbase + i * this.pageSize;
      }
    }
    return {
      read: new Int32Array(pages).fill(-1),
      write: new Int32Array(pages).fill(-1),
      bytes: memory.bytes,
      words: new Int32Array(memory.bytes.buffer, memory.bytes.byteOffset, memory.bytes.byteLength >>> 2),
      view: memory.view,
      limit: pages * this.pageSize,
    };
  }

  /** Brings the direct map's entries for page-table entry `page` in line with its bits. */
  private refreshDirect(page: number): void {
    const vpage = this.directVpage[page]!;
    if (vpage < 0) return;
    const f = this.pageTable.flags[page]!;
    const phys = this.directPhys[page]!;
    this.direct.read[vpage] = (f & NEED_READ) === NEED_READ ? phys : -1;
    this.direct.write[vpage] = (f & FAST_WRITE) === FAST_WRITE ? phys : -1;
  }

  /** Pages of the address space. */
  get pageCount(): number {
    return this.pageTable.pageCount;
  }

  /** Total mapped bytes. */
  get size(): number {
    return this.pageTable.pageCount * this.pageSize;
  }

  /**
   * Translates a virtual address to a physical offset, checking mapping, alignment,
   * presence and rights (`need` is a set of Pte bits). Marks the page dirty on writes.
   */
  private translate(va: number, size: number, need: number): number {
    let r = this.regions[this.hint]!;
    let rel = va - r.vbase;
    if (!(rel >= 0 && rel + size <= r.size)) {
      r = this.regionAt(va, size);
      rel = va - r.vbase;
    }
    if ((va & (size - 1)) !== 0) throw new MemoryFault('unaligned', va, size, Math.floor(va / this.pageSize));
    const page = r.firstPage + Math.floor(rel / this.pageSize);
    const f = this.pageTable.flags[page]!;
    if ((f & need) !== need) throw this.denied(va, size, f, need);
    if (need === NEED_WRITE && (f & Pte.DIRTY) === 0) this.pageTable.set(page, f | Pte.DIRTY);
    return r.pbase + rel;
  }

  private regionAt(va: number, size: number): MappedRegion {
    const rs = this.regions;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!;
      const rel = va - r.vbase;
      if (rel >= 0 && rel + size <= r.size) {
        this.hint = i;
        return r;
      }
    }
    throw new MemoryFault('unmapped', va, size, Math.floor(va / this.pageSize));
  }

  private denied(va: number, size: number, f: number, need: number): MemoryFault {
    const vpage = Math.floor(va / this.pageSize);
    // Rights first: a write to code is a protection fault even if the page is absent.
    if (need === NEED_WRITE && !(f & Pte.WRITE)) return new MemoryFault('write-protected', va, size, vpage);
    if (need === NEED_EXEC && !(f & Pte.EXEC)) return new MemoryFault('exec-protected', va, size, vpage);
    if (need === NEED_READ && !(f & Pte.READ)) return new MemoryFault('read-protected', va, size, vpage);
    return new MemoryFault('not-present', va, size, vpage);
  }

  /** The page-table index of a virtual address, or -1 when unmapped. */
  pageIndexOf(va: number): number {
    for (const r of this.regions) {
      const rel = va - r.vbase;
      if (rel >= 0 && rel < r.size) return r.firstPage + Math.floor(rel / this.pageSize);
    }
    return -1;
  }

  /** The virtual address of page-table entry `page`. */
  pageVaddr(page: number): number {
    const r = this.regionOfPage(page);
    return r.vbase + (page - r.firstPage) * this.pageSize;
  }

  /** The region a page belongs to. */
  regionOfPage(page: number): MappedRegion {
    for (const r of this.regions) if (page >= r.firstPage && page < r.firstPage + r.pageCount) return r;
    throw new RangeError(`page ${page} outside the address space (${this.pageCount} pages)`);
  }

  /** A region by name. */
  regionNamed(name: string): MappedRegion | undefined {
    return this.regions.find((r) => r.name === name);
  }

  // --- CPU accesses -------------------------------------------------------

  /** Checked loads and stores (the CPU's slow path): each raises the precise MemoryFault. */
  ld8(va: number): number {
    return this.bytes[this.translate(va, 1, NEED_READ)]!;
  }
  ld8s(va: number): number {
    return this.view.getInt8(this.translate(va, 1, NEED_READ));
  }
  ld16(va: number): number {
    return this.view.getUint16(this.translate(va, 2, NEED_READ), this.littleEndian);
  }
  ld16s(va: number): number {
    return this.view.getInt16(this.translate(va, 2, NEED_READ), this.littleEndian);
  }
  /** 32-bit load, sign-extended (the CPU's 32-bit registers hold signed values). */
  ld32(va: number): number {
    return this.view.getInt32(this.translate(va, 4, NEED_READ), this.littleEndian);
  }
  ld32u(va: number): number {
    return this.view.getUint32(this.translate(va, 4, NEED_READ), this.littleEndian);
  }
  ld64(va: number): bigint {
    return this.view.getBigInt64(this.translate(va, 8, NEED_READ), this.littleEndian);
  }
  st8(va: number, v: number): void {
    this.bytes[this.translate(va, 1, NEED_WRITE)] = v;
  }
  st16(va: number, v: number): void {
    this.view.setUint16(this.translate(va, 2, NEED_WRITE), v & 0xffff, this.littleEndian);
  }
  st32(va: number, v: number): void {
    this.view.setInt32(this.translate(va, 4, NEED_WRITE), v | 0, this.littleEndian);
  }
  st64(va: number, v: bigint): void {
    this.view.setBigInt64(this.translate(va, 8, NEED_WRITE), v, this.littleEndian);
  }
  /** Instruction fetch: needs an executable, present page. */
  fetch32(va: number): number {
    return this.view.getUint32(this.translate(va, 4, NEED_EXEC), this.littleEndian);
  }
  /** Fetches an instruction's 64-bit immediate (needs execute rights). */
  fetch64(va: number): bigint {
    return this.view.getBigInt64(this.translate(va, 8, NEED_EXEC), this.littleEndian);
  }

  /** Reads `len` bytes a traveler handed to a system call (checked like loads). */
  readBytes(va: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; ) {
      const off = this.translate(va + i, 1, NEED_READ);
      const n = Math.min(len - i, this.pageSize - ((va + i) % this.pageSize));
      this.checkSpan(va + i, n, NEED_READ);
      out.set(this.bytes.subarray(off, off + n), i);
      i += n;
    }
    return out;
  }

  /** Writes bytes on a traveler's behalf (checked like stores, marks pages dirty). */
  writeBytes(va: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; ) {
      const off = this.translate(va + i, 1, NEED_WRITE);
      const n = Math.min(data.length - i, this.pageSize - ((va + i) % this.pageSize));
      this.checkSpan(va + i, n, NEED_WRITE);
      this.bytes.set(data.subarray(i, i + n), off);
      i += n;
    }
  }

  /**
   * Checks that a system call may read (or write) `len` bytes at `va` before it
   * does anything it could not undo; throws the MemoryFault the access would raise.
   */
  probe(va: number, len: number, write: boolean): void {
    const need = write ? NEED_WRITE : NEED_READ;
    for (let a = va; a < va + len; a = (Math.floor(a / this.pageSize) + 1) * this.pageSize) this.translate(a, 1, need);
    if (len > 0) this.translate(va + len - 1, 1, need);
  }

  /** Checks that the last byte of a within-page span is mapped too (regions may end mid-page never; pages are whole). */
  private checkSpan(va: number, n: number, need: number): void {
    if (n > 1) this.translate(va + n - 1, 1, need);
  }

  // --- privileged (loader, migration) ------------------------------------

  /** Writes an image regardless of rights (program loading). Pages become present and dirty. */
  loadImage(va: number, data: Uint8Array): void {
    const r = this.regionAt(va, Math.max(1, data.length));
    const rel = va - r.vbase;
    this.bytes.set(data, r.pbase + rel);
    const first = r.firstPage + Math.floor(rel / this.pageSize);
    const last = r.firstPage + Math.floor((rel + Math.max(0, data.length - 1)) / this.pageSize);
    for (let p = first; p <= last; p++) this.pageTable.set(p, this.pageTable.flags[p]! | Pte.PRESENT | Pte.DIRTY);
  }

  /** The physical bytes of page-table entry `page` (a view, not a copy). */
  pageBytes(page: number): Uint8Array {
    const r = this.regionOfPage(page);
    const off = r.pbase + (page - r.firstPage) * this.pageSize;
    return this.bytes.subarray(off, off + this.pageSize);
  }

  /**
   * How many of `pages[from]`, `pages[from + 1]`, … are consecutive page numbers
   * in the region of the first (so their bytes lie one after the other and move
   * with one copy); at least 1.
   */
  runLength(pages: readonly number[], from: number): number {
    const first = pages[from]!;
    const r = this.regionOfPage(first);
    const end = Math.min(pages.length - from, r.firstPage + r.pageCount - first);
    let n = 1;
    while (n < end && pages[from + n] === first + n) n++;
    return n;
  }

  /** The bytes of `count` consecutive pages from `first`, which lie in one region (see {@link runLength}). */
  runBytes(first: number, count: number): Uint8Array {
    const r = this.regionOfPage(first);
    if (first + count > r.firstPage + r.pageCount) throw new RangeError(`pages ${first}..${first + count - 1} cross the end of region ${r.name}`);
    const off = r.pbase + (first - r.firstPage) * this.pageSize;
    return this.bytes.subarray(off, off + count * this.pageSize);
  }

  /**
   * Installs pages `index` from `data`, their bytes one after another (a received
   * page batch), with one copy for each run of consecutive pages of a region; the
   * pages become present and clean.
   */
  installBatch(index: readonly number[], data: Uint8Array): void {
    if (data.length !== index.length * this.pageSize) throw new RangeError(`${index.length} page(s) need ${index.length * this.pageSize} bytes, got ${data.length}`);
    const flags = this.pageTable.flags;
    for (let k = 0; k < index.length; ) {
      const run = this.runLength(index, k);
      const first = index[k]!;
      this.runBytes(first, run).set(data.subarray(k * this.pageSize, (k + run) * this.pageSize));
      for (let p = first; p < first + run; p++) this.pageTable.set(p, (flags[p]! | Pte.PRESENT) & ~Pte.DIRTY);
      k += run;
    }
  }

  /** Installs a page's contents (migration); the page becomes present and clean. */
  installPage(page: number, data: Uint8Array | undefined): void {
    const dst = this.pageBytes(page);
    if (data === undefined) dst.fill(0);
    else {
      if (data.length !== this.pageSize) throw new RangeError(`page ${page}: ${data.length} bytes, expected ${this.pageSize}`);
      dst.set(data);
    }
    this.pageTable.set(page, (this.pageTable.flags[page]! | Pte.PRESENT) & ~Pte.DIRTY);
  }

  /** Zeroes every page and marks all present and clean (a fresh slot). */
  reset(): void {
    for (const r of this.regions) this.bytes.fill(0, r.pbase, r.pbase + r.size);
    for (let p = 0; p < this.pageCount; p++) this.pageTable.set(p, (this.pageTable.flags[p]! | Pte.PRESENT) & ~Pte.DIRTY);
  }

  /** Whether a present page is all zeros (such pages are elided from containers). */
  isZeroPage(page: number): boolean {
    const r = this.regionOfPage(page);
    const off = this.bytes.byteOffset + r.pbase + (page - r.firstPage) * this.pageSize;
    // memcmp against a zero page through one Buffer over all memory (made once):
    // no view per page, no loop in JavaScript; a full migration looks at every
    // page while the task is stopped.
    this.whole ??= Buffer.from(this.bytes.buffer);
    if (zeroPage.length !== this.pageSize) zeroPage = Buffer.alloc(this.pageSize);
    return this.whole.compare(zeroPage, 0, this.pageSize, off, off + this.pageSize) === 0;
  }

  /** All of physical memory as a Buffer (for {@link isZeroPage}). */
  private whole: Buffer | undefined;

  /** SHA-256 over every page in order (absent pages hash as a marker), for determinism checks. */
  hash(): string {
    const h = createHash('sha256');
    for (let p = 0; p < this.pageCount; p++) {
      if (this.pageTable.isPresent(p)) h.update(this.pageBytes(p));
      else h.update(`absent:${p}`);
    }
    return h.digest('hex');
  }
}
