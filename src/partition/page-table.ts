/**
 * Page-table entry bits. One byte per virtual page of an address space, kept exact:
 * `PRESENT` is cleared for pages a post-copy migration has not delivered yet,
 * `DIRTY` is set by every store and cleared by pre-copy rounds, and the rights bits
 * mirror the region the page belongs to.
 */
export const Pte = {
  PRESENT: 1,
  DIRTY: 2,
  READ: 4,
  WRITE: 8,
  EXEC: 16,
} as const;

/** The page-table of one address space: flags per page, indexed from 0 across all regions. */
export class PageTable {
  /** The bits of every page. Read it freely; change it only through the methods, which tell the watcher. */
  readonly flags: Uint8Array;
  private watcher: ((page: number) => void) | undefined;

  constructor(readonly pageCount: number) {
    this.flags = new Uint8Array(pageCount);
  }

  /** Calls `fn` with a page's index whenever its bits change (the address space keeps the CPU's fast tables by it). */
  watch(fn: (page: number) => void): void {
    this.watcher = fn;
  }

  /** Sets the bits of a page. */
  set(page: number, bits: number): void {
    if (this.flags[page] === bits) return;
    this.flags[page] = bits;
    this.watcher?.(page);
  }

  isPresent(page: number): boolean {
    return ((this.flags[page] ?? 0) & Pte.PRESENT) !== 0;
  }

  isDirty(page: number): boolean {
    return ((this.flags[page] ?? 0) & Pte.DIRTY) !== 0;
  }

  setPresent(page: number, present: boolean): void {
    const f = this.flags[page] ?? 0;
    this.set(page, present ? f | Pte.PRESENT : f & ~Pte.PRESENT);
  }

  /** Marks every page present (or absent, for a post-copy sink). */
  setAllPresent(present: boolean): void {
    for (let i = 0; i < this.pageCount; i++) this.setPresent(i, present);
  }

  /** Pages written since the last {@link clearDirty}. */
  dirtyPages(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.pageCount; i++) if ((this.flags[i] ?? 0) & Pte.DIRTY) out.push(i);
    return out;
  }

  /** How many pages are dirty. */
  dirtyCount(): number {
    let n = 0;
    for (let i = 0; i < this.pageCount; i++) if ((this.flags[i] ?? 0) & Pte.DIRTY) n++;
    return n;
  }

  /**
   * Clears the dirty bits and returns which pages had them (1 a page), so that
   * {@link restoreDirty} can put them back: a look at the pages dirtied over a
   * while that leaves no trace.
   */
  takeDirty(): Uint8Array {
    const taken = new Uint8Array(this.pageCount);
    for (let i = 0; i < this.pageCount; i++) {
      const f = this.flags[i] ?? 0;
      if (f & Pte.DIRTY) {
        taken[i] = 1;
        this.set(i, f & ~Pte.DIRTY);
      }
    }
    return taken;
  }

  /** Marks dirty again every page {@link takeDirty} took; pages dirtied since stay dirty too. */
  restoreDirty(taken: Uint8Array): void {
    for (let i = 0; i < this.pageCount; i++) if (taken[i]) this.set(i, (this.flags[i] ?? 0) | Pte.DIRTY);
  }

  presentCount(): number {
    let n = 0;
    for (let i = 0; i < this.pageCount; i++) if ((this.flags[i] ?? 0) & Pte.PRESENT) n++;
    return n;
  }

  clearDirty(): void {
    for (let i = 0; i < this.pageCount; i++) this.set(i, (this.flags[i] ?? 0) & ~Pte.DIRTY);
  }

  /** Clears the dirty bits of `pages` only (what {@link dirtyPages} just listed: no walk over every page). */
  clearDirtyOf(pages: readonly number[]): void {
    for (const i of pages) this.set(i, (this.flags[i] ?? 0) & ~Pte.DIRTY);
  }
}
