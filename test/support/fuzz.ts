// Parameters for the property-based tests under test/fuzz (fast-check).
//
// In `npm test` every property runs a small, fixed number of cases from a fixed
// seed, so the suite stays fast and deterministic. `npm run fuzz` sets
// MIGVISOR_FUZZ_SCALE (cases multiplied by it) and MIGVISOR_FUZZ_SEED (a new seed
// per run, printed), so a failure found there replays with the same seed:
//   MIGVISOR_FUZZ_SEED=1234 MIGVISOR_FUZZ_SCALE=100 npm run fuzz
import fc from 'fast-check';

const scale = Math.max(1, Number(process.env.MIGVISOR_FUZZ_SCALE ?? '1') || 1);
const envSeed = process.env.MIGVISOR_FUZZ_SEED;
/** The seed every property of this process uses. */
export const fuzzSeed = envSeed !== undefined && envSeed !== '' ? Number(envSeed) | 0 : 20261201;

/** fast-check parameters for a property that runs `baseRuns` cases in `npm test`. */
export function fuzzParameters<T>(baseRuns: number): fc.Parameters<T> {
  return { numRuns: baseRuns * scale, seed: fuzzSeed, endOnFailure: true };
}

/** True when running under `npm run fuzz` (more cases, a fresh seed). */
export const fuzzing = scale > 1;
