/**
 * Archive engine benchmark (README "Benchmarks"), every figure a ratio of two
 * runs made here, now:
 *
 * - replicated: park and restore of 64 MiB of incompressible memory through etcd
 *   + a 3-server NATS JetStream cluster (bucket replicated 3 times) ÷ through the
 *   filesystem store (times; lower is better);
 * - sealed: park throughput with encryption at rest ÷ without, on the filesystem
 *   store (goal ≥ 0.8);
 * - lazy: time until a lazily restored task resumes, 64 MiB snapshot ÷ 1 MiB
 *   snapshot, as the client sees it (goal flat: ≤ 1.5).
 *
 * Needs etcd and nats-server on the PATH (or ETCD_BIN / NATS_SERVER_BIN).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { serverStream } from '../src/common/clients.ts';
import { CHANNEL_OPTIONS, wire } from '../src/common/wire.ts';
import type { MiddlewareClient } from '../src/generated/migvisor/v1/Middleware.ts';
import { etcdBinary, startEtcd } from '../test/support/middleware-harness.ts';
import { natsBinary, startNatsCluster } from '../test/support/nats-cluster.ts';
import { benchCluster, killTask, loadCluster, loadInto, makeContainer, startNode, stopNode, tempDir } from './cluster-harness.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const REPEAT = 3;
/**
 * Tries of the two figures whose runs differ most on a shared machine (a park
 * with and without a key; a lazy resume of tens of ms): the best of more tries
 * is a steadier estimate of what the code costs.
 */
const REPEAT_NOISY = 6;
/** Pause before each lazy restore (ms): the previous copy's memory is collected in both processes first. */
const SETTLE_MS = 300;

interface Middleware {
  readonly client: MiddlewareClient;
  stop(): Promise<void>;
}

async function startMiddleware(file: string, store: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<Middleware> {
  const child = spawn(process.execPath, [path.join(here, '..', 'bin', 'migvisor.js'), 'middleware', 'start', file, '--listen', '127.0.0.1:0', '--store', store, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) => resolve((JSON.parse(l) as { address: string }).address));
    child.once('exit', (c) => reject(new Error(`middleware exited ${c}`)));
  });
  const client = new (wire().Middleware)(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  return {
    client,
    stop: () =>
      new Promise((r) => {
        client.close();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

/** One node with a task of `mib` MiB of incompressible memory, and park/restore through a middleware. */
class Rig {
  task = '';
  private constructor(
    readonly file: string,
    readonly node: { address: string; child: import('node:child_process').ChildProcess; name: string },
    readonly container: string,
  ) {}

  static async start(mib: number): Promise<Rig> {
    const dir = tempDir();
    const file = benchCluster(dir, mib);
    const node = await startNode(file, 'bench-a');
    const container = await makeContainer(loadCluster(file), dir, mib * 1024 * 1024, 'random', 'none');
    return new Rig(file, node, container);
  }

  /** Loads a fresh copy of the task (the last one parked stays in its archive). */
  async load(): Promise<void> {
    this.task = await loadInto(this.node.address, this.container);
  }

  async park(mw: Middleware): Promise<{ ms: number; id: string }> {
    const t0 = performance.now();
    let id = '';
    for await (const p of serverStream(mw.client.Park({ taskId: this.task, node: this.node.address, labels: [], compression: 'COMPRESSION_NONE' }), 'park')) if (p.snapshot) id = p.snapshot.id;
    return { ms: performance.now() - t0, id };
  }

  /** Restores `id` (lazily or not); `resumeMs` is when the client heard the task runs. */
  async restore(mw: Middleware, id: string, lazy: boolean, asCopy = false): Promise<{ ms: number; resumeMs: number }> {
    const t0 = performance.now();
    let resumeMs = 0;
    for await (const p of serverStream(mw.client.Restore({ snapshotId: id, node: this.node.address, asCopy, lazy }), 'restore')) {
      if (p.phase === 'MIGRATION_PHASE_POSTCOPY' && !resumeMs) resumeMs = performance.now() - t0;
      if (p.taskId) this.task = p.taskId;
    }
    const ms = performance.now() - t0;
    return { ms, resumeMs: resumeMs || ms };
  }

  async stop(): Promise<void> {
    await stopNode(this.node);
    fs.rmSync(path.dirname(this.file), { recursive: true, force: true });
  }
}

/**
 * Park and restore through `mw`, whose store is empty: the park time is the first
 * park's (every chunk new); the restore time the best of REPEAT restores.
 */
async function parkRestore(rig: Rig, mw: Middleware): Promise<{ park: number; restore: number }> {
  let park = 0;
  let restore = Infinity;
  for (let i = 0; i < REPEAT; i++) {
    await rig.load();
    const p = await rig.park(mw);
    if (i === 0) park = p.ms;
    restore = Math.min(restore, (await rig.restore(mw, p.id, false)).ms);
    // The restored task goes; the next round loads it again (its pages dedup then).
    await killTask(rig.node.address, rig.task);
  }
  return { park, restore };
}

/** The archive engine figures (see the file header). */
export async function archiveBenchmark(mib = 64): Promise<Record<string, unknown>> {
  const etcdBin = etcdBinary();
  const natsBin = natsBinary();
  if (!etcdBin || !natsBin) return { skipped: 'needs etcd and nats-server' };
  const big = await Rig.start(mib);
  const small = await Rig.start(1);
  const etcd = await startEtcd(etcdBin);
  const nats = await startNatsCluster(natsBin);
  const dirs: string[] = [];
  const store = (): string => {
    const d = tempDir();
    dirs.push(d);
    return `file://${path.join(d, 'store')}`;
  };
  try {
    // Replicated vs filesystem: each middleware on its own empty store; the first round writes every chunk.
    const fsMw = await startMiddleware(big.file, store());
    const fsTimes = await parkRestore(big, fsMw);
    await fsMw.stop();
    const repMw = await startMiddleware(big.file, `etcd://${etcd.endpoint}`, ['--chunks', nats.uri, '--chunk-replicas', '3']);
    const repTimes = await parkRestore(big, repMw);
    await repMw.stop();

    // Encryption: park of a fresh 64 MiB task into an empty store, with and without a key (best of REPEAT_NOISY, alternating, new store each).
    const parkOnce = async (args: readonly string[], env: Record<string, string>): Promise<number> => {
      const mw = await startMiddleware(big.file, store(), args, env);
      try {
        await big.load();
        return (await big.park(mw)).ms;
      } finally {
        await mw.stop();
      }
    };
    const key = { MIGVISOR_ARCHIVE_KEY: randomBytes(32).toString('hex') };
    let plainPark = Infinity;
    let sealedPark = Infinity;
    // Alternating, so a change of the machine's load falls on both alike.
    for (let i = 0; i < REPEAT_NOISY; i++) {
      plainPark = Math.min(plainPark, await parkOnce([], {}));
      sealedPark = Math.min(sealedPark, await parkOnce([], key));
    }

    // Instant restore: resume time of a lazy restore of an archived snapshot, 64 MiB and 1 MiB
    // (best of REPEAT_NOISY, alternating). Each snapshot is parked once; every try restores a
    // copy of it, waits until all its pages arrived, removes the copy and lets both processes
    // settle, so the time measured is the resume's, not the collection of the previous task.
    const bigMw = await startMiddleware(big.file, store());
    const smallMw = await startMiddleware(small.file, store());
    let resumeBig = Infinity;
    let resumeSmall = Infinity;
    try {
      const parked = new Map<Rig, string>();
      for (const [rig, mw] of [[big, bigMw], [small, smallMw]] as const) {
        await rig.load();
        parked.set(rig, (await rig.park(mw)).id);
      }
      for (let i = 0; i < REPEAT_NOISY; i++) {
        for (const [rig, mw] of [[big, bigMw], [small, smallMw]] as const) {
          await sleep(SETTLE_MS);
          const ms = (await rig.restore(mw, parked.get(rig)!, true, true)).resumeMs;
          await killTask(rig.node.address, rig.task);
          if (rig === big) resumeBig = Math.min(resumeBig, ms);
          else resumeSmall = Math.min(resumeSmall, ms);
        }
      }
    } finally {
      await bigMw.stop();
      await smallMw.stop();
    }
    return {
      memory_mib: mib,
      fs_park_ms: round(fsTimes.park),
      fs_restore_ms: round(fsTimes.restore),
      replicated_park_ms: round(repTimes.park),
      replicated_restore_ms: round(repTimes.restore),
      replicated_park_ratio: round(repTimes.park / fsTimes.park),
      replicated_restore_ratio: round(repTimes.restore / fsTimes.restore),
      plain_park_ms: round(plainPark),
      sealed_park_ms: round(sealedPark),
      sealed_park_throughput_ratio: round(plainPark / sealedPark),
      lazy_resume_ms_64mib: round(resumeBig),
      lazy_resume_ms_1mib: round(resumeSmall),
      lazy_resume_ratio: round(resumeBig / resumeSmall),
    };
  } finally {
    await big.stop();
    await small.stop();
    await nats.stop();
    await etcd.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}
