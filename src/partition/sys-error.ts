/**
 * The system-call ABI's error side: the error numbers a syscall returns (negated,
 * in r0), the open flags, and the error a partition service throws to return one.
 */

/**
 * Error results of system calls (negated into r0). Programs can name them in
 * assembly as constants, e.g. `cmpi r0, E_CLOSED`.
 */
export const SysError = {
  E_PERM: 1,
  E_NOENT: 2,
  E_BADF: 3,
  E_FULL: 4,
  E_EMPTY: 5,
  E_INVAL: 6,
  E_TOOBIG: 7,
  E_CLOSED: 8,
  E_IO: 9,
  E_MFILE: 10,
  E_ESCAPE: 11,
} as const;

/** Open flags for `sys open`. */
export const OpenFlag = { O_READ: 1, O_WRITE: 2, O_CREATE: 4, O_TRUNC: 8, O_APPEND: 16 } as const;

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
