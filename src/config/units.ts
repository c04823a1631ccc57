/**
 * Sizes and addresses as the cluster file writes them, and the hex notation the
 * checker uses to print them back.
 */

const UNIT: Readonly<Record<string, number>> = {
  '': 1,
  B: 1,
  K: 1024,
  KB: 1024,
  KiB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  MiB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  GiB: 1024 ** 3,
};

// Kept in step with the size pattern in config/cluster.schema.json.
const SIZE_TEXT = /^(0x[0-9A-Fa-f]+|[0-9]+) ?(B|K|KB|KiB|M|MB|MiB|G|GB|GiB)?$/;

/**
 * Parses a size or address: a non-negative integer, or a string such as `4096`,
 * `0x1000`, `512B`, `64KiB`, `16MiB`, `1GiB`. `K`/`KB`, `M`/`MB`, `G`/`GB` are
 * binary multiples too (1 KB = 1024 bytes), as in most hypervisor configs.
 * Returns undefined for anything else, including results beyond 2^53.
 */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = SIZE_TEXT.exec(value);
  if (!m) return undefined;
  const digits = m[1] ?? '';
  const base = digits.startsWith('0x') ? Number.parseInt(digits.slice(2), 16) : Number.parseInt(digits, 10);
  const bytes = base * (UNIT[m[2] ?? ''] ?? 1);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `0x1f000`: how the checker prints addresses and sizes. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** `[0x1000, 0x2000)`: a half-open byte range. */
export function hexRange(start: number, end: number): string {
  return `[${hex(start)}, ${hex(end)})`;
}

/** Whether n is 1, 2, 4, 8, ... (page sizes must be). */
export function isPowerOfTwo(n: number): boolean {
  // Bit tricks stop at 2^31; sizes here may be larger.
  return Number.isSafeInteger(n) && n > 0 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

/** Whether [a, a + alen) and [b, b + blen) share a byte. */
export function rangesOverlap(a: number, alen: number, b: number, blen: number): boolean {
  return alen > 0 && blen > 0 && a < b + blen && b < a + alen;
}
