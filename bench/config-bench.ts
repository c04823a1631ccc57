/**
 * Checking a cluster file with thousands of problems (README, "Limits"): each is
 * tied to its line through an index per mapping, so the time grows linearly. The
 * figure is the ratio of 20,000 unknown keys to 10,000 (linear: about 2; the
 * problem-to-line mapping it replaced was quadratic, about 4).
 */
import { readFileSync } from 'node:fs';
import { parseClusterText } from '../src/config/load.ts';

function checkMs(keys: number): number {
  const base = readFileSync('config/cluster.yaml', 'utf8');
  const text = `${base}${Array.from({ length: keys }, (_, i) => `bogus_${i}: 1`).join('\n')}\n`;
  const t0 = performance.now();
  const { problems } = parseClusterText(text, 'config/cluster.yaml');
  const ms = performance.now() - t0;
  if (problems.length !== keys) throw new Error(`expected ${keys} problems, got ${problems.length}`);
  return ms;
}

/** Times `config check` of 10,000 and 20,000 unknown keys (best of three each). */
export function configBenchmark(): { ms_10k: number; ms_20k: number; ratio_20k_to_10k: number } {
  checkMs(100); // compile the schema once
  const best = (keys: number): number => Math.min(checkMs(keys), checkMs(keys), checkMs(keys));
  const a = best(10_000);
  const b = best(20_000);
  return { ms_10k: Math.round(a), ms_20k: Math.round(b), ratio_20k_to_10k: Number((b / a).toFixed(2)) };
}
