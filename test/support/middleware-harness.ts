/**
 * Helpers for the middleware specs: a middleware process (`migvisor middleware
 * start`) on its own store, a private etcd on free loopback ports, nodes started a
 * little apart, the CLI pointed at one middleware, and the filesystem store's files
 * (packs, indexes, manifests) as the tests inspect and damage them.
 *
 * Built on test/support/processes.ts: every gRPC client is closed by its
 * `cleanup()`, every process started here is stopped by {@link stopMiddlewares} /
 * {@link EtcdServer.stop} and, should a suite forget, killed by `cleanup()`.
 * Every wait is bounded.
 *
 * Long because the middleware specs share one fixture world (processes, etcd,
 * store files); each section below is one of its parts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { unary } from '../../src/common/clients.ts';
import { Code } from '../../src/common/errors.ts';
import { readEndpoints, registryDir } from '../../src/common/endpoints.ts';
import { CHANNEL_OPTIONS, wire } from '../../src/common/wire.ts';
import type { InspectResponse__Output } from '../../src/generated/migvisor/v1/InspectResponse.ts';
import type { ListResponse__Output } from '../../src/generated/migvisor/v1/ListResponse.ts';
import type { MiddlewareClient } from '../../src/generated/migvisor/v1/Middleware.ts';
import type { SnapshotInfo__Output } from '../../src/generated/migvisor/v1/SnapshotInfo.ts';
import type { WhereResponse__Output } from '../../src/generated/migvisor/v1/WhereResponse.ts';
import { manifestFromStored, PageList, type Manifest, type SnapshotStore } from '../../src/middleware/index.ts';
import { reservePort } from '../../src/testbed/ports.ts';
import {
  BIN,
  cliOk,
  exited,
  killProcess,
  onCleanup,
  poll,
  ROOT,
  runCli,
  sleep,
  startNode,
  stopProcess,
  tempDir,
  type CliResult,
  type NodeProcess,
  type StartNodeOptions,
} from './processes.ts';

// --- the middleware process ---------------------------------------------------

export interface MiddlewareProcess {
  readonly address: string;
  readonly store: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly stderr: string[];
}

const middlewares = new Set<ChildProcess>();

/**
 * Starts `migvisor middleware start FILE --listen 127.0.0.1:0 --store STORE` and
 * resolves with its ready line `{"middleware","address","store","pid"}`. It exits
 * with this process (--exit-with-parent), so a crashed run leaves no orphan.
 */
export function startMiddleware(
  file: string,
  store: string,
  options: { timeoutMs?: number; listen?: string; args?: readonly string[]; env?: Readonly<Record<string, string>> } = {},
): Promise<MiddlewareProcess> {
  const args = [BIN, 'middleware', 'start', file, '--listen', options.listen ?? '127.0.0.1:0', '--store', store, '--exit-with-parent', ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], ...(options.env ? { env: { ...process.env, ...options.env } } : {}) });
  middlewares.add(child);
  child.once('exit', () => middlewares.delete(child));
  const unregister = onCleanup(() => child.kill('SIGKILL'));
  child.once('exit', unregister);
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise<MiddlewareProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the middleware printed no ready line within ${timeoutMs} ms; stderr: ${stderr.join(' | ')}`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(new Error(`the middleware exited before it was ready (${signal ?? `code ${code}`}): ${stderr.join(' | ')}`));
    };
    child.once('exit', onExit);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      try {
        const ready = JSON.parse(line) as { middleware: string; address: string; store: string; pid: number };
        resolve({ address: ready.address, store: ready.store, pid: ready.pid, child, stderr });
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`the middleware printed an unexpected first line: ${line}`));
      }
    });
  });
}

/**
 * Stops every middleware still running (SIGTERM, then SIGKILL), one after the
 * other, each removing itself from the registry on the way out. Call it before
 * `cleanup()` stops the nodes: a registry kept as one read-modify-write file (as it
 * was when these tests were written) loses updates made at the same instant, and
 * a lost removal leaves a stale middleware entry behind.
 */
export async function stopMiddlewares(): Promise<void> {
  for (const c of [...middlewares]) await stopProcess(c, 3000);
  middlewares.clear();
}

/** SIGKILLs a middleware and waits until it is gone. */
export async function killMiddleware(mw: MiddlewareProcess): Promise<void> {
  await killProcess(mw.child, 'SIGKILL');
  await exited(mw.child);
}

/** Runs `body` with a Middleware gRPC client that is closed afterwards (or by `cleanup()`). */
export async function withMiddlewareClient<T>(address: string, body: (c: MiddlewareClient) => Promise<T>): Promise<T> {
  const c = new (wire().Middleware)(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const unregister = onCleanup(() => c.close());
  try {
    return await body(c);
  } finally {
    unregister();
    c.close();
  }
}

/** The middleware's List over gRPC (no CLI start-up cost), for polling and side checks. */
export function listOverGrpc(address: string, labels: Record<string, string> = {}): Promise<ListResponse__Output> {
  const req = { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) };
  return withMiddlewareClient(address, (c) => unary(c.List, c, req, `list on ${address}`, 10_000));
}

/** One snapshot as List reports it over gRPC, or undefined. */
export async function snapshotOverGrpc(address: string, id: string): Promise<SnapshotInfo__Output | undefined> {
  return (await listOverGrpc(address)).snapshots.find((s) => s.id === id);
}

/** The middleware's Inspect over gRPC: the snapshot, verified or with its problems. */
export function inspectOverGrpc(address: string, id: string): Promise<InspectResponse__Output> {
  return withMiddlewareClient(address, (c) => unary(c.Inspect, c, { snapshotId: id }, `inspect on ${address}`, 30_000));
}

/** The middleware's Where over gRPC. */
export function whereOverGrpc(address: string, task: string): Promise<WhereResponse__Output> {
  return withMiddlewareClient(address, (c) => unary(c.Where, c, { taskId: task }, `where on ${address}`, 20_000));
}

// --- the CLI, pointed at one middleware --------------------------------------------

/** Runs `migvisor ARGS... --cluster FILE --middleware ADDRESS`. */
export function mwCli(mw: { address: string }, file: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CliResult> {
  return runCli([...args, '--cluster', file, '--middleware', mw.address], options);
}

/** Like {@link mwCli}, but the command must succeed; returns stdout. */
export async function mwOk(mw: { address: string }, file: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const r = await mwCli(mw, file, args, options);
  if (r.code !== 0) throw new Error(`migvisor ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Like {@link mwOk} with `--json`, parsed. */
export async function mwJson<T>(mw: { address: string }, file: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<T> {
  return JSON.parse(await mwOk(mw, file, [...args, '--json'], options)) as T;
}

/**
 * A snapshot as `snapshot list --json` and `snapshot park --json` print it: a
 * SnapshotInfo in the proto3 JSON mapping (enums by name, 64-bit integers as strings).
 */
export interface SnapshotJson {
  id: string;
  taskId: string;
  program: string;
  sourceNode: string;
  partition: string;
  fingerprint: string;
  wordSize: number;
  endian: string;
  labels: { key: string; value: string }[];
  createdUnixMs: string;
  memoryBytes: string;
  storedPages: string;
  newBytes: string;
  sharedBytes: string;
  state: 'SNAPSHOT_STATE_PARKED' | 'SNAPSHOT_STATE_RESTORED';
  restoredTo: string;
  travelers: number;
}

/** `snapshot list --json`: a ListResponse. */
export interface ListJson {
  store: string;
  storeBytes: string;
  chunks: string;
  snapshots: SnapshotJson[];
  nextPageToken: string;
  total: string;
}

/** `snapshot inspect --json`: an InspectResponse. */
export interface InspectJson {
  snapshot: SnapshotJson;
  verified: boolean;
  problems: string[];
}

// --- nodes ----------------------------------------------------------------------

/**
 * Starts nodes of one cluster file a little apart and resolves once the cluster's
 * registry names every node with its address: the CLI and the middleware find nodes
 * by name through it, and a registry kept as one read-modify-write file loses the
 * entry of a node that becomes ready at the same instant as another.
 */
export async function startNodesApart(file: string, names: readonly string[], options: StartNodeOptions = {}, gapMs = 150): Promise<Record<string, NodeProcess>> {
  const started: Promise<NodeProcess>[] = [];
  for (const n of names) {
    started.push(startNode(file, n, options));
    await sleep(gapMs);
  }
  const nodes = await Promise.all(started);
  await poll(
    `the registry of ${path.basename(file)} to name ${names.join(', ')}`,
    () => {
      const known = readEndpoints(file).nodes;
      return nodes.every((n) => known[n.name] === n.address);
    },
    5000,
  );
  return Object.fromEntries(nodes.map((n) => [n.name, n]));
}

/**
 * A private copy of a fixture cluster file, in a fresh temporary folder, with its
 * programs' paths made absolute. Commands find nodes and the middleware through a
 * registry keyed by the cluster file's path, so a suite on its own copy never meets
 * another suite's (or another run's) nodes, nor stale entries. The copy's store
 * default points into its own folder; tests pass --store anyway. Remove the
 * registry with {@link forgetCluster} once every process has stopped.
 */
export function privateCluster(fixtureFile: string): string {
  const dir = tempDir('migvisor-mw-cluster-');
  const text = fs
    .readFileSync(fixtureFile, 'utf8')
    .replace(/(program:\s*)([^\s,}]+)/g, (_, key: string, rel: string) => `${key}${path.resolve(path.dirname(fixtureFile), rel)}`)
    .replace(/(store:\s*)file:\/\/[^\s,}]+/g, (_, key: string) => `${key}file://./store-unused`);
  const file = path.join(dir, path.basename(fixtureFile));
  fs.writeFileSync(file, text);
  return file;
}

/** Removes a cluster file's registry folder (under the OS temp folder). */
export function forgetCluster(file: string): void {
  fs.rmSync(registryDir(file), { recursive: true, force: true });
}

// --- the filesystem store's files ---------------------------------------------------

/** Every file under `dir`, relative to it, sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

/** The manifest of a snapshot as the filesystem store wrote it. */
export function readManifest(storeDir: string, id: string): Manifest {
  return manifestFromStored(JSON.parse(fs.readFileSync(path.join(storeDir, 'manifests', `${id}.json`), 'utf8')), `snapshot ${id}`);
}

/** Where a chunk lies in the filesystem store: its pack file, offset and length. */
export function locateChunk(storeDir: string, hash: string): { pack: string; offset: number; length: number } {
  const packs = path.join(storeDir, 'packs');
  for (const f of fs.readdirSync(packs)) {
    if (!f.endsWith('.idx')) continue;
    const entries = JSON.parse(fs.readFileSync(path.join(packs, f), 'utf8')) as [string, number, number][];
    const hit = entries.find(([h]) => h === hash);
    if (hit) return { pack: path.join(packs, `${f.slice(0, -'.idx'.length)}.pack`), offset: hit[1], length: hit[2] };
  }
  throw new Error(`chunk ${hash} is in no pack index under ${packs}`);
}

/** Flips the bits of one byte of a file in place (XOR 0xff). */
export function flipByte(file: string, offset: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset);
    b[0] = b[0]! ^ 0xff;
    fs.writeSync(fd, b, 0, 1, offset);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

// --- etcd ----------------------------------------------------------------------------

/** The etcd binary: $ETCD_BIN, else `etcd` on the PATH (Debian's etcd-server installs /usr/bin/etcd). */
export function etcdBinary(): string | undefined {
  const candidates = process.env['ETCD_BIN'] ? [process.env['ETCD_BIN']] : (process.env['PATH'] ?? '').split(path.delimiter).map((d) => path.join(d, 'etcd'));
  return candidates.find((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * For a suite's before(): the etcd binary, or skip the suite with the reason. With
 * MIGVISOR_REQUIRE_ETCD=1 (CI, which installs etcd-server) a missing etcd fails it.
 */
export function requireEtcd(ctx: Mocha.Context): string {
  const bin = etcdBinary();
  if (bin) return bin;
  const why = 'no etcd binary (install Debian\'s etcd-server, or set ETCD_BIN)';
  if (process.env['MIGVISOR_REQUIRE_ETCD'] === '1') throw new Error(`MIGVISOR_REQUIRE_ETCD=1 but ${why}`);
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

/**
 * A free TCP port on 127.0.0.1 (free when asked: bind quickly), below the
 * kernel's ephemeral range, so no server on port 0 and no outgoing connection
 * takes it before the process it is meant for binds it (src/testbed/ports.ts).
 */
export async function freePort(): Promise<number> {
  const r = await reservePort('127.0.0.1');
  await r.release();
  return r.port;
}

export interface EtcdServer {
  /** "127.0.0.1:PORT" of the client URL. */
  readonly endpoint: string;
  readonly child: ChildProcess;
  readonly dataDir: string;
  /** Kills etcd and removes its data folder. */
  stop(): Promise<void>;
  /** SIGKILLs etcd, keeping its data folder (a store that dies). */
  kill(): Promise<void>;
  /** Starts etcd again on the same ports and data (after {@link kill}). */
  restart(): Promise<void>;
}

/** PEM files etcd serves TLS with and checks its clients' certificates against. */
export interface EtcdTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * A private copy of config/cluster.yaml made secure by `certs init` in a new
 * temporary folder: `file` is the secure cluster file, `store` the store
 * certificate (etcd.pem: DNS etcd, localhost, IP 127.0.0.1) with the CA.
 */
export async function secureCluster(prefix: string): Promise<{ file: string; store: EtcdTls }> {
  const dir = tempDir(prefix);
  const plain = path.join(dir, 'cluster.yaml');
  fs.copyFileSync(path.join(ROOT, 'config', 'cluster.yaml'), plain);
  fs.cpSync(path.join(ROOT, 'config', 'programs'), path.join(dir, 'programs'), { recursive: true });
  const file = path.join(dir, 'secure.yaml');
  const certs = path.join(dir, 'certs');
  await cliOk(['certs', 'init', certs, '--cluster', plain, '--write', file]);
  return { file, store: { ca: path.join(certs, 'ca.pem'), cert: path.join(certs, 'etcd.pem'), key: path.join(certs, 'etcd-key.pem') } };
}

/** /health over TLS with a client certificate (fetch cannot present one). */
function etcdHealthyTls(endpoint: string, tls: EtcdTls): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(
      `https://${endpoint}/health`,
      { ca: fs.readFileSync(tls.ca), cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key), timeout: 1000 },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += String(d)));
        res.on('end', () => resolve(res.statusCode === 200 && body.includes('"health":"true"')));
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/** Asks etcd's /health (bounded); true when it answers healthy. */
async function etcdHealthy(endpoint: string, tls?: EtcdTls): Promise<boolean> {
  if (tls) return etcdHealthyTls(endpoint, tls);
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 1000);
  try {
    const res = await fetch(`http://${endpoint}/health`, { signal: ctl.signal });
    const body = (await res.json()) as { health?: string };
    return res.ok && body.health === 'true';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts a private single-member etcd on free loopback ports with a temporary data
 * folder and waits (bounded) until it answers. Tries again on other ports if the
 * chosen ones were taken in the meantime.
 */
export async function startEtcd(bin: string, timeoutMs = 20_000, tls?: EtcdTls): Promise<EtcdServer> {
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-etcd-'));
    const [cport, pport] = [await freePort(), await freePort()];
    const endpoint = `127.0.0.1:${cport}`;
    let run = spawnEtcd(bin, dataDir, cport, pport, tls);
    const stop = async (): Promise<void> => {
      run.unregister();
      await killProcess(run.child, 'SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
    const server: EtcdServer = {
      endpoint,
      get child() {
        return run.child;
      },
      dataDir,
      stop,
      kill: async () => {
        run.unregister();
        await killProcess(run.child, 'SIGKILL');
        await exited(run.child);
      },
      restart: async () => {
        run = spawnEtcd(bin, dataDir, cport, pport, tls);
        const why = await healthyWithin(endpoint, run, timeoutMs, tls);
        if (why) throw new Error(`etcd did not come back: ${why}`);
      },
    };
    lastError = await healthyWithin(endpoint, run, timeoutMs, tls);
    if (!lastError) return server;
    await stop();
  }
  throw new Error(`etcd did not start: ${lastError}`);
}

/** One etcd process on a data folder and ports. */
function spawnEtcd(bin: string, dataDir: string, cport: number, pport: number, tls?: EtcdTls): { child: ChildProcess; stderr: string[]; unregister: () => void } {
  const client = `${tls ? 'https' : 'http'}://127.0.0.1:${cport}`;
  const peer = `http://127.0.0.1:${pport}`;
  const child = spawn(
    bin,
    [
      '--name', 't',
      '--data-dir', dataDir,
      '--listen-client-urls', client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `t=${peer}`,
      '--log-level', 'error',
      ...(tls ? ['--cert-file', tls.cert, '--key-file', tls.key, '--trusted-ca-file', tls.ca, '--client-cert-auth'] : []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.length < 200 && stderr.push(l));
  const unregister = onCleanup(() => child.kill('SIGKILL'));
  return { child, stderr, unregister };
}

/** Waits until etcd answers healthy; '' then, else why not. */
async function healthyWithin(endpoint: string, run: { child: ChildProcess; stderr: string[] }, timeoutMs: number, tls?: EtcdTls): Promise<string> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && run.child.exitCode === null && run.child.signalCode === null) {
    if (await etcdHealthy(endpoint, tls)) return '';
    await sleep(100);
  }
  return run.child.exitCode !== null ? `exited ${run.child.exitCode}: ${run.stderr.slice(-3).join(' | ')}` : `no healthy answer within ${timeoutMs} ms`;
}

// --- store fixtures --------------------------------------------------------------------

/** A page of pseudo-random bytes, the same for the same seed (no two seeds alike). */
export function page(seed: number, size = 4096): Buffer {
  const out = Buffer.alloc(size);
  let x = (seed * 2654435761 + 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  return out;
}

/** The content address of a chunk. */
export function sha(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A manifest for store-level tests: `pages` are [page index, chunk hash]. */
export function testManifest(id: string, pages: readonly (readonly [number, string])[], createdUnixMs = Date.now(), taskId = `task-${id}`): Manifest {
  return {
    id,
    taskId,
    program: 'test.s',
    sourceNode: 'field-a',
    partition: 'ctrl',
    fingerprint: 'f'.repeat(64),
    wordSize: 32,
    endian: 'little',
    labels: { suite: 'store' },
    createdUnixMs,
    pageSize: 4096,
    pageCount: Math.max(1, ...pages.map(([p]) => p + 1)),
    travelers: 1,
    header: '',
    pages: PageList.fromEntries(pages),
    newBytes: 0,
    sharedBytes: 0,
    state: 'parked',
    restoredTo: '',
  };
}

/** Writes chunks through one writer and commits; returns their hashes. */
export async function putChunks(store: SnapshotStore, chunks: readonly Buffer[]): Promise<string[]> {
  const w = store.writer();
  const hashes = chunks.map((c) => {
    const h = sha(c);
    w.put(h, c);
    return h;
  });
  await w.commit();
  // The chunks are durable; callers that keep them write a manifest next.
  await w.release();
  return hashes;
}

/** The error a promise rejects with (fails if it resolves). */
export async function failure(p: Promise<unknown>): Promise<Error & { code?: number }> {
  try {
    await p;
  } catch (e: unknown) {
    if (e instanceof Error) return e as Error & { code?: number };
    throw new Error(`rejected with a non-Error: ${String(e)}`);
  }
  throw new Error('expected a failure, the call succeeded');
}

/**
 * What every SnapshotStore backend must do, as one list of specs (call it inside a
 * describe). `fresh` opens an empty store; `reopen` opens the same store again, as a
 * restarted middleware would. Stores opened here are closed after each test.
 */
export function describeStoreContract(fresh: () => Promise<SnapshotStore>, reopen: (s: SnapshotStore) => Promise<SnapshotStore>): void {
  const opened: SnapshotStore[] = [];
  const open = async (): Promise<SnapshotStore> => {
    const s = await fresh();
    opened.push(s);
    return s;
  };
  const again = async (s: SnapshotStore): Promise<SnapshotStore> => {
    const t = await reopen(s);
    opened.push(t);
    return t;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  });

  it('keeps written chunks invisible until the writer commits, then serves them by hash', async () => {
    const s = await open();
    const [a, b] = [page(1), page(2)];
    const w = s.writer();
    expect(w.put(sha(a), a)).to.equal(4096);
    expect(w.put(sha(b), b)).to.equal(4096);
    expect(s.has(sha(a)), 'visible before commit').to.equal(false);
    expect((await s.stats()).chunks).to.equal(0);
    await w.commit();
    await w.release();
    expect(s.has(sha(a)) && s.has(sha(b))).to.equal(true);
    expect(Buffer.from(await s.get(sha(a))).equals(a)).to.equal(true);
    expect(Buffer.from(await s.get(sha(b))).equals(b)).to.equal(true);
    expect(await s.stats()).to.deep.equal({ bytes: 8192, chunks: 2 });
  });

  it('adds nothing for an aborted writer', async () => {
    const s = await open();
    const w = s.writer();
    w.put(sha(page(3)), page(3));
    await w.abort();
    expect(s.has(sha(page(3)))).to.equal(false);
    expect(await s.stats()).to.deep.equal({ bytes: 0, chunks: 0 });
  });

  it('stores a chunk once: a later writer skips chunks the store has, a writer skips its own repeats', async () => {
    const s = await open();
    await putChunks(s, [page(1), page(2)]);
    const w = s.writer();
    expect(w.put(sha(page(1)), page(1)), 'chunk already stored').to.equal(0);
    expect(w.put(sha(page(4)), page(4)), 'new chunk').to.equal(4096);
    expect(w.put(sha(page(4)), page(4)), 'repeated in the same writer').to.equal(0);
    await w.commit();
    await w.release();
    expect(await s.stats()).to.deep.equal({ bytes: 3 * 4096, chunks: 3 });
    const t = await again(s);
    expect(t.has(sha(page(1))) && t.has(sha(page(4)))).to.equal(true);
    expect(await t.stats()).to.deep.equal({ bytes: 3 * 4096, chunks: 3 });
  });

  it('counts a chunk once when two writers staged it at the same time', async () => {
    const s = await open();
    const [w1, w2] = [s.writer(), s.writer()];
    expect(w1.put(sha(page(5)), page(5))).to.equal(4096);
    expect(w2.put(sha(page(5)), page(5))).to.equal(4096);
    w2.put(sha(page(6)), page(6));
    await w1.commit();
    await w2.commit();
    await w1.release();
    await w2.release();
    expect(await s.stats()).to.deep.equal({ bytes: 2 * 4096, chunks: 2 });
    expect(Buffer.from(await s.get(sha(page(5)))).equals(page(5))).to.equal(true);
    const t = await again(s);
    expect(await t.stats()).to.deep.equal({ bytes: 2 * 4096, chunks: 2 });
  });

  it('reads several chunks at once, in the order asked, repeats included', async () => {
    const s = await open();
    const [a, b] = await putChunks(s, [page(41), page(42)]);
    const [c] = await putChunks(s, [page(43)]);
    const got = await s.getMany([c!, a!, b!, a!, c!]);
    expect(got.map((d) => sha(d))).to.deep.equal([c, a, b, a, c]);
    expect(await s.getMany([])).to.deep.equal([]);
    const e = await failure(s.getMany([a!, sha(page(44))]));
    expect(e.code).to.equal(Code.DATA_LOSS);
  });

  it('fails to get a missing chunk with DATA_LOSS naming the chunk', async () => {
    const s = await open();
    const h = sha(page(7));
    const e = await failure(s.get(h));
    expect(e.code).to.equal(Code.DATA_LOSS);
    expect(e.message).to.contain(h.slice(0, 16)).and.contain('missing');
  });

  it('keeps manifests (a page list of 5000 pages included), lists them by created time and deletes them', async () => {
    const s = await open();
    const [h] = await putChunks(s, [page(8)]);
    const many = Array.from({ length: 5000 }, (_, i) => [i, h!] as const);
    await s.putManifest(testManifest('snap-b', many, 2000));
    await s.putManifest(testManifest('snap-a', [[3, h!]], 1000));
    const b = await s.getManifest('snap-b');
    expect(b?.pages).to.have.length(5000);
    expect(b?.pages.entry(4999)).to.deep.equal([4999, h]);
    expect([...b!.pages]).to.deep.equal(many);
    expect(b).to.deep.equal(testManifest('snap-b', many, 2000));
    expect((await s.listManifests()).map((m) => m.id)).to.deep.equal(['snap-a', 'snap-b']);
    expect(await s.getManifest('snap-none')).to.equal(undefined);
    await s.deleteManifest('snap-b');
    expect(await s.getManifest('snap-b')).to.equal(undefined);
    expect((await (await again(s)).listManifests()).map((m) => m.id)).to.deep.equal(['snap-a']);
  });

  it('frees on gc exactly the chunks no remaining manifest references', async () => {
    const s = await open();
    const [a, b, c, d] = await putChunks(s, [page(11), page(12), page(13), page(14)]);
    await s.putManifest(testManifest('snap-1', [[0, a!], [1, b!], [2, c!]], 1));
    await s.putManifest(testManifest('snap-2', [[0, b!], [1, c!], [2, d!]], 2));
    expect(await s.gc(), 'nothing unreferenced yet').to.equal(0);
    await s.deleteManifest('snap-1');
    expect(await s.gc()).to.equal(4096);
    expect(s.has(a!)).to.equal(false);
    expect((await failure(s.get(a!))).code).to.equal(Code.DATA_LOSS);
    for (const [h, seed] of [[b!, 12], [c!, 13], [d!, 14]] as const) expect(Buffer.from(await s.get(h)).equals(page(seed))).to.equal(true);
    expect(await s.stats()).to.deep.equal({ bytes: 3 * 4096, chunks: 3 });
    await s.deleteManifest('snap-2');
    expect(await s.gc()).to.equal(3 * 4096);
    expect(await s.stats()).to.deep.equal({ bytes: 0, chunks: 0 });
  });
  it('keeps a chunk that a staged writer skipped as already stored until that writer commits, even across a gc', async () => {
    const s = await open();
    const [a] = await putChunks(s, [page(51)]);
    await s.putManifest(testManifest('snap-old', [[0, a!]], 1));
    const w = s.writer();
    expect(w.put(a!, page(51)), 'deduplicated against the stored chunk').to.equal(0);
    await s.deleteManifest('snap-old');
    await s.gc();
    await w.commit();
    await s.putManifest(testManifest('snap-new', [[0, a!]], 2));
    await w.release();
    expect(sha(await s.get(a!)), 'the chunk of the new snapshot').to.equal(a);
    expect(await s.gc(), 'nothing to free: the new snapshot uses it').to.equal(0);
  });

  it('keeps the directory of where tasks run', async () => {
    const s = await open();
    expect(await s.getLocation('t1')).to.equal(undefined);
    const parked = { node: '', address: '', state: 'parked', snapshot: 'snap-1', updatedUnixMs: 1 } as const;
    const running = { node: 'field-b', address: '127.0.0.1:1234', state: 'running', snapshot: '', updatedUnixMs: 2 } as const;
    await s.setLocation('t1', parked);
    await s.setLocation('t2', running);
    expect(await s.getLocation('t1')).to.deep.equal(parked);
    await s.setLocation('t1', running);
    expect(await s.getLocation('t1')).to.deep.equal(running);
    const t = await again(s);
    expect(await t.getLocation('t2')).to.deep.equal(running);
    await t.setLocation('t2', undefined);
    expect(await t.getLocation('t2')).to.equal(undefined);
  });

  it('refuses a held task lock to another owner, naming the holder, until it is released', async () => {
    const s = await open();
    const lock = await s.lock('t1', 'mover-1', 60_000);
    const e = await failure(s.lock('t1', 'mover-2', 60_000));
    expect(e.code).to.equal(Code.ALREADY_EXISTS);
    expect(e.message).to.equal('task t1 is being moved by mover-1');
    const other = await s.lock('t2', 'mover-2', 60_000);
    await lock.release();
    const next = await s.lock('t1', 'mover-2', 60_000);
    await next.release();
    await other.release();
  });
}

/**
 * A separate process that takes a task's lock in an etcd store and holds it (its
 * lease kept alive) until it is killed: a coordinator that dies while moving a task.
 * Resolves once the lock is held.
 */
export async function holdEtcdLockInChild(endpoint: string, task: string, owner: string, ttlMs: number): Promise<ChildProcess> {
  const code = [
    `const { EtcdStore } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist', 'middleware', 'etcd-store.js')).href)});`,
    `const s = await EtcdStore.open(${JSON.stringify(endpoint)});`,
    `await s.lock(${JSON.stringify(task)}, ${JSON.stringify(owner)}, ${ttlMs});`,
    `process.stdout.write('locked\\n');`,
    `setInterval(() => {}, 1000);`,
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const unregister = onCleanup(() => child.kill('SIGKILL'));
  child.once('exit', unregister);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the lock holder did not take the lock within 15 s: ${stderr}`));
    }, 15_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`the lock holder exited (${c}): ${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return child;
}
