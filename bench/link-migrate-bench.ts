/**
 * Link benchmark at the migration level (`link-migrate`): two node processes of a
 * generated cluster, every connection between them through a testbed link
 * (LiveCluster), and migrations through it. Each figure is a ratio against what
 * was configured or against a baseline of the same run:
 *
 * - bandwidth: a 64 MiB incompressible full migration over 100Mbit and over
 *   1Gbit: payload bytes ÷ transfer time (the migration's total less its
 *   negotiation) ÷ the configured bandwidth (the best of two, one each way);
 *   beside it the ceiling, the same migration through the link unshaped (the
 *   relay still in the path), and the CPU time each process spent on a run, so
 *   a link faster than the processes can feed shows as such;
 * - latency: the round trip of Info calls through the link (median of 40; the
 *   fastest too) with 5 ms of latency, less the same through the unshaped link,
 *   ÷ 2 × 5 ms;
 * - sharing: two equal full migrations (16 MiB each) at once over one 100Mbit
 *   link, each one's time ÷ the time of one alone (2 is fair).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { migTaskClient, unary } from '../src/common/clients.ts';
import { UNSHAPED } from '../src/config/index.ts';
import { median } from '../src/migtask/index.ts';
import { LiveCluster } from '../src/testbed/index.ts';
import { benchCluster, cpuMs, killTask, loadCluster, loadInto, makeContainer, migrate, tempDir } from './cluster-harness.ts';

const MiB = 1024 * 1024;
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const mbit = (n: number): number => (n * 1e6) / 8;

/** Median and fastest round trip of `count` Info calls to the MigTask service at `address`, ms. */
async function infoRtt(address: string, count = 40): Promise<{ median: number; min: number }> {
  const c = migTaskClient(address);
  try {
    await unary(c.Info, c, {}, 'Info');
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await unary(c.Info, c, {}, 'Info');
      times.push(performance.now() - t0);
    }
    return { median: median(times), min: Math.min(...times) };
  } finally {
    c.close();
  }
}

/** The `link-migrate` part of the bench. */
export async function migrationLinkBenchmark(): Promise<Record<string, unknown>> {
  const dir = tempDir();
  const file = benchCluster(dir, 64, 2);
  const config = loadCluster(file);
  const cluster = await LiveCluster.start({
    file,
    links: [{ ...UNSHAPED, between: ['bench-a', 'bench-b'], line: 0 }],
    nodeArgs: ['--no-boot'],
    registry: path.join(dir, 'registry'),
    log: () => undefined,
  });
  const [a, b] = [cluster.address('bench-a'), cluster.address('bench-b')];
  const link = (change: Parameters<LiveCluster['network']['set']>[2]): void => void cluster.network.set('bench-a', 'bench-b', change);
  try {
    // Bandwidth: 64 MiB of random bytes, full, uncompressed, one way then back.
    const big = await loadInto(a, await makeContainer(config, dir, 64 * MiB, 'random', 'none'));
    const bandwidth: Record<string, unknown> = {};
    const pids = (): Record<string, number | undefined> => ({ relay: process.pid, ...Object.fromEntries(cluster.processes().map((p) => [p.name, p.pid])) });
    const measure = async (rate: number | undefined) => {
      link({ ...UNSHAPED, bandwidth: rate === undefined ? undefined : mbit(rate) });
      const runs = [];
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        const before = Object.entries(pids()).map(([k, pid]) => [k, pid, cpuMs(pid)] as const);
        const s = await migrate(from, to, big, 'none');
        const cpu = Object.fromEntries(before.map(([k, pid, ms]) => [k, ms === undefined ? null : round((cpuMs(pid) ?? ms) - ms, 0)]));
        const transferMs = s.totalMs - s.setupMs;
        const bytesPerS = Number(s.bytes) / (transferMs / 1000);
        runs.push({ ms: transferMs, bytesPerS, ratio: rate === undefined ? 1 : bytesPerS / mbit(rate), cpu });
      }
      return runs.reduce((x, y) => (y.bytesPerS > x.bytesPerS ? y : x));
    };
    // One move there and back first (JIT, channels, the sink's slot), not counted.
    await migrate(a, b, big, 'none');
    await migrate(b, a, big, 'none');
    const ceiling = await measure(undefined);
    bandwidth.unshaped = { transfer_ms: round(ceiling.ms, 1), mib_s: round(ceiling.bytesPerS / MiB, 1), cpu_ms: ceiling.cpu };
    for (const rate of [100, 1000]) {
      const best = await measure(rate);
      bandwidth[`${rate}mbit`] = {
        transfer_ms: round(best.ms, 1),
        achieved_ratio: round(best.ratio),
        achieved_vs_unshaped: round(best.bytesPerS / Math.min(mbit(rate), ceiling.bytesPerS)),
        cpu_ms: best.cpu,
      };
    }
    await killTask(a, big);

    // Latency: Info through the link's relay, unshaped and with 5 ms each way.
    const relay = cluster.network.relayAddress('bench-a', 'bench-b');
    link(UNSHAPED);
    const baseRtt = await infoRtt(relay);
    link({ ...UNSHAPED, latencyMs: 5 });
    const shapedRtt = await infoRtt(relay);
    const latency = {
      rtt_unshaped_ms: round(baseRtt.median),
      rtt_5ms_ms: round(shapedRtt.median),
      added_one_way_ms: round((shapedRtt.median - baseRtt.median) / 2),
      ratio: round((shapedRtt.median - baseRtt.median) / (2 * 5)),
      ratio_fastest: round((shapedRtt.min - baseRtt.min) / (2 * 5)),
    };

    // Sharing: two 16 MiB tasks, one alone, then both at once, over 100Mbit.
    link({ ...UNSHAPED, bandwidth: mbit(100) });
    const one = await loadInto(a, await makeContainer(config, fs.mkdtempSync(path.join(dir, 'one-')), 16 * MiB, 'random', 'none'));
    const two = await loadInto(a, await makeContainer(config, fs.mkdtempSync(path.join(dir, 'two-')), 16 * MiB, 'random', 'none'));
    const solo = await migrate(a, b, one, 'none');
    await migrate(b, a, one, 'none');
    const pair = await Promise.all([migrate(a, b, one, 'none'), migrate(a, b, two, 'none')]);
    const shares = pair.map((s) => s.totalMs / solo.totalMs);
    await killTask(b, one);
    await killTask(b, two);
    return {
      bandwidth,
      latency,
      sharing: { solo_ms: round(solo.totalMs, 1), pair_ms: pair.map((s) => round(s.totalMs, 1)), ratio: shares.map((x) => round(x)) },
    };
  } finally {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
