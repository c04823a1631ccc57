/**
 * Downtime benchmark (`npm run bench -- downtime`): the counter of
 * config/cluster.yaml (384 KiB, two non-zero pages) moved ten times between two
 * node processes by a full migration, and ten times by pre-copy; the median and
 * range of the downtime. One loopback round trip is well under a millisecond, so
 * anything above a few is the migration's own doing. Then pre-copy of a 64 MiB
 * task writing a 16-page write set (the figure `live` takes as the median of 3),
 * moved back and forth: the median of 8 moves after 2 warm-up moves.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migTaskClient, unary } from '../src/common/clients.ts';
import { bareStream, benchCluster, killTask, loadCluster, loadInto, makeContainer, migrate, startNode, stopNode, tempDir } from './cluster-harness.ts';
import { writer } from './live-bench.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const FILE = path.join(here, '..', 'config', 'cluster.yaml');
const MOVES = 10;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export interface DowntimeFigure {
  readonly mode: string;
  readonly moves: number;
  readonly median_ms: number;
  readonly min_ms: number;
  readonly max_ms: number;
  /** Baseline in the same run: median of as many bare 8 KiB grpc-js streams between the same processes. */
  readonly bare_8k_stream_median_ms: number;
}

/** Pre-copy of 64 MiB with a 16-page write set: moves measured after the warm-up ones. */
const LARGE_MIB = 64;
const LARGE_WARM_UP = 2;
const LARGE_MOVES = 8;

async function largePrecopy(): Promise<DowntimeFigure> {
  const dir = tempDir();
  const file = benchCluster(dir, LARGE_MIB);
  const a = await startNode(file, 'bench-a');
  const b = await startNode(file, 'bench-b');
  try {
    const container = await makeContainer(loadCluster(file), dir, LARGE_MIB * 1024 * 1024, 'random', 'none', writer(16));
    const task = await loadInto(a.address, container);
    let [from, to] = [a.address, b.address];
    const downtimes: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < LARGE_WARM_UP + LARGE_MOVES; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const s = await migrate(from, to, task, 'none', 'precopy');
      if (i >= LARGE_WARM_UP) {
        downtimes.push(s.downtimeMs);
        bare.push(await bareStream(from, to, 8192));
      }
      [from, to] = [to, from];
    }
    await killTask(from, task);
    return figure(`precopy_${LARGE_MIB}MiB_16_pages`, downtimes, bare);
  } finally {
    await stopNode(a);
    await stopNode(b);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function figure(mode: string, downtimes: number[], bare: number[]): DowntimeFigure {
  return { mode, moves: downtimes.length, median_ms: r3(median(downtimes)), min_ms: Math.min(...downtimes), max_ms: Math.max(...downtimes), bare_8k_stream_median_ms: r3(median(bare)) };
}

export async function downtimeBenchmark(): Promise<DowntimeFigure[]> {
  const counter = await counterMoves();
  return [...counter, await largePrecopy()];
}

/** The counter of config/cluster.yaml, by a full migration and by pre-copy. */
async function counterMoves(): Promise<DowntimeFigure[]> {
  const a = await startNode(FILE, 'field-a');
  const b = await startNode(FILE, 'field-b');
  try {
    const c = migTaskClient(a.address);
    const source = fs.readFileSync(path.join(here, '..', 'config', 'programs', 'counter.s'), 'utf8');
    const task = (await unary(c.Initialize, c, { partition: 'ctrl', programName: 'counter.s', programSource: source }, 'Initialize')).task!.taskId;
    c.close();
    const out: DowntimeFigure[] = [];
    let [from, to] = [a.address, b.address];
    for (const mode of ['full', 'precopy'] as const) {
      // One warm-up move (channels, code paths), then the measured ones.
      await migrate(from, to, task, 'none', mode);
      [from, to] = [to, from];
      const downtimes: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < MOVES; i++) {
        await new Promise((r) => setTimeout(r, 30));
        const s = await migrate(from, to, task, 'none', mode);
        downtimes.push(s.downtimeMs);
        bare.push(await bareStream(from, to, 8192));
        [from, to] = [to, from];
      }
      out.push(figure(mode, downtimes, bare));
    }
    await killTask(from, task);
    return out;
  } finally {
    await stopNode(a);
    await stopNode(b);
  }
}
