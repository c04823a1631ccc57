/**
 * The seeded randomness of the links: which segment is lost and how much jitter
 * each one gets. A run repeats for a seed: every direction of a link, and every
 * connection on it, draws from its own stream derived from the network's seed and
 * stable names, so traffic elsewhere does not shift its draws.
 */
import { seededIds } from '../common/index.ts';

/** A stream of numbers uniform in [0, 1), repeatable for its seed. */
export class Prng {
  private readonly source: () => number;

  /** A stream for `seed` (any number; only its low 32 bits count). */
  constructor(readonly seed: number) {
    this.source = seededIds(seed >>> 0);
  }

  /** The next number, uniform in [0, 1). */
  next(): number {
    return this.source() / 2 ** 32;
  }

  /** True with probability `p` (never for p <= 0, always for p >= 1). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** The next number, uniform in [-1, 1). */
  signed(): number {
    return this.next() * 2 - 1;
  }

  /** An independent stream for `label`, derived from this stream's seed (not from its position). */
  fork(label: string | number): Prng {
    return new Prng(deriveSeed(this.seed, label));
  }
}

/** A 32-bit seed mixed from `seed` and `label` (FNV-1a over the label, then a finaliser), stable across runs. */
export function deriveSeed(seed: number, label: string | number): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (const ch of String(label)) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
