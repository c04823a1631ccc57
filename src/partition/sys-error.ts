/**
 * A system call that failed in a way the program is expected to handle: the
 * traveler gets `-errno` in r0 and keeps running.
 */
export class SysCallError extends Error {
  constructor(
    /** One of the positive SysError codes of the ISA (E_FULL, E_PERM, ...). */
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = 'SysCallError';
  }
}
