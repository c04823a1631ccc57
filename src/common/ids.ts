/**
 * Task identifiers: `<program>-<6 hex digits>`. A task keeps its id wherever it
 * migrates, so ids must not collide across nodes; real nodes draw them from
 * crypto randomness, while a simulation seeds a small PRNG so runs repeat exactly.
 */
import { randomBytes } from 'node:crypto';

/** Where the random part of task ids comes from. */
export type IdSource = () => number;

/** A seeded 32-bit PRNG (mulberry32): deterministic ids for simulations and tests. */
export function seededIds(seed: number): IdSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Crypto randomness: what real nodes use. */
export const randomIds: IdSource = () => randomBytes(4).readUInt32BE(0);

/** Characters of a task id's program part (so an id stays within the 128 a container allows). */
const MAX_BASE = 64;

/** A task id: the program's base name (at most 64 characters of it) and six hex digits, e.g. `counter-3fa9c2`. */
export function taskId(program: string, source: IdSource): string {
  const base = program.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, MAX_BASE) || 'task';
  return `${base}-${(source() & 0xffffff).toString(16).padStart(6, '0')}`;
}
