/**
 * Where running nodes listen. Nodes bound to port 0 are only findable at run time:
 * `cluster up` and `node start` record their addresses in a registry file keyed by
 * the cluster file (under the OS temp folder), and commands resolve node names
 * through it, falling back to fixed ports written in the cluster file.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Code, InvalidArgumentError, MigvisorError, NotFoundError } from './errors.ts';
import { makeDirsSync } from './make-dirs.ts';

/** What the registry needs of a cluster's configuration: fixed listen addresses (a config's ClusterConfig is one). */
export interface ClusterListeners {
  readonly nodes: readonly { readonly name: string; readonly listen: string }[];
  readonly middleware?: { readonly listen: string } | undefined;
}

/** Running processes of one cluster file: node name → host:port, the middleware, and the testbed of `cluster up`. */
export interface Endpoints {
  nodes: Record<string, string>;
  middleware?: string;
  testbed?: string;
}

const ADDRESS = /^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

/** Whether `ref` is a `host:port` (or `[v6]:port`) rather than a node name. */
export function isAddress(ref: string): boolean {
  return ADDRESS.test(ref);
}

/**
 * Environment variable naming the folder registries live in (default: the OS
 * temp folder). `scenario run` gives its cluster a private one, so a scenario
 * and a `cluster up` of the same file never see each other's processes.
 */
export const REGISTRY_ENV = 'MIGVISOR_REGISTRY';

/** The registry folder of a cluster file: one small file per process, so concurrent starts never overwrite each other. */
export function registryDir(clusterFile: string): string {
  const key = createHash('sha256').update(path.resolve(clusterFile)).digest('hex').slice(0, 12);
  return path.join(process.env[REGISTRY_ENV] || os.tmpdir(), `migvisor-${key}`);
}

const MIDDLEWARE = '@middleware';
const TESTBED = '@testbed';

function entryFile(clusterFile: string, name: string): string {
  return path.join(registryDir(clusterFile), 'endpoints', encodeURIComponent(name));
}

function writeAtomic(file: string, text: string): void {
  makeDirsSync(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Every process the registry of `clusterFile` knows (unreadable entries are skipped). */
export function readEndpoints(clusterFile: string): Endpoints {
  const out: Endpoints = { nodes: {} };
  const dir = path.join(registryDir(clusterFile), 'endpoints');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((f) => !f.endsWith('.tmp'));
  } catch {
    return out;
  }
  for (const f of names) {
    let address: string;
    try {
      // The first line is the address; a middleware's entry names its process on the second.
      address = fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n')[0]!.trim();
    } catch {
      continue;
    }
    const name = decodeURIComponent(f);
    if (name === MIDDLEWARE) out.middleware = address;
    else if (name === TESTBED) out.testbed = address;
    else out.nodes[name] = address;
  }
  return out;
}

/** Replaces the registry with `e` (cluster up, once every process serves). */
export function writeEndpoints(clusterFile: string, e: Endpoints): void {
  fs.rmSync(path.join(registryDir(clusterFile), 'endpoints'), { recursive: true, force: true });
  for (const [name, address] of Object.entries(e.nodes)) writeAtomic(entryFile(clusterFile, name), address);
  if (e.middleware) writeAtomic(entryFile(clusterFile, MIDDLEWARE), e.middleware);
  if (e.testbed) writeAtomic(entryFile(clusterFile, TESTBED), e.testbed);
}

/** Records that node `name` of `clusterFile` serves at `address`. */
export function recordNode(clusterFile: string, name: string, address: string): void {
  writeAtomic(entryFile(clusterFile, name), address);
}

/** Records the middleware's address (undefined: forgets it). */
export function recordMiddleware(clusterFile: string, address: string | undefined): void {
  if (address) writeAtomic(entryFile(clusterFile, MIDDLEWARE), address);
  else fs.rmSync(entryFile(clusterFile, MIDDLEWARE), { force: true });
}

/** Whether a process id names a live process. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Records this middleware process as the cluster's, unless the entry names
 * another middleware that still runs (or was written by `cluster up`, which names
 * no process): one entry per middleware process, never taken over. Returns
 * whether this process holds the entry now.
 */
export function claimMiddleware(clusterFile: string, address: string, pid = process.pid): boolean {
  const file = entryFile(clusterFile, MIDDLEWARE);
  let current: string[] | undefined;
  try {
    current = fs.readFileSync(file, 'utf8').trim().split('\n');
  } catch {
    current = undefined;
  }
  if (current && current[0]) {
    const owner = Number(current[1]);
    if (!Number.isInteger(owner) || owner <= 0) return false;
    if (owner !== pid && alive(owner)) return false;
  }
  writeAtomic(file, `${address}\n${pid}`);
  return true;
}

/** Forgets the middleware entry, but only if it still names `address` (another process may hold it). */
export function forgetMiddleware(clusterFile: string, address: string): void {
  const file = entryFile(clusterFile, MIDDLEWARE);
  try {
    if (fs.readFileSync(file, 'utf8').trim().split('\n')[0]!.trim() === address) fs.rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

/** The middleware's address: `host:port` as given, else the registry, else a fixed port in the cluster file. */
export function resolveMiddleware(ref: string | undefined, clusterFile: string, cluster: () => ClusterListeners): string {
  if (ref) {
    if (!isAddress(ref)) throw new InvalidArgumentError(`--middleware must be host:port, got ${JSON.stringify(ref)}`);
    return ref;
  }
  const known = readEndpoints(clusterFile).middleware;
  if (known) return known;
  const listen = cluster().middleware?.listen;
  if (listen && !listen.endsWith(':0')) return listen;
  throw new MigvisorError(
    `no running middleware is known for ${clusterFile} (start it with \`migvisor cluster up\` or \`migvisor middleware start\`, or pass --middleware HOST:PORT)`,
    Code.NOT_FOUND,
  );
}

/** The testbed's address (`cluster up` serves it): `host:port` as given, else the registry. */
export function resolveTestbed(ref: string | undefined, clusterFile: string): string {
  if (ref) {
    if (!isAddress(ref)) throw new InvalidArgumentError(`--testbed must be host:port, got ${JSON.stringify(ref)}`);
    return ref;
  }
  const known = readEndpoints(clusterFile).testbed;
  if (known) return known;
  throw new MigvisorError(`no running testbed is known for ${clusterFile} (links and faults need \`migvisor cluster up\`; or pass --testbed HOST:PORT)`, Code.NOT_FOUND);
}

/** Forgets node `name`, but only if the registry still names `address` (a newer process may have taken its place). */
export function forgetNode(clusterFile: string, name: string, address: string): void {
  const file = entryFile(clusterFile, name);
  try {
    if (fs.readFileSync(file, 'utf8').trim() === address) fs.rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

/**
 * Resolves a node reference: `host:port` as is; a name through the registry, then
 * through a fixed port in the cluster file.
 */
export function resolveNode(ref: string, clusterFile: string, cluster: () => ClusterListeners): string {
  if (isAddress(ref)) return ref;
  if (!/^[A-Za-z0-9_.-]+$/.test(ref)) throw new InvalidArgumentError(`node must be a name or host:port, got ${JSON.stringify(ref)}`);
  const known = readEndpoints(clusterFile).nodes[ref];
  if (known) return known;
  const def = cluster().nodes.find((n) => n.name === ref);
  if (!def) throw new NotFoundError('node', ref, `in ${clusterFile}`);
  if (!def.listen.endsWith(':0')) return def.listen;
  throw new NotFoundError('running node', ref, `(its port is chosen at start: run \`migvisor cluster up\` or name it by host:port)`);
}
