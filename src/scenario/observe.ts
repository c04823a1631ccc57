/**
 * What a scenario run sees of its nodes: one Watch per node process (console
 * lines, migration steps, exits, faults), resumed after a broken stream from the
 * last event it got, and opened anew when the process is restarted. Every event
 * is kept with the node it came from, its number there, and when it arrived.
 */
import { performance } from 'node:perf_hooks';
import { Code, MigvisorError, openClient, serverStream, wire, type NodeControlClient } from '../common/index.ts';
import type { WatchResponse__Output } from '../generated/migvisor/v1/WatchResponse.ts';
import { OWN_CHANNEL } from './cluster-access.ts';

/** A console line of a task. */
export interface ConsoleRecord {
  readonly task: string;
  readonly node: string;
  readonly text: string;
  /** Its number on the node's process (restarts start again at 1). */
  readonly seq: number;
  /** The process generation of the node (0, then 1 after a restart, ...). */
  readonly generation: number;
  /** When it arrived, ms since the run's start. */
  readonly atMs: number;
}

/** A migration step, exit or fault of a task, as a node reported it. */
export interface TaskEventRecord {
  readonly task: string;
  readonly node: string;
  /** `migration`, `exit` or `fault`. */
  readonly kind: 'migration' | 'exit' | 'fault';
  /** For migration events: the step in lower case (stopped, activated, residual-lost, ...). */
  readonly step: string;
  readonly detail: string;
  readonly atMs: number;
}

interface Watcher {
  readonly node: string;
  readonly generation: number;
  client: NodeControlClient;
  lastSeq: number;
  stopped: boolean;
}

type Waiter = () => void;

/** Every node's events during one run (see the file header). */
export class Observer {
  readonly lines: ConsoleRecord[] = [];
  readonly events: TaskEventRecord[] = [];
  /** Events a resumed stream could not replay (a watcher came back too late), per node. */
  readonly gaps: { node: string; first: number; last: number }[] = [];
  private readonly watchers = new Map<string, Watcher>();
  private readonly generations = new Map<string, number>();
  private waiters: Waiter[] = [];
  private listeners: ((e: TaskEventRecord) => void)[] = [];

  constructor(private t0: number) {}

  /** Moves the run's start to `t0` (performance.now()); lines that came before it get negative times. */
  rebase(t0: number): void {
    this.t0 = t0;
  }

  /** ms since the run's start. */
  now(): number {
    return performance.now() - this.t0;
  }

  /** Starts watching node `node` at `address` (a new process: its numbering starts again). */
  watch(node: string, address: string): void {
    this.unwatch(node);
    const generation = (this.generations.get(node) ?? -1) + 1;
    this.generations.set(node, generation);
    // Its own channel: a node just rebooted would otherwise leave it in the shared channel's reconnect backoff, and its lines (replayed late) would come after those of the node the task moved to.
    const w: Watcher = { node, generation, client: openClient(wire().NodeControl, address, OWN_CHANNEL), lastSeq: 0, stopped: false };
    this.watchers.set(node, w);
    void this.pump(w);
  }

  /** Stops watching node `node` (its process was killed). */
  unwatch(node: string): void {
    const w = this.watchers.get(node);
    if (!w) return;
    w.stopped = true;
    w.client.close();
    this.watchers.delete(node);
  }

  /** Console lines of task `task`, in arrival order. */
  linesOf(task: string): ConsoleRecord[] {
    return this.lines.filter((l) => l.task === task);
  }

  /** Resolves once `ok` holds (checked at every event), or rejects after `ms` or when `signal` aborts. */
  async until(ok: () => boolean, ms: number, what: string, signal?: AbortSignal): Promise<void> {
    if (ok()) return;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      const check: Waiter = () => {
        if (ok()) {
          done();
          resolve();
        }
      };
      const onAbort = (): void => {
        done();
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        done();
        reject(new MigvisorError(`timed out after ${ms} ms waiting for ${what}`, Code.DEADLINE_EXCEEDED));
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(check);
    });
  }

  /** Calls `fn` with every task event from now on; returns the way to stop. */
  subscribe(fn: (e: TaskEventRecord) => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  /** Closes every stream. */
  close(): void {
    for (const node of [...this.watchers.keys()]) this.unwatch(node);
    this.waiters = [];
  }

  private async pump(w: Watcher): Promise<void> {
    // A broken stream is resumed from the last event (bounded: the process may be gone for good).
    for (let attempt = 0; !w.stopped && attempt < 50; attempt++) {
      const call = w.client.Watch({
        kinds: ['EVENT_KIND_CONSOLE', 'EVENT_KIND_MIGRATION', 'EVENT_KIND_EXIT', 'EVENT_KIND_FAULT'],
        // From the start of the node's replay buffer: a line printed before the stream was set up is not lost.
        afterSeq: w.lastSeq,
      });
      try {
        for await (const m of serverStream(call, `Watch on ${w.node}`)) {
          if (w.stopped) break;
          attempt = 0;
          this.record(w, m);
        }
      } catch (e: unknown) {
        if (w.stopped) return;
        // OUT_OF_RANGE: the process behind the address is a new one; its watcher is opened by watch().
        if (e instanceof MigvisorError && e.code === Code.OUT_OF_RANGE) return;
      }
      if (!w.stopped) await new Promise((r) => setTimeout(r, 100));
    }
  }

  private record(w: Watcher, m: WatchResponse__Output): void {
    const e = m.event;
    if (!e) return;
    const before = this.events.length;
    w.lastSeq = Math.max(w.lastSeq, Number(e.seq));
    const atMs = this.now();
    if (e.payload === 'console' && e.console) {
      this.lines.push({ task: e.taskId, node: w.node, text: e.console.text, seq: Number(e.seq), generation: w.generation, atMs });
    } else if (e.payload === 'migration' && e.migration) {
      this.events.push({ task: e.taskId, node: w.node, kind: 'migration', step: String(e.migration.step).replace('MIGRATION_STEP_', '').toLowerCase().replace(/_/g, '-'), detail: e.migration.detail, atMs });
    } else if (e.payload === 'exit' && e.exit) {
      this.events.push({ task: e.taskId, node: w.node, kind: 'exit', step: 'exit', detail: `traveler ${e.exit.traveler} exited with ${e.exit.code}`, atMs });
    } else if (e.payload === 'fault' && e.fault) {
      this.events.push({ task: e.taskId, node: w.node, kind: 'fault', step: 'fault', detail: e.fault.fault?.message ?? 'fault', atMs });
    } else if (e.payload === 'gap' && e.gap) {
      this.gaps.push({ node: w.node, first: Number(e.gap.firstSeq), last: Number(e.gap.lastSeq) });
    }
    for (const added of this.events.slice(before)) for (const l of [...this.listeners]) l(added);
    for (const waiter of [...this.waiters]) waiter();
  }
}
