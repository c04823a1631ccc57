/**
 * Live migration benchmark: downtime and total time of full, pre-copy and post-copy
 * migrations of tasks with 1, 16 and 64 MiB of incompressible memory, while the
 * task keeps writing a small (16 pages) or a large (a quarter of its memory, at
 * most 4096 pages) write set. Post-copy's resume time should not grow with memory
 * size; pre-copy's downtime with a small write set should be a few milliseconds.
 */
import * as fs from 'node:fs';
import { benchCluster, killTask, loadInto, makeContainer, migrate, startNode, stopNode, tempDir } from './cluster-harness.ts';
import { loadCluster } from '../src/config/load.ts';

/** A busy task that stores into WSET pages of its data region, round and round. */
export function writer(pages: number): string {
  return `
WSET = ${pages}
        .text
start:  la    r1, 0x01000000        ; the data region
        li    r2, 0                 ; page index
        li    r3, 0                 ; value
loop:   shli  r4, r2, 12
        add   r4, r4, r1
        stw   r3, [r4]
        addi  r3, r3, 1
        addi  r2, r2, 1
        cmpi  r2, WSET
        blt   loop
        li    r2, 0
        sys   yield                 ; one sweep of the write set per tick
        b     loop
`;
}

export interface LiveFigure {
  readonly memory_mib: number;
  readonly write_set_pages: number;
  readonly mode: string;
  readonly total_ms: number;
  readonly downtime_ms: number;
  readonly resume_ms: number;
  readonly residual_ms: number;
  readonly rounds: number;
  readonly pages_per_round: string;
  readonly final_dirty_pages: number;
  readonly lazy_faults_served: number;
  readonly bytes: number;
}

const MODES = ['full', 'precopy', 'lazy'] as const;

export async function liveBenchmark(sizes: readonly number[] = [1, 16, 64]): Promise<{ runs: LiveFigure[]; summary: Record<string, unknown> }> {
  const runs: LiveFigure[] = [];
  for (const mib of sizes) {
    const dir = tempDir();
    const file = benchCluster(dir, mib);
    const cluster = loadCluster(file);
    const a = await startNode(file, 'bench-a');
    const b = await startNode(file, 'bench-b');
    try {
      for (const wset of [16, Math.min(4096, (mib * 256) / 4)]) {
        const container = await makeContainer(cluster, dir, mib * 1024 * 1024, 'random', 'none', writer(wset));
        const task = await loadInto(a.address, container);
        let [from, to] = [a.address, b.address];
        for (const mode of MODES) {
          // One warm-up move in this mode, then three measured ones; the median counts.
          const measured: Awaited<ReturnType<typeof migrate>>[] = [];
          for (let i = 0; i < 4; i++) {
            await new Promise((r) => setTimeout(r, 50));
            const s = await migrate(from, to, task, 'none', mode);
            [from, to] = [to, from];
            if (i > 0) measured.push(s);
          }
          {
            const s = measured.sort((x, y) => x.downtimeMs - y.downtimeMs)[1]!;
            runs.push({
              memory_mib: mib,
              write_set_pages: wset,
              mode,
              total_ms: s.totalMs,
              downtime_ms: s.downtimeMs,
              resume_ms: s.resumeMs,
              residual_ms: s.residualMs,
              rounds: s.rounds,
              pages_per_round: s.pagesPerRound.join('/'),
              final_dirty_pages: Number(s.finalDirtyPages),
              lazy_faults_served: Number(s.lazyFaultsServed),
              bytes: Number(s.bytes),
            });
          }
        }
        await killTask(from, task);
      }
    } finally {
      await stopNode(a);
      await stopNode(b);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const pick = (mode: string, mib: number, small: boolean): LiveFigure | undefined =>
    runs.find((r) => r.mode === mode && r.memory_mib === mib && (small ? r.write_set_pages === 16 : r.write_set_pages !== 16));
  const lazySmall = sizes.map((m) => pick('lazy', m, true)?.resume_ms ?? 0);
  return {
    runs,
    summary: {
      lazy_resume_ms_by_size: Object.fromEntries(sizes.map((m, i) => [`${m}MiB`, lazySmall[i]])),
      // Flat is 1.0: resume at the largest size over resume at the smallest.
      lazy_resume_growth: lazySmall[0] ? Math.round(((lazySmall.at(-1) ?? 0) / lazySmall[0]) * 100) / 100 : null,
      precopy_downtime_ms_small_write_set_64MiB: pick('precopy', 64, true)?.downtime_ms ?? null,
      full_downtime_ms_64MiB: pick('full', 64, true)?.downtime_ms ?? null,
    },
  };
}
