/**
 * One migration as its source tracks it: the options it was asked with, the
 * statistics it reports (in the spirit of QEMU's query-migrate), the messages it
 * took off the task's gates at the stop, and the events and progress it publishes.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Code, IllegalStateError, MigvisorError, type Compression, type CompressionChoice, type MigrationMode } from '../common/index.ts';
import type { RawChunk } from './container-codec.ts';
import { snapshotOf, type Snapshot, type ZeroTest } from './container-snapshot.ts';
import type { MigTask } from './mig-task.ts';
import type { GateMessages, MigrationHost } from './migration-host.ts';
import type { Prediction } from './prediction-model.ts';
import type { PreparedCommit, SinkPort } from './sink-port.ts';
import { publishStatus } from './migration-status.ts';
import { RunControl, type ControlOptions } from './run-control.ts';
import type { PageStreams } from './source-streams.ts';
import type { CancelReason, MigrationPhase, MigrationStatus, MigrationStep, PrecopyStop } from './vocabulary.ts';

/** What a StopAndTransfer asks for (with its limits: bandwidth, downtime, auto-converge). */
export interface MigrateOptions extends ControlOptions {
  readonly task: string;
  readonly mode: MigrationMode;
  readonly compression: CompressionChoice;
  /** Budget of the whole migration (ms). */
  readonly deadlineMs: number;
  /** Sink's name for events and statistics (defaults to its address). */
  readonly sinkName?: string;
  /** Pre-copy: stop when at most this many pages are dirty. @default 64 */
  readonly precopyStopPages?: number;
  /** Pre-copy: stop after this many rounds whatever the dirty set. @default 12 */
  readonly precopyMaxRounds?: number;
  /** How long it waited for its turn before it started, ms (the node's outbound limit). */
  readonly queuedMs?: number;
  /** Concurrent page streams (README, "Parallel streams"). @default 2 */
  readonly streams?: number;
  /** Post-copy: how long either side waits for a lost peer before the missing pages count as lost (ms). @default 30000 */
  readonly postcopyRecoverMs?: number;
}

/** Progress of a migration, as StopAndTransfer streams it. */
export interface MigrationProgress {
  readonly phase: MigrationPhase;
  readonly bytesSent: number;
  readonly pagesSent: number;
  readonly pagesTotal: number;
}

/** Statistics in the spirit of QEMU's query-migrate (times in ms, sizes in bytes). */
export interface MigrationStats {
  migrationId: string;
  task: string;
  mode: MigrationMode;
  status: MigrationStatus;
  source: string;
  sink: string;
  totalMs: number;
  /** Travelers stopped: from the stop until the sink runs the task. */
  downtimeMs: number;
  setupMs: number;
  bytes: number;
  pagesSent: number;
  pagesElided: number;
  compressionRatio: number;
  compression: Compression;
  rounds: number;
  pagesPerRound: number[];
  finalDirtyPages: number;
  lazyFaultsServed: number;
  resumeMs: number;
  residualMs: number;
  gateMessages: number;
  closedHandles: number;
  error: string;
  /** What it was predicted to cost before it started (StopAndTransfer with `predict`). */
  predicted?: Prediction;
  /** Pre-copy: the rule that ended the live rounds. */
  precopyStop?: PrecopyStop;
  /** Pre-copy: the throttle during each live round, percent. */
  throttlePerRound: number[];
  /** Pre-copy: the transfer rate when the live rounds ended, bytes/s. */
  transferBytesPerS: number;
  /** Pre-copy: the downtime expected when the live rounds ended, ms. */
  expectedDowntimeMs: number;
  /** The downtime limit, ms. */
  downtimeLimitMs: number;
  /** The bandwidth cap it ended with, bytes/s (0: none). */
  maxBandwidth: number;
  /** How long it waited for its turn under the concurrency limits, ms. */
  queuedMs: number;
  /** Page streams used (1: Receive's own only). */
  streams: number;
  /** Payload bytes sent on each stream, stream 0 first. */
  streamBytes: number[];
  /** Post-copy: times it paused (postcopy-paused) and recovered. */
  postcopyPauses: number;
}

/** Defaults of {@link MigrateOptions}. */
export const DEFAULT_DEADLINE_MS = 60_000;
/** Pre-copy stops when at most this many pages are dirty. */
export const DEFAULT_PRECOPY_STOP_PAGES = 64;
/** Pre-copy stops after this many live rounds. */
export const DEFAULT_PRECOPY_MAX_ROUNDS = 12;

/** While the task is stopped, progress of the transfer goes out at most this often (ms). */
export const TRANSFER_PROGRESS_MS = 50;

/** Rounded to three decimals, as statistics report times (ms) and ratios. */
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Thrown when a migration is refused during negotiation: nothing was stopped. */
export class MigrationRefused extends MigvisorError {
  constructor(reason: string) {
    super(`migration refused: ${reason}`, Code.FAILED_PRECONDITION);
  }
}

/** Everything one migration tracks while it runs. */
export class MigrationRun {
  readonly t0 = performance.now();
  tStop = 0;
  stats: MigrationStats;
  /** Gates whose messages follow the task. */
  gates: string[] = [];
  /** The messages taken off them at the stop. */
  carried: GateMessages[] = [];
  /** Page bytes before and after compression, so far. */
  raw = 0;
  sent = 0;
  /** Pages this (full) migration sends: those not zero when it took its snapshot (0: not known yet). */
  toSendPages = 0;
  /** After a lazy migration's switch-over: the pages the sink still lacks. */
  residualPages: (() => number) | undefined;
  /** The phase it is in (what CancelMigration reports). */
  phase: MigrationPhase = 'negotiate';
  /** Its status now (QEMU's names; what QueryMigrate answers). */
  statusNow: MigrationStatus = 'setup';
  /** Set when the source commits: from then on the migration cannot be cancelled. */
  committed = false;
  /** Its limits and live figures (bandwidth cap, throttle, QueryMigrate). */
  readonly control: RunControl;
  /** The page streams besides Receive's own, when it uses several (source-streams.ts). */
  pageStreams: PageStreams | undefined;
  /** What the sink's Info said it takes: most page streams (0: Receive's own only). */
  sinkMaxStreams = 0;
  /** The Commit opened before the stop (its request goes when the source commits); undefined: none. */
  preparedCommit: PreparedCommit | undefined;
  /** Aborted by {@link cancel}; its reason is the error the migration fails with. */
  private readonly cancelling = new AbortController();

  constructor(
    readonly host: MigrationHost,
    readonly task: MigTask,
    readonly sink: SinkPort,
    readonly options: MigrateOptions,
    readonly sinkName: string,
    readonly onProgress: (p: MigrationProgress) => void,
  ) {
    this.control = new RunControl(host.clock, options);
    this.stats = {
      migrationId: randomUUID(),
      task: options.task,
      mode: options.mode,
      status: 'failed',
      source: host.name,
      sink: sinkName,
      totalMs: 0,
      downtimeMs: 0,
      setupMs: 0,
      bytes: 0,
      pagesSent: 0,
      pagesElided: 0,
      compressionRatio: 1,
      compression: 'none',
      rounds: 1,
      pagesPerRound: [],
      finalDirtyPages: 0,
      lazyFaultsServed: 0,
      resumeMs: 0,
      residualMs: 0,
      gateMessages: 0,
      closedHandles: 0,
      error: '',
      throttlePerRound: [],
      transferBytesPerS: 0,
      expectedDowntimeMs: 0,
      downtimeLimitMs: this.control.downtimeLimitMs,
      maxBandwidth: this.control.maxBandwidth,
      queuedMs: 0,
      streams: 1,
      streamBytes: [],
      postcopyPauses: 0,
    };
  }

  event(phase: MigrationStep, detail: string): void {
    this.host.migrationEvent(this.options.task, phase, detail);
  }

  progress(phase: MigrationProgress['phase'], pagesTotal = 0): void {
    const again = phase === this.phase && phase === 'transfer';
    this.phase = phase;
    // While the task is stopped every message to the client is downtime: after the
    // first of the transfer, at most one every TRANSFER_PROGRESS_MS (the phase
    // changes and the final figures always go).
    const now = performance.now();
    if (again && now - this.progressAt < TRANSFER_PROGRESS_MS) return;
    this.progressAt = now;
    this.onProgress({ phase, bytesSent: this.stats.bytes, pagesSent: this.stats.pagesSent, pagesTotal });
  }

  /** When the last progress went out (performance.now()). */
  private progressAt = 0;

  /** Where the migration is: on the task (what ps and Info show while it is in transit), and as a `status` event. */
  status(status: MigrationStatus, detail = ''): void {
    this.statusNow = status;
    publishStatus(this.host, this.task, this.options.task, this.stats.migrationId, status, detail);
  }

  /** Aborted once the migration is cancelled (the Receive call listens to it). */
  get signal(): AbortSignal {
    return this.cancelling.signal;
  }

  /**
   * Cancels the migration (CancelMigration): any phase before the commit; the
   * migration then fails with CANCELLED (`user`) or DEADLINE_EXCEEDED (`deadline`)
   * and the task runs here again. Repeating it changes nothing.
   */
  cancel(reason: CancelReason | 'caller'): void {
    const name = this.options.task;
    if (this.committed) {
      const detail =
        this.options.mode === 'lazy'
          ? `the lazy migration of ${name} has switched over: ${name} runs on ${this.sinkName} and its remaining pages are still moving`
          : `the migration of ${name} to ${this.sinkName} has committed`;
      throw new IllegalStateError(this.task.state, 'CancelMigration', detail);
    }
    if (this.cancelling.signal.aborted) return;
    this.status('cancelling');
    this.cancelling.abort(cancelError(reason, name, this.sinkName));
  }

  /** `p`, or the cancellation's error as soon as the migration is cancelled (a call to a silent peer does not hold a cancel up). */
  unlessCancelled<T>(p: Promise<T>): Promise<T> {
    const signal = this.cancelling.signal;
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Throws the cancellation's error once the migration is cancelled. */
  throwIfCancelled(): void {
    if (this.cancelling.signal.aborted) throw this.cancelling.signal.reason;
  }

  /**
   * Opens the Commit before the stop, so that committing sends only its request
   * (no call set up on either side while the task is stopped); `commitMs`: how
   * long a Commit may take once sent. Does nothing for a sink that cannot.
   */
  prepareCommit(commitMs: number): void {
    if (this.preparedCommit || !this.sink.prepareCommit) return;
    const left = Math.max(1000, this.options.deadlineMs - (performance.now() - this.t0));
    this.preparedCommit = this.sink.prepareCommit(this.stats.migrationId, left + commitMs);
  }

  /** Stops the travelers and takes the messages queued for the task's gates. */
  stop(): void {
    this.task.beginTransfer();
    this.task.transit = { migrationId: this.stats.migrationId, peer: this.sinkName, status: 'active' };
    this.tStop = performance.now();
    // Auto-converge's throttle ends here: the task runs unthrottled wherever it runs next.
    this.task.throttle = 0;
    this.control.throttle = 0;
    this.gates = this.host.taskGates.receivedBy(this.task);
    this.carried = this.host.taskGates.take(this.gates);
    this.stats.gateMessages = this.carried.reduce((n, g) => n + g.messages.length, 0);
    this.stats.closedHandles = this.task.travelers.reduce((n, t) => n + t.handles.describe().open.length, 0);
    this.event('stopped', `to ${this.sinkName} (${this.options.mode})`);
    this.progress('stop');
  }

  /** The migration did not happen: the task runs here again, its messages back in front. */
  resume(detail: string): void {
    this.host.taskGates.restore(this.carried);
    this.task.cancelTransfer();
    this.host.tasksChanged(this.task.partition.name);
    this.event('resumed', detail);
  }

  /** The task as a container header; `isZero` says how zero pages are found (default: look at each). */
  snapshot(isZero?: ZeroTest): Snapshot {
    return snapshotOf(
      this.task,
      { node: this.host.name, tick: this.host.tick, endian: this.host.cpu.endian, migrationId: this.stats.migrationId, mode: this.options.mode },
      this.carried,
      isZero,
    );
  }

  /** Fixes the page streams for `pages` pages before the header names them (source-streams.ts); returns the count. */
  decideStreams(pages: number): number {
    const n = this.pageStreams ? this.pageStreams.decide(pages) : 1;
    this.stats.streams = n;
    this.stats.streamBytes.length = n;
    return n;
  }

  /** Accounts for a chunk on its way out. */
  count(c: RawChunk, pagesSent: number, raw: number, sent: number, pagesTotal: number): RawChunk {
    this.stats.bytes += c.payload.length;
    if (this.stats.streamBytes.length > 0) this.stats.streamBytes[0]! += c.payload.length;
    this.stats.pagesSent = pagesSent;
    if (pagesTotal > 0) this.toSendPages = pagesTotal;
    this.raw = raw;
    this.sent = sent;
    // A full migration's header goes before the stop: that is its transfer already.
    this.progress(this.tStop || this.options.mode !== 'precopy' ? 'transfer' : 'precopy', pagesTotal);
    return c;
  }
}

/**
 * The error a cancelled migration of `task` to `sink` fails with (`why`: when,
 * e.g. "while it waited for its turn"). `caller`: the StopAndTransfer call that
 * asked for it ended first (cancelled, past its deadline, or its client died).
 */
export function cancelError(reason: CancelReason | 'caller', task: string, sink: string, why = ''): MigvisorError {
  const when = why ? ` ${why}` : '';
  if (reason === 'deadline') return new MigvisorError(`the deadline of the migration of ${task} to ${sink} was declared expired${when}`, Code.DEADLINE_EXCEEDED);
  if (reason === 'caller') return new MigvisorError(`the migration of ${task} to ${sink} was cancelled${when}: the call that asked for it ended (cancelled by its client, past its deadline, or its client went away)`, Code.CANCELLED);
  return new MigvisorError(`the migration of ${task} to ${sink} was cancelled${when}`, Code.CANCELLED);
}
