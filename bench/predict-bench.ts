/**
 * Prediction benchmark (`predict`): how close PredictMigration comes to the
 * migration it predicts. Two node processes of a generated cluster, every
 * connection between them through a testbed link of 100Mbit and 2 ms
 * (LiveCluster); a 16 MiB task of incompressible memory that dirties a
 * controlled set of pages every tick (test/fixtures/programs/dirtier.s), below
 * the link's bandwidth. For full and pre-copy migrations and two working sets,
 * each of five runs predicts (defaults: 200 ms window, 16 MiB probes) and then
 * migrates, one way and back; the figures are |predicted − measured| ÷ measured
 * of the total time (goal ≤ 0.15; median and worst of the runs) and predicted −
 * measured rounds (goal within ±1), beside how much the measured totals of the
 * same migration spread between the runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migTaskClient, unary } from '../src/common/clients.ts';
import { MIGRATION_MODE_WIRE, type MigrationMode } from '../src/common/index.ts';
import { UNSHAPED } from '../src/config/index.ts';
import type { Prediction__Output } from '../src/generated/migvisor/v1/Prediction.ts';
import { median } from '../src/migtask/index.ts';
import { LiveCluster } from '../src/testbed/index.ts';
import { benchCluster, killTask, loadCluster, loadInto, makeContainer, migrate, tempDir } from './cluster-harness.ts';

const MiB = 1024 * 1024;
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const mbit = (n: number): number => (n * 1e6) / 8;
const DIRTIER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'programs', 'dirtier.s');

/** The dirtier with memory from the container (no fill), `perTick` pages of a `wset`-page working set every tick. */
function dirtier(wset: number, perTick: number): string {
  return fs
    .readFileSync(DIRTIER, 'utf8')
    .replace(/^FILL = .*$/m, 'FILL = 4')
    .replace(/^WSET = .*$/m, `WSET = ${wset}`)
    .replace(/^PER_TICK = .*$/m, `PER_TICK = ${perTick}`);
}

async function predict(from: string, to: string, task: string, mode: MigrationMode): Promise<Prediction__Output> {
  const c = migTaskClient(from);
  try {
    const r = await unary(c.PredictMigration, c, { taskId: task, sink: to, mode: MIGRATION_MODE_WIRE.toWire(mode), compression: 'COMPRESSION_NONE' }, 'predict', 120_000);
    return r.prediction!;
  } finally {
    c.close();
  }
}

/** The inputs of a prediction in a few words. */
function inputsOf(p: Prediction__Output): string {
  const i = p.inputs!;
  return `bw ${Math.round(i.bandwidthBytesPerS)} rtt ${i.rttMs} rate ${i.dirtyRatePagesPerS} ws ${i.workingSetPages} growth ${i.dirtyGrowthPagesPerS} batch ${i.batchMs}/${i.batchLatencyMs}`;
}

/** One scenario's runs. */
interface Run {
  readonly predicted_ms: number;
  readonly measured_ms: number;
  readonly error: number;
  readonly predicted_rounds: string;
  readonly measured_rounds: string;
  readonly rounds_diff: number;
  readonly predicted_downtime_ms: number;
  readonly measured_downtime_ms: number;
  /** What the prediction measured: bandwidth (bytes/s), round trip (ms), dirty rate (pages/s), working set (pages), batch pace and latency (ms). */
  readonly inputs: string;
}

/** The `predict` part of the bench. */
export async function predictionBenchmark(runs = 5): Promise<Record<string, unknown>> {
  const dir = tempDir();
  const file = benchCluster(dir, 16);
  const config = loadCluster(file);
  const cluster = await LiveCluster.start({
    file,
    links: [{ ...UNSHAPED, between: ['bench-a', 'bench-b'], bandwidth: mbit(100), latencyMs: 2, line: 0 }],
    nodeArgs: ['--no-boot'],
    registry: path.join(dir, 'registry'),
    log: () => undefined,
  });
  const [a, b] = [cluster.address('bench-a'), cluster.address('bench-b')];
  const out: Record<string, unknown> = { link: '100Mbit 2ms', memory_mib: 16 };
  try {
    for (const { name, wset, perTick } of [
      { name: 'wset_256_pages_2_per_tick', wset: 256, perTick: 2 },
      { name: 'wset_2048_pages_1_per_tick', wset: 2048, perTick: 1 },
    ]) {
      const sub = fs.mkdtempSync(path.join(dir, `${name}-`));
      const task = await loadInto(a, await makeContainer(config, sub, 16 * MiB, 'random', 'none', dirtier(wset, perTick)));
      await new Promise((r) => setTimeout(r, 300));
      let [from, to] = [a, b];
      const scenario: Record<string, unknown> = {};
      for (const mode of ['full', 'precopy'] as const) {
        const results: Run[] = [];
        for (let i = 0; i < runs; i++) {
          const p = await predict(from, to, task, mode);
          const s = await migrate(from, to, task, 'none', mode);
          [from, to] = [to, from];
          results.push({
            predicted_ms: round(p.totalMs, 1),
            measured_ms: round(s.totalMs, 1),
            error: round(Math.abs(p.totalMs - s.totalMs) / s.totalMs),
            predicted_rounds: p.pagesPerRound.join('/'),
            measured_rounds: s.pagesPerRound.join('/'),
            rounds_diff: p.rounds - s.rounds,
            predicted_downtime_ms: round(p.downtimeMs, 1),
            measured_downtime_ms: round(s.downtimeMs, 1),
            inputs: inputsOf(p),
          });
          await new Promise((r) => setTimeout(r, 200));
        }
        scenario[mode] = {
          total_error_median: round(median(results.map((r) => r.error))),
          total_error_max: round(Math.max(...results.map((r) => r.error))),
          rounds_diff_max: Math.max(...results.map((r) => Math.abs(r.rounds_diff))),
          // How much the same migration's measured total varied between runs: a floor under any prediction's error.
          measured_spread: round((Math.max(...results.map((r) => r.measured_ms)) - Math.min(...results.map((r) => r.measured_ms))) / median(results.map((r) => r.measured_ms))),
          runs: results,
        };
      }
      await killTask(from, task);
      out[name] = scenario;
    }
    return out;
  } finally {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
