/**
 * Simulate benchmark: `migvisor simulate --node field-a` on the default cluster
 * (config/cluster.yaml) for 10^6 ticks, in simulated ticks per second and memory
 * at the end, against the same node and output run tick by tick (Node.step) and
 * paced by a VirtualTimeScheduler (Node.start), in the same run. Each variant runs
 * in a child process of its own (console lines to /dev/null), so its memory is
 * its own; the child reports on fd 3.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VirtualTimeScheduler } from 'rxjs';

const TICKS = 1_000_000;
const MODES = ['simulate', 'step', 'paced'] as const;
type Mode = (typeof MODES)[number];

/** What one child measured. */
export interface SimulateFigure {
  readonly ticks: number;
  readonly seconds: number;
  readonly ticks_per_second: number;
  readonly console_lines: number;
  /** The first 16 hex digits of the SHA-256 of the console lines: equal in every variant. */
  readonly console_sha256: string;
  /** Resident set and V8 heap in use at the end of the run (after a full GC), and the largest resident set of the process. */
  readonly rss_mib: number;
  readonly heap_used_mib: number;
  readonly max_rss_mib: number;
}

const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

/** The child: runs one variant and writes its figure to fd 3. */
async function child(mode: Mode, ticks: number): Promise<void> {
  const { seededIds } = await import('../src/common/index.ts');
  const { loadCluster } = await import('../src/config/index.ts');
  const { formatEvent, Node } = await import('../src/hypervisor/index.ts');
  const { clusterFile } = await import('../src/cli/cluster-file.ts');
  const { simulate } = await import('../src/cli/commands/simulate-run.ts');
  // Count and hash the console lines (simulate prints the ps table after them).
  let lines = 0;
  const hash = createHash('sha256');
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    if (chunk.startsWith('[')) {
      lines += chunk.split('\n').length - 1;
      hash.update(chunk);
    }
    return write(chunk);
  }) as typeof process.stdout.write;
  const t0 = performance.now();
  if (mode === 'simulate') {
    simulate(undefined, { node: 'field-a', ticks, task: [], seed: 1 });
  } else {
    // The same node and output as simulate, driven another way.
    const cluster = loadCluster(clusterFile(undefined));
    const node = new Node(cluster.nodes.find((n) => n.name === 'field-a')!, cluster, { ids: seededIds(1) });
    node.eventLog.stream.subscribe((s) => {
      if (s.event.kind !== 'transition') process.stdout.write(`${formatEvent(s.event)}\n`);
    });
    node.boot();
    if (mode === 'step') {
      for (let i = 0; i < ticks; i++) node.step();
    } else {
      const clock = new VirtualTimeScheduler();
      node.start(clock, ticks);
      clock.flush();
    }
    node.shutdown();
  }
  const seconds = (performance.now() - t0) / 1000;
  (globalThis as { gc?: () => void }).gc?.(); // what the run holds, not what it left to collect
  const m = process.memoryUsage();
  const figure: SimulateFigure = {
    ticks,
    seconds: Math.round(seconds * 1000) / 1000,
    ticks_per_second: Math.round(ticks / seconds),
    console_lines: lines,
    console_sha256: hash.digest('hex').slice(0, 16),
    rss_mib: mib(m.rss),
    heap_used_mib: mib(m.heapUsed),
    max_rss_mib: mib(process.resourceUsage().maxRSS * 1024),
  };
  fs.writeSync(3, JSON.stringify(figure));
}

function runChild(mode: Mode, ticks: number): Promise<SimulateFigure> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, String(ticks)], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    let out = '';
    p.stdio[3]!.on('data', (d: Buffer) => (out += d.toString()));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as SimulateFigure) : reject(new Error(`simulate bench (${mode}) exited ${code}`))));
  });
}

/**
 * Every variant at 10^6 ticks, the best of three runs each (alternating, as the
 * machine's other load comes and goes); `speedup_vs_step`: simulate's ticks/s over
 * tick by tick's; `simulate_1e5`: simulate at a tenth of the ticks, whose memory
 * should be that of 10^6 (flat).
 */
export async function simulateBenchmark(ticks = TICKS, runs = 3): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < runs; i++) {
    for (const mode of MODES) {
      const f = await runChild(mode, ticks);
      const best = out[mode] as SimulateFigure | undefined;
      if (best === undefined || f.ticks_per_second > best.ticks_per_second) out[mode] = f;
    }
  }
  out.simulate_1e5 = await runChild('simulate', ticks / 10);
  const s = out.simulate as SimulateFigure;
  const t = out.step as SimulateFigure;
  out.speedup_vs_step = Math.round((s.ticks_per_second / t.ticks_per_second) * 100) / 100;
  out.same_output = MODES.every((m) => (out[m] as SimulateFigure).console_sha256 === s.console_sha256);
  return out;
}

if (process.argv[2] === '--child') await child(process.argv[3] as Mode, Number(process.argv[4]));
