/**
 * Helpers for node-level specs: a small test cluster written into a temporary
 * folder (so file providers land there), nodes with seeded ids, event capture,
 * and the paths of the test programs under test/fixtures/programs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seededIds } from '../../src/common/ids.ts';
import { parseClusterText } from '../../src/config/load.ts';
import type { ClusterConfig } from '../../src/config/model.ts';
import type { NodeEvent } from '../../src/hypervisor/events.ts';
import { Node } from '../../src/hypervisor/node.ts';

/** Path of a test program in test/fixtures/programs. */
export function fixture(name: string): string {
  return resolve('test/fixtures/programs', name);
}

/** Path of an example program in config/programs. */
export function example(name: string): string {
  return resolve('config/programs', name);
}

export interface TestClusterOptions {
  /** Instruction budget of one tick on every node (default 200). */
  readonly instructionsPerTick?: number;
  /** Capacity of the `inbox` gate (default 4). */
  readonly gateCapacity?: number;
  /** Wall-clock length of a tick in microseconds (default 1000). */
  readonly tickUs?: number;
}

/**
 * The test cluster. Every node has the same schedule shape where both
 * partitions exist:
 *
 * - `field-a`: 32-bit little-endian, partitions ctrl + sensor, major frame 10:
 *   ctrl owns ticks 0..5, sensor 6..7, ticks 8..9 are idle.
 * - `field-c`: 64-bit big-endian, the same partitions and the same schedule.
 * - `solo`: 32-bit little-endian, only ctrl, which owns the whole frame of 4.
 *
 * `ctrl` is a MigPartition with 2 slots and the providers `files` (rw), `docs` (r)
 * and `inbox` (receive); `sensor` may send on `inbox`.
 */
export function testClusterYaml(o: TestClusterOptions = {}): string {
  const ipt = o.instructionsPerTick ?? 200;
  const tickUs = o.tickUs ?? 1000;
  const node = (name: string, word: number, endian: string): string => `
  - name: ${name}
    listen: 127.0.0.1:0
    cpu: { word: ${word}, endian: ${endian}, page_size: 4KiB, instructions_per_tick: ${ipt} }
    memory: 1MiB
    tick_us: ${tickUs}
    partitions: [ctrl, sensor]
    schedule:
      major_frame: 10
      windows:
        - { partition: ctrl,   start: 0, duration: 6 }
        - { partition: sensor, start: 6, duration: 2 }`;
  return `version: 1
providers:
  files: { kind: file, path: 'files/{node}' }
  docs: { kind: file, path: 'docs' }
  inbox: { kind: gate, capacity: ${o.gateCapacity ?? 4}, message_size: 16 }
partitions:
  ctrl:
    migratable: true
    slots: 2
    max_travelers: 4
    stack_per_traveler: 8KiB
    regions:
      - { name: code,  vaddr: 0x00010000, paddr: 0x00010000, size: 16KiB, rights: rx }
      - { name: data,  vaddr: 0x00100000, paddr: 0x00020000, size: 16KiB, rights: rw }
      - { name: stack, vaddr: 0x00800000, paddr: 0x00030000, size: 32KiB, rights: rw }
    providers: { files: rw, docs: r, inbox: r }
  sensor:
    regions:
      - { name: code,  vaddr: 0x00010000, paddr: 0x00040000, size: 16KiB, rights: rx }
      - { name: data,  vaddr: 0x00100000, paddr: 0x00050000, size: 16KiB, rights: rw }
      - { name: stack, vaddr: 0x00800000, paddr: 0x00060000, size: 16KiB, rights: rw }
    providers: { inbox: s }
nodes:${node('field-a', 32, 'little')}${node('field-c', 64, 'big')}
  - name: solo
    listen: 127.0.0.1:0
    cpu: { word: 32, endian: little, page_size: 4KiB, instructions_per_tick: ${ipt} }
    memory: 1MiB
    tick_us: ${tickUs}
    partitions: [ctrl]
    schedule:
      major_frame: 4
      windows:
        - { partition: ctrl, start: 0, duration: 4 }
`;
}

/** A cluster in its own temporary folder; call {@link cleanup} in `after()`. */
export class TestCluster {
  readonly dir: string;
  readonly config: ClusterConfig;
  private readonly nodes: Node[] = [];

  constructor(options: TestClusterOptions = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'migvisor-test-'));
    const file = join(this.dir, 'cluster.yaml');
    const text = testClusterYaml(options);
    writeFileSync(file, text);
    const { config, problems } = parseClusterText(text, file);
    if (!config) {
      this.cleanup();
      throw new Error(`test cluster is invalid:\n${problems.map((p) => p.message).join('\n')}`);
    }
    this.config = config;
  }

  /** A fresh node of the cluster with seeded ids (the same seed gives the same ids). */
  node(name: string, seed = 1): Node {
    const def = this.config.nodes.find((n) => n.name === name);
    if (!def) throw new Error(`no node ${name} in the test cluster`);
    const node = new Node(def, this.config, { ids: seededIds(seed) });
    this.nodes.push(node);
    return node;
  }

  /** The host folder of provider `files` on a node. */
  filesDir(node: string): string {
    return join(this.dir, 'files', node);
  }

  cleanup(): void {
    for (const n of this.nodes) n.shutdown();
    this.nodes.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export type ConsoleEvent = Extract<NodeEvent, { kind: 'console' }>;
export type FaultEvent = Extract<NodeEvent, { kind: 'fault' }>;

/** Records a node's events from now on. */
export class EventLog {
  readonly events: NodeEvent[] = [];

  constructor(node: Node) {
    node.events.subscribe((e) => this.events.push(e));
  }

  console(task?: string): ConsoleEvent[] {
    return this.events.filter((e): e is ConsoleEvent => e.kind === 'console' && (task === undefined || e.task === task));
  }

  /** Console text of a task (or all tasks), in order. */
  lines(task?: string): string[] {
    return this.console(task).map((e) => e.text);
  }

  /** Ticks at which a task printed, in order. */
  ticks(task?: string): number[] {
    return this.console(task).map((e) => e.tick);
  }

  faults(): FaultEvent[] {
    return this.events.filter((e): e is FaultEvent => e.kind === 'fault');
  }

  clear(): void {
    this.events.length = 0;
  }
}

/** Runs a node tick by tick and returns, per tick, the instructions each task executed. */
export function instructionsPerTick(node: Node, ticks: number, tasks: readonly string[]): number[][] {
  const count = (): number[] => tasks.map((id) => node.task(id).instructions);
  const out: number[][] = [];
  let before = count();
  for (let i = 0; i < ticks; i++) {
    node.step();
    const after = count();
    out.push(after.map((n, j) => n - before[j]!));
    before = after;
  }
  return out;
}
