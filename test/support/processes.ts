/**
 * Helpers for integration specs that run real migvisor processes on loopback:
 * node processes (`migvisor node start`), CLI commands with their stdout, stderr
 * and exit code, event streams (gRPC Watch) and polling with a deadline.
 *
 * Everything started here is registered, and {@link cleanup} (call it from an
 * `after`/`afterEach` hook) kills every process still alive and closes every gRPC
 * client, also when a test failed half-way. Every wait is bounded.
 *
 * Long because every integration spec starts its processes through it; the
 * sections (processes, CLI, events, polling) are independent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { deadline, migTaskClient, nodeClient, unary, type MigTaskClient, type NodeControlClient } from '../../src/common/clients.ts';
import { EVENT_KIND_WIRE, type EventKind } from '../../src/common/index.ts';
import { MIG_STATE_WIRE } from '../../src/migtask/index.ts';
import type { InfoResponse__Output } from '../../src/generated/migvisor/v1/InfoResponse.ts';
import type { WatchResponse__Output } from '../../src/generated/migvisor/v1/WatchResponse.ts';
import { flatEvent, taskView, type FlatEvent, type TaskView } from './wire-view.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'migvisor.js');

/** Path of a file under test/fixtures. */
export function fixture(rel: string): string {
  return path.join(ROOT, 'test', 'fixtures', rel);
}

/** Path of an example program in config/programs. */
export function example(name: string): string {
  return path.join(ROOT, 'config', 'programs', name);
}

// --- the registry ------------------------------------------------------------

const children = new Set<ChildProcess>();
const closers = new Set<() => void>();

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Resolves when the process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (!alive(child)) return Promise.resolve();
  return new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

/**
 * SIGTERM, then SIGKILL if the process is still alive after `graceMs`. Its stdin
 * is closed first: a node started with --exit-with-parent keeps reading stdin, and
 * only exits on SIGTERM once that is closed too.
 */
export async function stopProcess(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (!alive(child)) return;
  const done = exited(child);
  child.stdin?.end();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

/** Kills at once and waits until the process is gone. */
export async function killProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!alive(child)) return;
  const done = exited(child);
  child.kill(signal);
  await done;
}

/** Closes every client and stops every process started by these helpers. */
export async function cleanup(): Promise<void> {
  for (const close of closers) {
    try {
      close();
    } catch {
      // already closed
    }
  }
  closers.clear();
  await Promise.all([...children].map((c) => stopProcess(c, 2000)));
  children.clear();
}

/** Registers something to close in {@link cleanup}; returns the unregister function. */
export function onCleanup(close: () => void): () => void {
  closers.add(close);
  return () => closers.delete(close);
}

/** A fresh temporary folder, removed by {@link cleanup}. */
export function tempDir(prefix = 'migvisor-it-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// --- polling -----------------------------------------------------------------

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `probe` every `intervalMs` until it returns something other than
 * undefined/false; fails after `timeoutMs` with `what` and the last probe error.
 */
export async function poll<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e: unknown) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

// --- node processes ------------------------------------------------------------

export interface NodeProcess {
  readonly name: string;
  readonly address: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** What the node wrote on stderr (its log with --log, warnings, errors). */
  readonly stderr: string[];
}

export interface StartNodeOptions {
  /** Start the configuration's boot tasks (default true). */
  readonly boot?: boolean;
  readonly listen?: string;
  readonly timeoutMs?: number;
  /** More flags of `node start` (e.g. `--stream-idle-timeout 500ms`, `--routes FILE`). */
  readonly args?: readonly string[];
}

/**
 * Starts `migvisor node start FILE --node NAME --listen 127.0.0.1:0` and resolves
 * with its ready line. The node also exits when this process goes away (its stdin
 * closes), so a crashed test run leaves no orphan.
 */
export function startNode(file: string, name: string, options: StartNodeOptions = {}): Promise<NodeProcess> {
  const args = [BIN, 'node', 'start', file, '--node', name, '--listen', options.listen ?? '127.0.0.1:0', '--exit-with-parent'];
  if (options.boot === false) args.push('--no-boot');
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise<NodeProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${name} printed no ready line within ${timeoutMs} ms; stderr: ${stderr.join(' | ')}`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(new Error(`node ${name} exited before it was ready (${signal ?? `code ${code}`}): ${stderr.join(' | ')}`));
    };
    child.once('exit', onExit);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      try {
        const ready = JSON.parse(line) as { node: string; address: string; pid: number };
        resolve({ name, address: ready.address, pid: ready.pid, child, stderr });
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`node ${name} printed an unexpected first line: ${line}`));
      }
    });
  });
}

/** Starts several nodes of one cluster file in parallel. */
export async function startNodes(file: string, names: readonly string[], options: StartNodeOptions = {}): Promise<Record<string, NodeProcess>> {
  const started = await Promise.all(names.map((n) => startNode(file, n, options)));
  return Object.fromEntries(started.map((n) => [n.name, n]));
}

/** True while a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// --- the CLI -----------------------------------------------------------------

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** stdout lines so far. */
  readonly lines: string[];
  /** Resolves when the command ends (it is killed when `timeoutMs` passes). */
  readonly result: Promise<CliResult>;
  /** Waits for a stdout line matching `pred` (bounded). */
  waitForLine(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** stderr so far. */
  stderr(): string;
}

/** Options of a CLI run: its time limit, and environment variables to add (MIGVISOR_TLS_CERT...). */
export interface CliOptions {
  readonly timeoutMs?: number;
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts `migvisor ARGS...` without waiting for it (a migration in progress, a watch). */
export function spawnCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...(options.env ? { env: { ...process.env, ...options.env } } : {}) });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const f of listeners) f();
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const result = new Promise<CliResult>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  const waitForLine = (pred: (line: string) => boolean, ms = 10_000): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const hit = lines.find(pred);
        if (hit === undefined) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`migvisor ${args.join(' ')}: no matching line within ${ms} ms; stdout: ${lines.join(' | ')}; stderr: ${stderr}`));
      }, ms);
      listeners.add(check);
      check();
    });
  return { child, lines, result, waitForLine, stderr: () => stderr };
}

/** Runs `migvisor ARGS...` to the end (killed after `timeoutMs`). */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).result;
}

/** Runs a command that must succeed and returns its stdout. */
export async function cliOk(args: readonly string[], options: CliOptions = {}): Promise<string> {
  const r = await runCli(args, options);
  if (r.code !== 0) throw new Error(`migvisor ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs a `--json` command that must succeed and parses its output. */
export async function cliJson<T>(args: readonly string[], options: CliOptions = {}): Promise<T> {
  return JSON.parse(await cliOk([...args, '--json'], options)) as T;
}

// --- gRPC --------------------------------------------------------------------

/** A NodeControl client closed by {@link cleanup}. */
export function control(address: string): NodeControlClient {
  const c = nodeClient(address);
  onCleanup(() => c.close());
  return c;
}

/** A MigTask client closed by {@link cleanup}. */
export function migTask(address: string): MigTaskClient {
  const c = migTaskClient(address);
  onCleanup(() => c.close());
  return c;
}

/** grpc.health.v1.Health/Check of a service ('' for the whole server): "SERVING", "NOT_SERVING"... */
export function healthStatus(address: string, service = '', ms = 5000): Promise<string> {
  const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
  const client = new Health(address, grpc.credentials.createInsecure());
  const unregister = onCleanup(() => client.close());
  return new Promise<string>((resolve, reject) => {
    (client as unknown as { Check: (req: unknown, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: { status: string | number }) => void) => void }).Check(
      { service },
      { deadline: deadline(ms) },
      (err, res) => {
        unregister();
        client.close();
        if (err) reject(err);
        else resolve(String(res!.status));
      },
    );
  });
}

/** ps over gRPC (task summaries with domain names: see wire-view.ts). */
export async function ps(address: string, hashes = false): Promise<TaskView[]> {
  const c = control(address);
  const reply = await unary(c.Ps, c, { hashes }, `ps on ${address}`);
  return reply.tasks.map(taskView);
}

/** Info over gRPC. */
export async function info(address: string, request: { task?: string; partition?: string }): Promise<InfoResponse__Output> {
  const c = migTask(address);
  return unary(c.Info, c, request.task ? { taskId: request.task } : request.partition ? { partition: request.partition } : {}, `info on ${address}`);
}

/**
 * The MigThread state of a task's slot as Info reports it, by its domain name
 * (`MigSource`, `Transferring`...); '' when Info describes no slot for it (the task left).
 */
export async function stateOf(address: string, task: string): Promise<string> {
  return MIG_STATE_WIRE.fromWire((await info(address, { task })).slot?.state) ?? '';
}

/** Initialize over gRPC (what `task start` does); returns the task id. */
export async function startTask(address: string, partition: string, program: string, travelers = 1): Promise<string> {
  const c = migTask(address);
  const summary = await unary(
    c.Initialize,
    c,
    { partition, programName: path.basename(program), programSource: fs.readFileSync(program, 'utf8'), travelers, priority: 10 },
    `task start on ${address}`,
  );
  return summary.task!.taskId;
}

/** The slots of a partition and their states, as `ps` shows them, e.g. ["ctrl/0 MigSink", ...]. */
export async function slotStates(address: string, partition: string): Promise<string[]> {
  return (await ps(address)).filter((t) => t.partition === partition).map((t) => `${t.slot} ${t.state}${t.taskId ? ` ${t.taskId}` : ''}`);
}

/**
 * The events of one node as they happen (a gRPC Watch stream), kept in order.
 * A node that dies ends the stream; that is recorded, not thrown.
 */
export class EventLog {
  readonly events: FlatEvent[] = [];
  ended: string | undefined;
  private readonly client: NodeControlClient;
  private readonly listeners = new Set<() => void>();
  private readonly unregister: () => void;
  private readonly call: ReturnType<NodeControlClient['Watch']>;

  /** `afterSeq`: replay the node's buffered events numbered above it first (0: all it holds), as `watch --after-seq` does. */
  constructor(
    readonly address: string,
    filter: { kinds?: string[]; task?: string; afterSeq?: number } = {},
  ) {
    this.client = nodeClient(address);
    this.call = this.client.Watch({
      kinds: (filter.kinds ?? []).map((k) => EVENT_KIND_WIRE.toWire(k as EventKind)),
      taskId: filter.task ?? '',
      ...(filter.afterSeq !== undefined ? { afterSeq: filter.afterSeq } : {}),
    });
    this.call.on('data', (m: WatchResponse__Output) => {
      if (!m.event) return;
      this.events.push(flatEvent(m.event));
      for (const f of this.listeners) f();
    });
    const end = (why: string): void => {
      this.ended ??= why;
      for (const f of this.listeners) f();
    };
    this.call.on('error', (e: Error) => end(e.message));
    this.call.on('end', () => end('end'));
    this.unregister = onCleanup(() => this.close());
  }

  /** Opens a log and waits until the stream is live (its first event arrived). */
  static async open(address: string, filter: { kinds?: string[]; task?: string } = {}, timeoutMs = 10_000): Promise<EventLog> {
    const log = new EventLog(address, filter);
    await log.waitFor(() => true, timeoutMs, `a first event from ${address}`);
    return log;
  }

  /** Waits for an event matching `pred` (among those seen so far too). */
  waitFor(pred: (e: FlatEvent) => boolean, timeoutMs: number, what: string): Promise<FlatEvent> {
    return new Promise<FlatEvent>((resolve, reject) => {
      const check = (): void => {
        const hit = this.events.find(pred);
        if (hit) {
          this.listeners.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`no event ${what} on ${this.address} within ${timeoutMs} ms (${this.events.length} events${this.ended ? `, stream ended: ${this.ended}` : ''})`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** Console lines of a task (text without the newline), in order. */
  console(task: string): string[] {
    return this.events.filter((e) => e.kind === 'console' && e.task === task).map((e) => e.text.replace(/\n$/, ''));
  }

  /** The numbers of a task's console lines `PREFIX N`. */
  numbers(task: string, prefix: string): number[] {
    const out: number[] = [];
    for (const line of this.console(task)) {
      if (line.startsWith(prefix)) out.push(Number(line.slice(prefix.length)));
    }
    return out;
  }

  /** Waits until the task printed `PREFIX N` with N >= `atLeast`; returns N. */
  async waitForNumber(task: string, prefix: string, atLeast: number, timeoutMs: number): Promise<number> {
    const e = await this.waitFor(
      (x) => x.kind === 'console' && x.task === task && x.text.startsWith(prefix) && Number(x.text.slice(prefix.length)) >= atLeast,
      timeoutMs,
      `"${prefix}N" with N >= ${atLeast} from ${task}`,
    );
    return Number(e.text.slice(prefix.length));
  }

  close(): void {
    this.unregister();
    this.call.cancel();
    this.client.close();
  }
}

/**
 * Checks that a task's numbered console lines are consecutive: each N+1 after N,
 * nothing missing, nothing repeated. Returns a description of the first fault.
 */
export function consecutive(values: readonly number[]): string | undefined {
  for (let i = 1; i < values.length; i++) {
    if (values[i] !== values[i - 1]! + 1) return `${values[i - 1]} is followed by ${values[i]} (at ${i} of ${values.length}: ${values.slice(Math.max(0, i - 3), i + 3).join(', ')})`;
  }
  return undefined;
}

/** The error a promise rejects with (fails if it resolves, or does not settle within `timeoutMs`). */
export async function rejection(p: Promise<unknown>, timeoutMs = 15_000): Promise<Error & { code?: number }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the call neither failed nor succeeded within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([p, timeout]);
  } catch (e: unknown) {
    if (e instanceof Error && e.message.startsWith('the call neither failed')) throw e;
    return e as Error & { code?: number };
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** A CLI failure as the contract wants it: exit 1, one line `migvisor: ...` on stderr. */
export function oneLineError(r: CliResult, code = 1): string {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  if (r.code !== code || lines.length !== 1 || !lines[0]!.startsWith('migvisor: ')) {
    throw new Error(`expected exit ${code} and one line "migvisor: ..." on stderr, got exit ${r.code ?? r.signal} and stderr ${JSON.stringify(r.stderr)}`);
  }
  return lines[0]!;
}
