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
import { InvalidArgumentError, NotFoundError } from './errors.ts';
import type { ClusterConfig } from '../hypervisor/index.ts';

export interface Endpoints {
  nodes: Record<string, string>;
  middleware?: string;
}

const ADDRESS = /^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

export function isAddress(ref: string): boolean {
  return ADDRESS.test(ref);
}

export function registryFile(clusterFile: string): string {
  const key = createHash('sha256').update(path.resolve(clusterFile)).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `migvisor-${key}`, 'endpoints.json');
}

export function readEndpoints(clusterFile: string): Endpoints {
  try {
    const data = JSON.parse(fs.readFileSync(registryFile(clusterFile), 'utf8')) as Endpoints;
    return { nodes: data.nodes ?? {}, ...(data.middleware ? { middleware: data.middleware } : {}) };
  } catch {
    return { nodes: {} };
  }
}

/** Atomically replaces the registry (temporary file + rename). */
export function writeEndpoints(clusterFile: string, e: Endpoints): void {
  const file = registryFile(clusterFile);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(e, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

export function recordNode(clusterFile: string, name: string, address: string): void {
  const e = readEndpoints(clusterFile);
  e.nodes[name] = address;
  writeEndpoints(clusterFile, e);
}

export function recordMiddleware(clusterFile: string, address: string | undefined): void {
  const e = readEndpoints(clusterFile);
  if (address) e.middleware = address;
  else delete e.middleware;
  writeEndpoints(clusterFile, e);
}

/** The middleware's address: `host:port` as given, else the registry, else a fixed port in the cluster file. */
export function resolveMiddleware(ref: string | undefined, clusterFile: string, cluster: () => ClusterConfig): string {
  if (ref) {
    if (!isAddress(ref)) throw new InvalidArgumentError(`--middleware must be host:port, got ${JSON.stringify(ref)}`);
    return ref;
  }
  const known = readEndpoints(clusterFile).middleware;
  if (known) return known;
  const listen = cluster().middleware?.listen;
  if (listen && !listen.endsWith(':0')) return listen;
  throw new NotFoundError('running middleware', clusterFile, '(start it with `migvisor cluster up` or `migvisor middleware start`, or pass --middleware HOST:PORT)');
}

export function forgetNode(clusterFile: string, name: string, address: string): void {
  const e = readEndpoints(clusterFile);
  if (e.nodes[name] === address) {
    delete e.nodes[name];
    writeEndpoints(clusterFile, e);
  }
}

/**
 * Resolves a node reference: `host:port` as is; a name through the registry, then
 * through a fixed port in the cluster file.
 */
export function resolveNode(ref: string, clusterFile: string, cluster: () => ClusterConfig): string {
  if (isAddress(ref)) return ref;
  if (!/^[A-Za-z0-9_.-]+$/.test(ref)) throw new InvalidArgumentError(`node must be a name or host:port, got ${JSON.stringify(ref)}`);
  const known = readEndpoints(clusterFile).nodes[ref];
  if (known) return known;
  const def = cluster().nodes.find((n) => n.name === ref);
  if (!def) throw new NotFoundError('node', ref, `in ${clusterFile}`);
  if (!def.listen.endsWith(':0')) return def.listen;
  throw new NotFoundError('running node', ref, `(its port is chosen at start: run \`migvisor cluster up\` or name it by host:port)`);
}
