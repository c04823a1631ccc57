/**
 * `snapshot list` with 1,000 snapshots in the archive (README, "Limits"): the
 * manifests are written straight into a filesystem store and into a private etcd
 * (skipped when no etcd binary is found), then a middleware process lists them a
 * page at a time (100 per page). Reports the time of the first page and of
 * paging through all of them, the page count, and etcd ÷ filesystem.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { unary } from '../src/common/clients.ts';
import { CHANNEL_OPTIONS, wire } from '../src/common/wire.ts';
import { EtcdStore, FileStore, PageList, type Manifest, type SnapshotStore } from '../src/middleware/index.ts';
import { benchCluster, tempDir } from './cluster-harness.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const N = 1000;

function manifest(i: number, hash: string): Manifest {
  return {
    id: `snap-${String(i).padStart(4, '0')}`, taskId: `task-${i % 50}`, program: 'bench.s', sourceNode: 'bench-a', partition: 'bench', fingerprint: 'f'.repeat(64),
    wordSize: 32, endian: 'little', labels: { bench: 'list' }, createdUnixMs: 1_000_000 + i, pageSize: 4096, pageCount: 1, travelers: 1, header: '',
    pages: PageList.fromEntries([[0, hash]]), newBytes: 0, sharedBytes: 4096, state: 'restored', restoredTo: 'bench-a',
  };
}

async function fill(store: SnapshotStore): Promise<void> {
  const data = Buffer.alloc(4096, 7);
  const hash = createHash('sha256').update(data).digest('hex');
  const w = store.writer();
  w.put(hash, data);
  await w.commit();
  await w.release();
  for (let i = 0; i < N; i += 50) await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, k) => store.putManifest(manifest(i + k, hash))));
  await store.close();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startEtcd(dir: string): Promise<{ endpoint: string; child: ChildProcess } | undefined> {
  const bin = (process.env['PATH'] ?? '').split(path.delimiter).map((d) => path.join(d, 'etcd')).find((c) => fs.existsSync(c));
  if (!bin) return undefined;
  const [c, p] = [await freePort(), await freePort()];
  const child = spawn(bin, ['--name', 'b', '--data-dir', path.join(dir, 'etcd'), '--listen-client-urls', `http://127.0.0.1:${c}`, '--advertise-client-urls', `http://127.0.0.1:${c}`,
    '--listen-peer-urls', `http://127.0.0.1:${p}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${p}`, '--initial-cluster', `b=http://127.0.0.1:${p}`, '--log-level', 'error'], { stdio: 'ignore' });
  const endpoint = `127.0.0.1:${c}`;
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://${endpoint}/health`).then((r) => r.ok, () => false);
    if (ok) return { endpoint, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  return undefined;
}

async function listAll(file: string, uri: string): Promise<{ first_page_ms: number; all_pages_ms: number; pages: number; snapshots: number }> {
  const child = spawn(process.execPath, [path.join(here, '..', 'bin', 'migvisor.js'), 'middleware', 'start', file, '--listen', '127.0.0.1:0', '--store', uri], { stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) => resolve((JSON.parse(l) as { address: string }).address));
    child.once('exit', (c) => reject(new Error(`middleware exited ${c}`)));
  });
  const c = new (wire().Middleware)(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  try {
    await unary(c.List, c, { pageSize: 1 }, 'warm-up', 60_000);
    const t0 = performance.now();
    let first = 0;
    let token = '';
    let pages = 0;
    let snapshots = 0;
    do {
      const r = await unary(c.List, c, { pageSize: 100, pageToken: token }, 'list', 60_000);
      if (pages === 0) first = performance.now() - t0;
      snapshots += r.snapshots.length;
      token = r.nextPageToken;
      pages++;
    } while (token);
    return { first_page_ms: round(first), all_pages_ms: round(performance.now() - t0), pages, snapshots };
  } finally {
    c.close();
    await new Promise<void>((r) => (child.once('exit', () => r()), child.kill('SIGTERM')));
  }
}

/** Lists 1,000 snapshots a page at a time on the filesystem store and on etcd. */
export async function listBenchmark(): Promise<Record<string, unknown>> {
  const dir = tempDir();
  const file = benchCluster(dir, 1);
  const fsDir = path.join(dir, 'store');
  await fill(await FileStore.open(fsDir));
  const out: Record<string, unknown> = { snapshots: N, page_size: 100, fs: await listAll(file, `file://${fsDir}`) };
  const etcd = await startEtcd(dir);
  if (!etcd) out.etcd = 'skipped: no etcd binary on the PATH';
  else {
    try {
      await fill(await EtcdStore.open(etcd.endpoint));
      out.etcd = await listAll(file, `etcd://${etcd.endpoint}`);
      const [f, e] = [out.fs as { all_pages_ms: number }, out.etcd as { all_pages_ms: number }];
      out.etcd_over_fs = round(e.all_pages_ms / f.all_pages_ms);
    } finally {
      etcd.child.kill('SIGKILL');
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}
