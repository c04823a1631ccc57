/**
 * Benchmark harness: node processes of a generated cluster file, and tasks with
 * large, controlled memory contents loaded into them through a container file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { clientStream, migTaskClient, nodeClient, serverStream, unary } from '../src/common/clients.ts';
import { wire } from '../src/common/wire.ts';
import { openClient } from '../src/common/tls.ts';
import { assembleFor } from '../src/machine/index.ts';
import { loadCluster, type ClusterConfig } from '../src/config/index.ts';
import { Node } from '../src/hypervisor/index.ts';
import { containerChunks, snapshotOf, readContainerFile, wrapChunks, writeContainerFile } from '../src/migtask/index.ts';
import { COMPRESSION_WIRE, MIGRATION_MODE_WIRE, type MigrationMode } from '../src/common/index.ts';
import type { Compression } from '../src/config/index.ts';
import type { MigrationStats__Output } from '../src/generated/migvisor/v1/MigrationStats.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(here, '..', 'bin', 'migvisor.js');

export const IDLE_PROGRAM = `
        .text
start:  li    r0, 1000
        sys   sleep
        b     start
`;

/** A two-node cluster whose MigPartition `big` has a data region of `dataMiB`, in `slots` slots (each its own copy). */
export function benchCluster(dir: string, dataMiB: number, slots = 1): string {
  const memory = dataMiB * 2 * slots + 16;
  const node = (name: string): string => `
  - name: ${name}
    cpu: { word: 32, endian: little, page_size: 4KiB, instructions_per_tick: 2000 }
    memory: ${memory}MiB
    partitions: [big]
    schedule: { major_frame: 10, windows: [ { partition: big, start: 0, duration: 10 } ] }`;
  const yaml = `version: 1
partitions:
  big:
    migratable: true
    slots: ${slots}
    regions:
      - { name: code,  vaddr: 0x00010000, paddr: 0x00100000, size: 64KiB, rights: rx }
      - { name: data,  vaddr: 0x01000000, paddr: 0x00200000, size: ${dataMiB}MiB, rights: rw }
      - { name: stack, vaddr: 0x00800000, paddr: ${0x200000 + slots * dataMiB * 1024 * 1024 + 0x100000}, size: 64KiB, rights: rw }
nodes:${node('bench-a')}${node('bench-b')}
`;
  const file = path.join(dir, 'bench-cluster.yaml');
  fs.writeFileSync(file, yaml);
  return file;
}

export interface NodeProcess {
  readonly name: string;
  readonly address: string;
  readonly child: ChildProcess;
}

export function startNode(file: string, name: string): Promise<NodeProcess> {
  const child = spawn(process.execPath, [...(process.env.PROF_NODE ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROF_NODE] : []), BIN, 'node', 'start', file, '--node', name, '--listen', '127.0.0.1:0', '--no-boot'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), 30_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ name, address: (JSON.parse(line) as { address: string }).address, child });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

/** CPU time (user + system, every thread) of process `pid` so far, ms; undefined where /proc is not there. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** CPU time of several node processes together so far, ms (undefined without /proc). */
export function nodesCpuMs(nodes: readonly NodeProcess[]): number | undefined {
  let sum = 0;
  for (const n of nodes) {
    const ms = cpuMs(n.child.pid);
    if (ms === undefined) return undefined;
    sum += ms;
  }
  return sum;
}

export async function stopNode(n: NodeProcess): Promise<void> {
  if (n.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    n.child.once('exit', () => resolve());
    n.child.kill('SIGTERM');
  });
}

export type Fill = 'random' | 'text';

function fillBytes(size: number, fill: Fill): Buffer {
  if (fill === 'random') return randomBytes(size);
  // Compressible but not trivial: lines of a sensor log.
  const lines: string[] = [];
  let len = 0;
  for (let i = 0; len < size; i++) {
    const l = `t=${i * 10} sensor=${i % 17} value=${(i * 7919) % 1000} status=OK\n`;
    lines.push(l);
    len += l.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

/**
 * Writes a container of a task whose data region holds `dataBytes` of the given
 * fill, running `program` (default: a loop that only sleeps).
 */
export async function makeContainer(cluster: ClusterConfig, dir: string, dataBytes: number, fill: Fill, compression: Compression, program = IDLE_PROGRAM): Promise<string> {
  const node = new Node(cluster.nodes[0]!, cluster);
  const slot = node.startTask({ partition: 'big', assembled: { program: assembleFor(program, 'bench.s', cluster.partitions.get('big')!, cluster.nodes[0]!.cpu), name: 'bench.s' } });
  const data = slot.space.regionNamed('data')!;
  slot.space.loadImage(data.vbase, fillBytes(dataBytes, fill));
  const file = path.join(dir, `task-${fill}-${slot.id}.mvc`);
  const snap = snapshotOf(slot, { node: node.name, tick: 0, endian: 'little', migrationId: '', mode: 'save' });
  async function* chunks() {
    for await (const p of containerChunks(slot, snap, compression)) yield p.chunk;
  }
  await writeContainerFile(file, chunks());
  node.shutdown();
  return file;
}

export async function loadInto(address: string, file: string): Promise<string> {
  const c = nodeClient(address);
  try {
    const s = await clientStream(c.Load, c, wrapChunks(readContainerFile(file)), 'load', 120_000);
    return s.task!.taskId;
  } finally {
    c.close();
  }
}

export async function killTask(address: string, task: string): Promise<void> {
  const c = nodeClient(address);
  try {
    await unary(c.Kill, c, { taskId: task }, 'kill');
  } finally {
    c.close();
  }
}

export async function migrate(from: string, to: string, task: string, compression: Compression, mode: MigrationMode = 'full', streams?: number): Promise<MigrationStats__Output> {
  const c = migTaskClient(from);
  try {
    let stats: MigrationStats__Output | null = null;
    const request = { taskId: task, sink: to, mode: MIGRATION_MODE_WIRE.toWire(mode), compression: COMPRESSION_WIRE.toWire(compression), ...(streams ? { streams } : {}) };
    for await (const p of serverStream(c.StopAndTransfer(request), 'migrate')) if (p.stats) stats = p.stats;
    if (!stats) throw new Error('no statistics');
    return stats;
  } finally {
    c.close();
  }
}

/** The bare gRPC baseline: `bytes` in 256 KiB Chunks from one node process to the other. */
export async function bareStream(from: string, to: string, bytes: number): Promise<number> {
  const c = openClient(wire().Diagnostics, from);
  try {
    const r = await unary(c.StreamTo, c, { target: to, bytes, chunkBytes: 256 * 1024 + 64 }, 'stream', 120_000);
    return r.ms;
  } finally {
    c.close();
  }
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-bench-'));
}

export { loadCluster };
