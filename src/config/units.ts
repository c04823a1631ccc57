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

// Kept in step with the bandwidth pattern in config/cluster.schema.json.
const BANDWIDTH_TEXT = /^([0-9]+(?:\.[0-9]+)?) ?(bit|kbit|Kbit|Mbit|Gbit|B\/s|KB\/s|KiB\/s|MB\/s|MiB\/s|GB\/s|GiB\/s|bps|kbps|Mbps|Gbps)$/;

/** Bytes per second of each bandwidth unit: bits are decimal (networking's kbit, Mbit), bytes binary like sizes. */
const BANDWIDTH_UNIT: Readonly<Record<string, number>> = {
  bit: 1 / 8,
  bps: 1 / 8,
  kbit: 1e3 / 8,
  Kbit: 1e3 / 8,
  kbps: 1e3 / 8,
  Mbit: 1e6 / 8,
  Mbps: 1e6 / 8,
  Gbit: 1e9 / 8,
  Gbps: 1e9 / 8,
  'B/s': 1,
  'KB/s': 1024,
  'KiB/s': 1024,
  'MB/s': 1024 ** 2,
  'MiB/s': 1024 ** 2,
  'GB/s': 1024 ** 3,
  'GiB/s': 1024 ** 3,
};

/**
 * Parses a bandwidth into bytes per second: `100Mbit`, `1Gbit`, `64kbit`, `10Mbps`
 * (bits, decimal multiples as in networking: 1 Mbit = 10^6 bits) or `2MiB/s`,
 * `512KiB/s`, `1.5MB/s` (bytes, binary multiples as sizes are: 1 MB = 2^20 bytes).
 * Returns undefined for anything else, and for zero or less.
 */
export function parseBandwidth(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = BANDWIDTH_TEXT.exec(value.trim());
  if (!m) return undefined;
  const rate = Number(m[1]) * (BANDWIDTH_UNIT[m[2] ?? ''] ?? Number.NaN);
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

/** `100Mbit`, `2.5Gbit`, `800kbit`, `12bit`: a bandwidth in bytes per second as bits, the unit links are usually given in. */
export function formatBandwidth(bytesPerSecond: number): string {
  const bits = bytesPerSecond * 8;
  const [scale, unit] = bits >= 1e9 ? [1e9, 'Gbit'] : bits >= 1e6 ? [1e6, 'Mbit'] : bits >= 1e3 ? [1e3, 'kbit'] : [1, 'bit'];
  return `${Number((bits / scale).toPrecision(4))}${unit}`;
}

// Kept in step with the duration pattern in config/cluster.schema.json.
const DURATION_TEXT = /^([0-9]+(?:\.[0-9]+)?) ?(us|µs|ms|s|m|min)$/;
const DURATION_UNIT: Readonly<Record<string, number>> = { us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, min: 60_000 };

/**
 * Parses a duration into milliseconds: `5ms`, `250us`, `1.5s`, `2m`, or a plain
 * non-negative number (milliseconds). Returns undefined for anything else.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = DURATION_TEXT.exec(value.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (DURATION_UNIT[m[2] ?? ''] ?? Number.NaN);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `5ms`, `1.5s`, `250us`: a duration in milliseconds, shortest fitting unit. */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms < 1) return `${Number((ms * 1000).toPrecision(4))}us`;
  if (ms < 1000) return `${Number(ms.toPrecision(4))}ms`;
  return `${Number((ms / 1000).toPrecision(4))}s`;
}

const PERCENT_TEXT = /^([0-9]+(?:\.[0-9]+)?) ?%$/;

/** Parses a probability: `0.5%`, `2 %`, or a number from 0 to 1. Returns undefined for anything else. */
export function parseFraction(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = PERCENT_TEXT.exec(value.trim());
  if (!m) return undefined;
  const f = Number(m[1]) / 100;
  return f <= 1 ? f : undefined;
}

// Kept in step with the age pattern of middleware.retention in config/cluster.schema.json.
const AGE_TEXT = /^([0-9]+(?:\.[0-9]+)?) ?(s|m|min|h|d|w)$/;
const AGE_UNIT: Readonly<Record<string, number>> = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses an age (how long a snapshot is kept) into milliseconds: `90s`, `30m`,
 * `12h`, `7d`, `2w`, or a plain non-negative number (milliseconds).
 */
export function parseAge(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = AGE_TEXT.exec(value.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (AGE_UNIT[m[2] ?? ''] ?? Number.NaN);
  return Number.isFinite(ms) ? ms : undefined;
}
