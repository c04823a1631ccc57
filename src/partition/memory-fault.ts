/**
 * A memory access the address space refused. Thrown by loads, stores and
 * instruction fetch; the CPU turns it into a precise trap (the faulting
 * instruction has not executed) and the node into a health-monitor event,
 * or, for `not-present` pages of a lazily migrated task, into a page fetch.
 *
 * Deliberately not an Error subclass: lazy migration raises it on the hot path,
 * and a stack trace there is pure cost.
 */
export type MemoryFaultKind =
  | 'unmapped' // no region covers the address
  | 'not-present' // the page exists but its contents have not arrived yet (post-copy)
  | 'read-protected'
  | 'write-protected'
  | 'exec-protected'
  | 'unaligned'
  | 'lost'; // post-copy: the page's only copy was on a source that is gone

/** A memory access the partition does not allow: what kind, at which address, of how many bytes, in which page. */
export class MemoryFault {
  constructor(
    readonly kind: MemoryFaultKind,
    /** The virtual address that was accessed. */
    readonly address: number,
    /** Bytes accessed. */
    readonly size: number,
    /** Virtual page number (address / page size) where relevant. */
    readonly page: number,
  ) {}

  get message(): string {
    const at = `0x${this.address.toString(16)}`;
    switch (this.kind) {
      case 'unmapped':
        return `access to unmapped address ${at}`;
      case 'not-present':
        return `page ${this.page} (address ${at}) not present`;
      case 'read-protected':
        return `read from non-readable address ${at}`;
      case 'write-protected':
        return `write to read-only address ${at}`;
      case 'exec-protected':
        return `execute from non-executable address ${at}`;
      case 'unaligned':
        return `unaligned ${this.size}-byte access at ${at}`;
      case 'lost':
        return `page ${this.page} (address ${at}) is lost: its post-copy source is unreachable`;
    }
  }
}
