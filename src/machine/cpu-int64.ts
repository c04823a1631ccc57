/**
 * 64-bit arithmetic on pairs of int32 halves, for the translated code of 64-bit
 * nodes (see cpu-codegen.ts). Inside a block function a 64-bit register is two
 * int32 locals, `rNl` (low half) and `rNh` (high half, carrying the sign); the
 * architectural register file stays a BigInt64Array and is read and written
 * through an Int32Array over the same memory ({@link halves}), so no BigInt is
 * created on the hot path. Helpers that produce a 64-bit value return its low
 * half and leave the high half in {@link out}.hi.
 */

/** True when the host stores the low 32 bits of a 64-bit integer first. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Index, inside an Int32Array over a BigInt64Array, of the low half of element i. */
export function lowIndex(i: number): number {
  return 2 * i + (HOST_LITTLE_ENDIAN ? 0 : 1);
}

/** Index of the high half of element i. */
export function highIndex(i: number): number {
  return 2 * i + (HOST_LITTLE_ENDIAN ? 1 : 0);
}

let lastRegisters: BigInt64Array | undefined;
let lastHalves: Int32Array = new Int32Array(0);

/**
 * An Int32Array over the same memory as a 64-bit register file: element
 * {@link lowIndex}(i) is the low half of register i, {@link highIndex}(i) its high
 * half. Reading both halves is the exact conversion BigInt → (int32, int32), and
 * writing them the exact conversion back. The last view is kept for reuse.
 */
export function halves(r: BigInt64Array): Int32Array {
  if (r !== lastRegisters) {
    lastHalves = new Int32Array(r.buffer, r.byteOffset, r.length * 2);
    lastRegisters = r;
  }
  return lastHalves;
}

/** Second result of the helpers below (the high half of a 64-bit value). */
export const out = { hi: 0 };

/** The signed 64-bit value of (lo, hi). */
export function join(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

/** Low half of a 64-bit value (any BigInt, taken modulo 2^64), as an int32. */
export function low(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/** High half of a 64-bit value (any BigInt, taken modulo 2^64), as an int32. */
export function high(v: bigint): number {
  return Number(BigInt.asIntN(32, v >> 32n));
}

/** The high 32 bits of the unsigned 64-bit product of two unsigned 32-bit values (as an int32). */
export function mulhu(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  // Every partial product is below 2^32 and every sum below 2^53: all exact.
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** Division and remainder kinds of {@link divide}. */
export const DIV = 0;
/** Division kinds for {@link divide}. */
export const DIVU = 1;
/** Division kind: signed remainder. */
export const REM = 2;
/** Division kind: unsigned remainder. */
export const REMU = 3;

/**
 * rd = a op b for div, divu, rem and remu (b is not zero): the low half is
 * returned, the high half left in out.hi. Signed division truncates toward zero,
 * MIN / -1 wraps to MIN and MIN % -1 is 0, as with BigInt.asIntN(64, ·).
 */
export function divide(op: number, al: number, ah: number, bl: number, bh: number): number {
  if (ah === 0 && bh === 0 && al >= 0 && bl > 0) {
    // Both operands in [0, 2^31): signed and unsigned agree, and int32 arithmetic is exact.
    out.hi = 0;
    return op === DIV || op === DIVU ? (al / bl) | 0 : al % bl;
  }
  let v: bigint;
  if (op === DIV || op === REM) {
    const a = join(al, ah);
    const b = join(bl, bh);
    v = op === DIV ? a / b : a % b;
  } else {
    const a = BigInt.asUintN(64, join(al, ah));
    const b = BigInt.asUintN(64, join(bl, bh));
    v = op === DIVU ? a / b : a % b;
  }
  out.hi = high(v);
  return low(v);
}

/** NZCV of `a - b` for 64-bit operands given as halves (the same value as flags64 of the joined values). */
export function flagsHalves(al: number, ah: number, bl: number, bh: number): number {
  const rl = (al - bl) | 0;
  const rh = (ah - bh - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
  const ahu = ah >>> 0;
  const bhu = bh >>> 0;
  const carry = ahu > bhu || (ahu === bhu && al >>> 0 >= bl >>> 0);
  return (rh < 0 ? 8 : 0) | ((rl | rh) === 0 ? 4 : 0) | (carry ? 2 : 0) | (((ah ^ bh) & (ah ^ rh)) < 0 ? 1 : 0);
}

/** N and Z of a 64-bit value given as halves (tst). */
export function testFlagsHalves(l: number, h: number): number {
  return (h < 0 ? 8 : 0) | ((l | h) === 0 ? 4 : 0);
}
