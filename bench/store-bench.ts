/**
 * Snapshot store benchmark: park (node -> middleware, filesystem store) and
 * restore (middleware -> node) of a task with 64 MiB of incompressible memory,
 * against hashing plus writing the same bytes (SHA-256 per page, one file,
 * fsync) in the same run; and the dedup ratio of re-parking an unchanged task.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serverStream, unary } from '../src/common/clients.ts';
import { wire } from '../src/common/wire.ts';
import { openClient } from '../src/common/tls.ts';
import { benchCluster, cpuMs, loadInto, makeContainer, startNode, stopNode, tempDir } from './cluster-harness.ts';
import { loadCluster } from '../src/config/load.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

/** What the store must do at least: hash every page and write it durably (ms; `cpu`: this process's CPU time for it, ms). */
function hashAndWrite(dir: string, data: Buffer, cpu: number[] = []): number {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const fd = fs.openSync(path.join(dir, 'baseline.bin'), 'w');
  for (let off = 0; off < data.length; off += 4096) {
    const page = data.subarray(off, off + 4096);
    createHash('sha256').update(page).digest();
    fs.writeSync(fd, page);
  }
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  return performance.now() - t0;
}

async function startMiddleware(file: string, store: string): Promise<{ address: string; pid: number | undefined; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROF] : []), path.join(here, '..', 'bin', 'migvisor.js'), 'middleware', 'start', file, '--listen', '127.0.0.1:0', '--store', store], { stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) => resolve((JSON.parse(l) as { address: string }).address));
    child.once('exit', (c) => reject(new Error(`middleware exited ${c}`)));
  });
  return { address, pid: child.pid, stop: () => new Promise((r) => (child.once('exit', () => r()), child.kill('SIGTERM'))) };
}

export async function storeBenchmark(mib = 64): Promise<Record<string, unknown>> {
  const dir = tempDir();
  const file = benchCluster(dir, mib);
  const cluster = loadCluster(file);
  const node = await startNode(file, 'bench-a');
  const mw = await startMiddleware(file, `file://${path.join(dir, 'store')}`);
  const client = openClient(wire().Middleware, mw.address);
  try {
    const container = await makeContainer(cluster, dir, mib * 1024 * 1024, 'random', 'none');
    let task = await loadInto(node.address, container);
    // CPU time of the node and the middleware together (undefined without /proc).
    const bothCpu = (): number | undefined => {
      const [n, m] = [cpuMs(node.child.pid), cpuMs(mw.pid)];
      return n === undefined || m === undefined ? undefined : n + m;
    };
    const cpuOf = async <T>(fn: () => Promise<T>): Promise<[T, number | null]> => {
      const before = bothCpu();
      const out = await fn();
      const after = bothCpu();
      return [out, before === undefined || after === undefined ? null : round(after - before, 0)];
    };
    const park = async (): Promise<{ ms: number; id: string; newBytes: number; stored: number }> => {
      const t0 = performance.now();
      let info;
      for await (const p of serverStream(client.Park({ taskId: task, node: node.address, labels: [], compression: 'COMPRESSION_NONE' }), 'park')) if (p.snapshot) info = p.snapshot;
      return { ms: performance.now() - t0, id: info!.id, newBytes: Number(info!.newBytes), stored: Number(info!.storedPages) * 4096 };
    };
    const restore = async (id: string): Promise<number> => {
      const t0 = performance.now();
      for await (const p of serverStream(client.Restore({ snapshotId: id, node: node.address, asCopy: false }), 'restore')) if (p.taskId) task = p.taskId;
      return performance.now() - t0;
    };
    const [first, parkCpu] = await cpuOf(park);
    const [restoreMs, restoreCpu] = await cpuOf(() => restore(first.id));
    const second = await park(); // unchanged memory: every chunk is known already
    const restore2 = await restore(second.id);
    const bytes = randomBytes(mib * 1024 * 1024);
    const baseCpu: number[] = [];
    const bestBase = Math.min(hashAndWrite(dir, bytes, baseCpu), hashAndWrite(dir, bytes, baseCpu));
    const list = await unary(client.List, client, { labels: [] }, 'list');
    return {
      memory_mib: mib,
      park_ms: round(first.ms),
      restore_ms: round(Math.min(restoreMs, restore2)),
      hash_and_write_ms: round(bestBase),
      park_ratio: round(bestBase / first.ms),
      restore_ratio: round(bestBase / Math.min(restoreMs, restore2)),
      repark_ms: round(second.ms),
      repark_new_bytes: second.newBytes,
      repark_stored_bytes: second.stored,
      repark_new_fraction: round(second.newBytes / Math.max(1, second.stored), 5),
      store_bytes: Number(list.storeBytes),
      dedup_ratio: round((first.stored + second.stored) / Math.max(1, Number(list.storeBytes))),
      // CPU time (user + system, ms): the node and the middleware together for the
      // first park and its restore, and the baseline's (one process, the less of two).
      park_cpu_ms: parkCpu,
      restore_cpu_ms: restoreCpu,
      hash_and_write_cpu_ms: round(Math.min(...baseCpu), 0),
    };
  } finally {
    client.close();
    await mw.stop();
    await stopNode(node);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
