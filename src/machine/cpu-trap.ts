/**
 * A fault raised by the CPU itself (as opposed to the address space): the
 * instruction did not execute, the traveler stops, the health monitor hears of it.
 */
export type CpuTrapKind = 'bad-opcode' | 'divide-by-zero' | 'bad-pc';

/** A fault the CPU raises itself (bad opcode, divide by zero, bad pc). */
export class CpuTrap {
  constructor(
    readonly kind: CpuTrapKind,
    /** Address of the faulting instruction. */
    readonly address: number,
    readonly detail: string,
  ) {}

  get message(): string {
    return `${this.detail} at 0x${this.address.toString(16)}`;
  }
}
