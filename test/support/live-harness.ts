/**
 * Helpers of the live-migration specs (issue 4), on top of ./processes.ts: the
 * live cluster's node processes (registered under their names, so the CLI can be
 * told `--to live-b` and the statistics and forwarding records name the node),
 * migrations through the CLI (the user's path, with its JSON statistics) or
 * straight through StopAndTransfer (no process start-up, so a migration lands at
 * the point of a run the test picks), event logs that are live before anything
 * happens, and readers of per-traveler console output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { serverStream, unary } from '../../src/common/clients.ts';
import { recordNode } from '../../src/common/endpoints.ts';
import { COMPRESSION_WIRE, MIGRATION_MODE_WIRE, type Compression } from '../../src/common/index.ts';
import type { MigrationStats__Output } from '../../src/generated/migvisor/v1/MigrationStats.ts';
import { cliOk, control, EventLog, fixture, migTask, poll, ps, ROOT, startNodes, type NodeProcess } from './processes.ts';
import type { FlatEvent, TaskView } from './wire-view.ts';

/** The cluster file of the live-migration specs. */
export const LIVE = fixture('live-cluster.yaml');

export type Mode = 'full' | 'lazy' | 'precopy';
export const MODES: readonly Mode[] = ['full', 'lazy', 'precopy'];

/**
 * The statistics of `migrate --json` (README, "Migration statistics"): the
 * `stats` of the last StopAndTransferResponse in the proto3 JSON mapping (enums
 * by their names, 64-bit integers as strings, doubles as numbers).
 */
export interface Stats {
  migrationId: string;
  taskId: string;
  mode: string;
  status: string;
  source: string;
  sink: string;
  totalMs: number;
  downtimeMs: number;
  setupMs: number;
  bytes: string;
  pagesSent: string;
  pagesElided: string;
  compression: string;
  compressionRatio: number;
  rounds: number;
  pagesPerRound: string[];
  finalDirtyPages: string;
  lazyFaultsServed: string;
  resumeMs: number;
  residualMs: number;
  gateMessages: string;
  closedHandles: string;
  error: string;
}

/**
 * Starts nodes of the live cluster (without boot tasks) and records them under
 * their names in the cluster's registry one after the other: nodes started in
 * parallel each rewrite the registry, and the last writer could hide the others.
 */
export async function startLiveNodes(names: readonly string[]): Promise<Record<string, NodeProcess>> {
  const nodes = await startNodes(LIVE, names, { boot: false });
  for (const n of Object.values(nodes)) recordNode(LIVE, n.name, n.address);
  return nodes;
}

/** `migvisor migrate TASK --from A --to B --mode M --json` on the live cluster (names or addresses). */
export async function migrateCli(task: string, from: string, to: string, mode: Mode, extra: readonly string[] = []): Promise<Stats> {
  const out = await cliOk(['migrate', task, '--from', from, '--to', to, '--mode', mode, '--cluster', LIVE, '--json', ...extra], { timeoutMs: 45_000 });
  const last = JSON.parse(out) as { stats: Stats | null };
  if (!last.stats) throw new Error(`migrate ${task} --json printed no statistics: ${out}`);
  return last.stats;
}

export interface RpcMigration {
  readonly mode: Mode;
  /** The sink's name in events, statistics and forwarding records (default: its address). */
  readonly sinkName?: string;
  /** Default: auto. */
  readonly compression?: Compression;
  readonly precopyStopPages?: number;
  readonly precopyMaxRounds?: number;
  readonly deadlineMs?: number;
  /** Post-copy: how long a lost peer may stay away (default: the node's). */
  readonly postcopyRecoverMs?: number;
}

/**
 * StopAndTransfer on the source node, as `migrate` sends it, from the test process:
 * resolves with the statistics, rejects with the source's error.
 */
export async function migrateRpc(source: string, task: string, sink: string, o: RpcMigration): Promise<MigrationStats__Output> {
  const c = migTask(source);
  const call = c.StopAndTransfer({
    taskId: task,
    sink,
    sinkName: o.sinkName ?? sink,
    mode: MIGRATION_MODE_WIRE.toWire(o.mode),
    compression: o.compression ? COMPRESSION_WIRE.toWire(o.compression) : 'COMPRESSION_UNSPECIFIED',
    deadlineMs: o.deadlineMs ?? 30_000,
    // Present means asked for (0 included); absent, the node's defaults apply.
    ...(o.precopyStopPages !== undefined ? { precopyStopPages: o.precopyStopPages } : {}),
    ...(o.precopyMaxRounds !== undefined ? { precopyMaxRounds: o.precopyMaxRounds } : {}),
    ...(o.postcopyRecoverMs !== undefined ? { postcopyRecoverMs: o.postcopyRecoverMs } : {}),
  });
  let stats: MigrationStats__Output | null = null;
  for await (const p of serverStream(call, `migrate ${task}`)) if (p.stats) stats = p.stats;
  if (!stats) throw new Error(`migrate ${task}: the source ended without statistics`);
  return stats;
}

/** Initialize over gRPC from source text (a program file, optionally with `.equ` lines replaced). */
export async function startProgram(
  address: string,
  partition: string,
  file: string,
  options: { travelers?: number; set?: Record<string, number | string> } = {},
): Promise<string> {
  let source = fs.readFileSync(file, 'utf8');
  for (const [name, value] of Object.entries(options.set ?? {})) {
    const line = new RegExp(`^${name} = .*$`, 'm');
    if (!line.test(source)) throw new Error(`${file} has no line "${name} = ..."`);
    source = source.replace(line, `${name} = ${value}`);
  }
  const c = migTask(address);
  const summary = await unary(
    c.Initialize,
    c,
    { partition, programName: path.basename(file), programSource: source, travelers: options.travelers ?? 1, priority: 10 },
    `task start on ${address}`,
  );
  return summary.task!.taskId;
}

const PING = '        .text\nstart:  li r0, 0\n        sys exit\n';

/**
 * An event log of every task of a node, live before the test goes on: Watch
 * streams send nothing until an event happens, so a short program is started (and
 * killed) in `partition` and its first transition proves the stream is open.
 */
export async function openLog(address: string, partition = 'ctrl'): Promise<EventLog> {
  const log = new EventLog(address);
  const c = migTask(address);
  const n = control(address);
  const ping = await poll(
    `a ping task on ${address} showing in its event stream`,
    async () => {
      const s = (await unary(c.Initialize, c, { partition, programName: 'ping.s', programSource: PING, travelers: 1, priority: 1 }, 'ping')).task!;
      try {
        await log.waitFor((e) => e.task === s.taskId, 2000, 'the ping task');
        return s.taskId;
      } catch {
        await unary(n.Kill, n, { taskId: s.taskId }, 'kill ping');
        return undefined;
      }
    },
    10_000,
    10,
  );
  await unary(n.Kill, n, { taskId: ping }, 'kill ping');
  return log;
}

export async function pause(address: string, task: string): Promise<void> {
  const c = control(address);
  await unary(c.Pause, c, { taskId: task }, `pause ${task}`);
}

export async function resume(address: string, task: string): Promise<void> {
  const c = control(address);
  await unary(c.Resume, c, { taskId: task }, `resume ${task}`);
}

export async function kill(address: string, task: string): Promise<void> {
  const c = control(address);
  await unary(c.Kill, c, { taskId: task }, `kill ${task}`);
}

/** GateSend over gRPC (what `gate send` does); returns the node the message was queued on. */
export async function gateSend(address: string, gate: string, message: Uint8Array): Promise<string> {
  const c = control(address);
  return (await unary(c.GateSend, c, { gate, message }, `gate send ${gate}`)).deliveredTo;
}

/** A 32-bit little-endian word, the way inbox.s reads a reading. */
export function word32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** A task as `ps` shows it on a node, or undefined. */
export async function taskOn(address: string, task: string, hashes = false): Promise<TaskView | undefined> {
  return (await ps(address, hashes)).find((t) => t.taskId === task);
}

/** Console events of a task. */
export function consoleOf(log: EventLog, task: string): FlatEvent[] {
  return log.events.filter((e) => e.kind === 'console' && e.task === task);
}

/** Console lines of one traveler of a task, in order. */
export function travelerLines(log: EventLog, task: string, traveler: number): string[] {
  return consoleOf(log, task)
    .filter((e) => e.traveler === traveler)
    .map((e) => e.text.replace(/\n$/, ''));
}

/** Migration events of a task with a phase (e.g. residual-dropped). */
export function migrationEvents(log: EventLog, task: string, phase: string): FlatEvent[] {
  return log.events.filter((e) => e.kind === 'migration' && e.task === task && e.phase === phase);
}

/** Index in the log of the first event matching `pred` (-1 when none). */
export function indexOf(log: EventLog, pred: (e: FlatEvent) => boolean): number {
  return log.events.findIndex(pred);
}

/** How many times a task left the node of `log` (its `released` migration events). */
export function departures(log: EventLog, task: string): number {
  return migrationEvents(log, task, 'released').length;
}

/**
 * A task's console across the nodes it ran on, stretch by stretch: `take(log)`
 * appends what the task printed on that node since the last take from it. A node's
 * events come in order, so once its `released` event for the task is in the log
 * (see {@link ConsoleHistory.takeAfterMove}), the stretch there is complete.
 */
export class ConsoleHistory {
  /** Console events, in the order the task printed them. */
  readonly events: FlatEvent[] = [];
  /** The stretches, node by node. */
  readonly stretches: { node: string; events: FlatEvent[]; lines: string[] }[] = [];
  private readonly taken = new Map<EventLog, number>();

  constructor(readonly task: string) {}

  /** Console lines (without the newline), in the order the task printed them. */
  get lines(): string[] {
    return this.events.map(text);
  }

  /** The lines one traveler printed, in order. */
  traveler(id: number): string[] {
    return this.events.filter((e) => e.traveler === id).map(text);
  }

  /** Appends what the task printed on `log` since the last take; returns that stretch's lines. */
  take(log: EventLog, node = log.address): string[] {
    const all = consoleOf(log, this.task);
    const stretch = all.slice(this.taken.get(log) ?? 0);
    this.taken.set(log, all.length);
    this.events.push(...stretch);
    const lines = stretch.map(text);
    this.stretches.push({ node, events: stretch, lines });
    return lines;
  }

  /** Lines printed on `log` not taken yet (by one traveler, if given). */
  pending(log: EventLog, traveler?: number): string[] {
    return consoleOf(log, this.task)
      .slice(this.taken.get(log) ?? 0)
      .filter((e) => traveler === undefined || e.traveler === traveler)
      .map(text);
  }

  /** Takes the stretch of a node the task left, once its `released` event (number `departedBefore + 1`) arrived. */
  async takeAfterMove(log: EventLog, departedBefore: number, node = log.address): Promise<string[]> {
    await poll(`the release of ${this.task} on ${log.address}`, () => departures(log, this.task) > departedBefore, 5000, 5);
    return this.take(log, node);
  }
}

const text = (e: FlatEvent): string => e.text.replace(/\n$/, '');

/** Waits until every traveler of a task has exited on a node; returns its ps summary with the memory hash. */
export async function waitExited(address: string, task: string, timeoutMs = 20_000): Promise<TaskView> {
  return poll(
    `every traveler of ${task} to exit on ${address}`,
    async () => {
      const t = await taskOn(address, task, true);
      return t && t.run !== 'running' && t.run !== 'paused' ? t : undefined;
    },
    timeoutMs,
    25,
  );
}

/** Expects a migration's statistics to describe a completed move of `task`. */
export function expectCompleted(s: { status: string; error?: string }, what: string): void {
  expect(s.status, `${what}: status${s.error ? ` (${s.error})` : ''}`).to.equal('MIGRATION_STATUS_COMPLETED');
  expect(s.error ?? '', `${what}: error`).to.equal('');
}

/** A provider folder of a live node (`logs` provider), created empty. */
export function freshLogsDir(node: string): string {
  const dir = path.join(ROOT, 'var', 'test-files', 'live', node, 'logs');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fixture program of the live specs. */
export function liveProgram(name: string): string {
  return fixture(path.join('programs', name));
}
