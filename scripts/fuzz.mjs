#!/usr/bin/env node
// `npm run fuzz`: the property tests of test/fuzz with many more cases and a fresh
// seed, printed first so a failure can be replayed:
//   npm run fuzz -- --seed 1234 --scale 200
// Runs the suite again and again with new seeds until --minutes have passed
// (default 10), and stops at the first failure.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    scale: { type: 'string', default: '100' },
    minutes: { type: 'string', default: '10' },
  },
});
const scale = Number(values.scale);
const minutes = Number(values.minutes);
if (!Number.isFinite(scale) || scale < 1 || !Number.isFinite(minutes) || minutes < 0) {
  console.error('fuzz: --scale must be a number ≥ 1 and --minutes a number ≥ 0');
  process.exit(2);
}
const end = Date.now() + minutes * 60_000;
let seed = values.seed !== undefined ? Number(values.seed) | 0 : (Date.now() ^ (process.pid << 16)) | 0;
let rounds = 0;
do {
  console.log(`fuzz: seed ${seed}, scale ${scale} (replay: npm run fuzz -- --seed ${seed} --scale ${scale} --minutes 0)`);
  const r = spawnSync(
    'npx',
    ['mocha', '--no-config', '--node-option', 'import=tsx', '--extension', 'ts', '--timeout', '0', '--reporter', 'dot', 'test/fuzz/**/*.spec.ts'],
    { stdio: 'inherit', env: { ...process.env, MIGVISOR_FUZZ_SEED: String(seed), MIGVISOR_FUZZ_SCALE: String(scale) } },
  );
  rounds++;
  if (r.status !== 0) {
    console.error(`fuzz: FAILED with seed ${seed} after ${rounds} round(s)`);
    process.exit(1);
  }
  seed = (Math.imul(seed, 1103515245) + 12345) | 0;
} while (Date.now() < end);
console.log(`fuzz: ${rounds} round(s) clean`);
