/**
 * Migration benchmark (`migrate.full`): a 64 MiB task between two node processes,
 * against a bare grpc-js client stream of the same bytes between the same two
 * processes, measured in the same run. Incompressible memory (compression none)
 * and compressible memory (deflate), plus downtime.
 */
import * as fs from 'node:fs';
import { bareStream, benchCluster, killTask, loadInto, makeContainer, migrate, nodesCpuMs, startNode, stopNode, tempDir, type Fill } from './cluster-harness.ts';
import { loadCluster } from '../src/config/load.ts';

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

export interface MigrateFigure {
  readonly memory_mib: number;
  readonly compression: string;
  readonly streams: number;
  readonly bytes_sent: number;
  readonly migration_ms: number;
  readonly downtime_ms: number;
  readonly setup_ms: number;
  readonly bare_grpc_ms: number;
  /** Throughput of the migration (memory bytes moved per second) over the bare stream's. */
  readonly throughput_ratio: number;
  readonly migration_mib_s: number;
  readonly bare_grpc_mib_s: number;
  readonly compression_ratio: number;
  /**
   * CPU time (user + system, every thread) of both node processes during a
   * migration and during a bare stream, the mean over the rounds, ms (null
   * without /proc). Where both are bound by the CPU (two cores, two busy
   * processes), the throughput ratio cannot exceed their ratio, `cpu_ratio`.
   */
  readonly migration_cpu_ms: number | null;
  readonly bare_grpc_cpu_ms: number | null;
  readonly cpu_ratio: number | null;
}

/** `fn`'s result and the CPU time both nodes spent while it ran (undefined without /proc). */
async function withCpu<T>(nodes: Parameters<typeof nodesCpuMs>[0], fn: () => Promise<T>): Promise<[T, number | undefined]> {
  const before = nodesCpuMs(nodes);
  const out = await fn();
  const after = nodesCpuMs(nodes);
  return [out, before === undefined || after === undefined ? undefined : after - before];
}

const mean = (xs: readonly (number | undefined)[]): number | null => (xs.length === 0 || xs.some((x) => x === undefined) ? null : round((xs as number[]).reduce((a, b) => a + b, 0) / xs.length, 0));

async function measure(dataMiB: number, fill: Fill, compression: 'none' | 'deflate', rounds: number, streams?: number): Promise<MigrateFigure> {
  const dir = tempDir();
  const file = benchCluster(dir, dataMiB);
  const cluster = loadCluster(file);
  const a = await startNode(file, 'bench-a');
  const b = await startNode(file, 'bench-b');
  try {
    const container = await makeContainer(cluster, dir, dataMiB * 1024 * 1024, fill, 'none');
    const task = await loadInto(a.address, container);
    let best: Awaited<ReturnType<typeof migrate>> | undefined;
    let bestBare = Infinity;
    const migCpu: (number | undefined)[] = [];
    const bareCpu: (number | undefined)[] = [];
    let [from, to] = [a.address, b.address];
    for (let i = 0; i < rounds; i++) {
      const [s, cpu] = await withCpu([a, b], () => migrate(from, to, task, compression, 'full', streams));
      migCpu.push(cpu);
      if (!best || s.totalMs < best.totalMs) best = s;
      // The baseline moves as many bytes as the memory holds, between the same processes.
      const [bare, cpuOfBare] = await withCpu([a, b], () => bareStream(from, to, dataMiB * 1024 * 1024));
      bareCpu.push(cpuOfBare);
      bestBare = Math.min(bestBare, bare);
      [from, to] = [to, from];
    }
    const [cpuMig, cpuBare] = [mean(migCpu), mean(bareCpu)];
    await killTask(from, task);
    const memoryBytes = dataMiB * 1024 * 1024;
    const migMiBs = memoryBytes / 1024 / 1024 / (best!.totalMs / 1000);
    const bareMiBs = memoryBytes / 1024 / 1024 / (bestBare / 1000);
    return {
      memory_mib: dataMiB,
      compression,
      streams: best!.streams,
      bytes_sent: best!.bytes,
      migration_ms: round(best!.totalMs),
      downtime_ms: round(best!.downtimeMs),
      setup_ms: round(best!.setupMs),
      bare_grpc_ms: round(bestBare),
      throughput_ratio: round(migMiBs / bareMiBs),
      migration_mib_s: round(migMiBs, 1),
      bare_grpc_mib_s: round(bareMiBs, 1),
      compression_ratio: best!.compressionRatio,
      migration_cpu_ms: cpuMig,
      bare_grpc_cpu_ms: cpuBare,
      cpu_ratio: cpuMig && cpuBare ? round(cpuBare / cpuMig) : null,
    };
  } finally {
    await stopNode(a);
    await stopNode(b);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `MIGRATE_STREAMS=1,2,4` (default): the stream counts measured on incompressible memory. */
const STREAMS = (process.env.MIGRATE_STREAMS ?? '1,2,4').split(',').map(Number);

export async function migrateBenchmark(): Promise<Record<string, MigrateFigure>> {
  const out: Record<string, MigrateFigure> = {};
  for (const n of STREAMS) out[`incompressible_streams_${n}`] = await measure(64, 'random', 'none', 5, n);
  out.compressible = await measure(64, 'text', 'deflate', 5);
  return out;
}
