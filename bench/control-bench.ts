/**
 * Migration control benchmark (`npm run bench -- control`; README, "Migration
 * control"): between two node processes, compression none, incompressible
 * memory.
 *
 * - pre-copy of a 16 MiB task writing a 1,024-page write set: rounds, bytes sent
 *   ÷ memory, the stop rule and the downtime against the limit (default 300 ms);
 *   the figure before the downtime-limit rule was 13 rounds / 4.0;
 * - a task dirtying its 16 MiB about twice as fast as a `--max-bandwidth` link
 *   carries: without auto-converge (the rule that gives up) and with it (rounds
 *   to converge, the throttle per round, downtime against the limit).
 */
import * as fs from 'node:fs';
import { benchCluster, killTask, loadInto, makeContainer, startNode, stopNode, tempDir } from './cluster-harness.ts';
import { migTaskClient, serverStream } from '../src/common/clients.ts';
import { loadCluster } from '../src/config/load.ts';
import type { MigrationStats__Output } from '../src/generated/migvisor/v1/MigrationStats.ts';

/** A task that stores into WSET pages of its data region, one sweep per tick (as live-bench's writer). */
function sweeper(pages: number): string {
  return `
WSET = ${pages}
        .text
start:  la    r1, 0x01000000
        li    r2, 0
        li    r3, 0
loop:   shli  r4, r2, 12
        add   r4, r4, r1
        stw   r3, [r4]
        addi  r3, r3, 1
        addi  r2, r2, 1
        cmpi  r2, WSET
        blt   loop
        li    r2, 0
        sys   yield
        b     loop
`;
}

/** A task that dirties WSET pages as fast as its instruction budget lets it, DELAY loop iterations per page. */
function dirtier(pages: number, delay: number): string {
  return `
WSET = ${pages}
DELAY = ${delay}
        .text
start:  la    r1, 0x01000000
        li    r2, 0
        li    r3, 0
loop:   shli  r4, r2, 12
        add   r4, r4, r1
        stw   r3, [r4]
        li    r6, DELAY
spin:   addi  r6, r6, -1
        cmpi  r6, 0
        bgt   spin
        addi  r3, r3, 1
        addi  r2, r2, 1
        cmpi  r2, WSET
        blt   loop
        li    r2, 0
        b     loop
`;
}

export interface ControlFigure {
  readonly case: string;
  readonly rounds: number;
  readonly stop_rule: string;
  readonly bytes_per_memory: number;
  readonly downtime_ms: number;
  readonly expected_downtime_ms: number;
  readonly downtime_limit_ms: number;
  readonly within_limit: boolean;
  readonly throttle_per_round: string;
  readonly pages_per_round: string;
  readonly total_ms: number;
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

async function precopy(from: string, to: string, task: string, extra: Record<string, unknown>): Promise<MigrationStats__Output> {
  const c = migTaskClient(from);
  try {
    let stats: MigrationStats__Output | null = null;
    const call = c.StopAndTransfer({ taskId: task, sink: to, mode: 'MIGRATION_MODE_PRECOPY', compression: 'COMPRESSION_NONE', precopyMaxRounds: 30, ...extra });
    for await (const p of serverStream(call, 'migrate')) if (p.stats) stats = p.stats;
    if (!stats) throw new Error('no statistics');
    return stats;
  } finally {
    c.close();
  }
}

function figure(name: string, s: MigrationStats__Output, memory: number): ControlFigure {
  return {
    case: name,
    rounds: s.rounds,
    stop_rule: String(s.precopyStop).replace('PRECOPY_STOP_', '').toLowerCase().replace(/_/g, '-'),
    bytes_per_memory: round(Number(s.bytes) / memory),
    downtime_ms: round(s.downtimeMs),
    expected_downtime_ms: round(s.expectedDowntimeMs),
    downtime_limit_ms: s.downtimeLimitMs,
    within_limit: s.downtimeMs <= s.downtimeLimitMs,
    throttle_per_round: s.throttlePerRound.join('/'),
    pages_per_round: s.pagesPerRound.join('/'),
    total_ms: round(s.totalMs),
  };
}

/** Runs `program` on a 16 MiB task of random memory and migrates it back and forth with each request; the median run (by downtime) of `repeat` counts. */
async function measure(program: string, cases: readonly [string, Record<string, unknown>][], repeat: number): Promise<ControlFigure[]> {
  const mib = 16;
  const memory = mib * 1024 * 1024;
  const dir = tempDir();
  const file = benchCluster(dir, mib);
  const cluster = loadCluster(file);
  const a = await startNode(file, 'bench-a');
  const b = await startNode(file, 'bench-b');
  const out: ControlFigure[] = [];
  try {
    const container = await makeContainer(cluster, dir, memory, 'random', 'none', program);
    const task = await loadInto(a.address, container);
    let [from, to] = [a.address, b.address];
    for (const [name, extra] of cases) {
      const runs: MigrationStats__Output[] = [];
      for (let i = 0; i < repeat; i++) {
        await new Promise((r) => setTimeout(r, 200));
        runs.push(await precopy(from, to, task, extra));
        [from, to] = [to, from];
      }
      out.push(figure(name, runs.sort((x, y) => x.downtimeMs - y.downtimeMs)[Math.floor(runs.length / 2)]!, memory));
    }
    await killTask(from, task);
  } finally {
    await stopNode(a);
    await stopNode(b);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export async function controlBenchmark(): Promise<Record<string, unknown>> {
  const writeSet = await measure(sweeper(1024), [['precopy_16MiB_1024_pages', {}]], 3);
  // 16 MiB/s link; the dirtier's ~2,000 instructions a tick at DELAY 120 dirty about 30 MiB/s unthrottled.
  const cap = 16 * 1024 * 1024;
  const converge = await measure(
    dirtier(4096, 120),
    [
      ['dirtier_16MiB_16MiBps_without_auto_converge', { maxBandwidthBytesPerS: cap }],
      ['dirtier_16MiB_16MiBps_auto_converge', { maxBandwidthBytesPerS: cap, autoConverge: true }],
    ],
    1,
  );
  return {
    runs: [...writeSet, ...converge],
    summary: {
      precopy_1024_pages: { rounds: writeSet[0]!.rounds, bytes_per_memory: writeSet[0]!.bytes_per_memory, stop_rule: writeSet[0]!.stop_rule, within_limit: writeSet[0]!.within_limit, before: '13 rounds / 4.0 (issue 10)' },
      auto_converge: { rounds: converge[1]!.rounds, stop_rule: converge[1]!.stop_rule, within_limit: converge[1]!.within_limit, without: converge[0]!.stop_rule },
    },
  };
}
