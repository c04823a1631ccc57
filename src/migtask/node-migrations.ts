/**
 * A node's migration state, in one object: its MigSink role (containers received
 * into its slots), its saves in progress, the channels to the sinks it migrated
 * to (a new channel would cost a handshake inside the downtime) and to their
 * Diagnostics (predictions probe the link with them), the tasks predictions are
 * measuring, the post-copy residuals it still serves pages for, and its outbound
 * limit (migrations over it wait their turn, turn-queue.ts). The node's
 * gRPC server only translates calls into these methods.
 */
import { performance } from 'node:perf_hooks';
import { Code, describeError, IllegalStateError, MigvisorError, NotFoundError } from '../common/index.ts';
import { Checkpointer } from './checkpoint.ts';
import { recoverNow } from './postcopy-recovery.ts';
import type { RawChunk } from './container-codec.ts';
import { measureDirtyRate, type DirtyRate } from './dirty-rate.ts';
import { RemoteDiscard } from './link-probe.ts';
import { queryOf, type MigrationQuery } from './migration-query.ts';
import { publishStatus } from './migration-status.ts';
import { TurnQueue } from './turn-queue.ts';
import type { MigrationHost } from './migration-host.ts';
import { cancelError, type MigrateOptions, type MigrationProgress, type MigrationRun, type MigrationStats } from './migration-run.ts';
import type { CancelReason, MigrationPhase } from './vocabulary.ts';
import { MigrationSink, type ReceiveResult } from './migration-sink.ts';
import { migrateTask } from './migration-source.ts';
import { SinkUnreachable } from './source-negotiate.ts';
import type { PostcopySource } from './postcopy-source.ts';
import { predictMigration, type PredictContext, type PredictOptions } from './prediction.ts';
import type { Prediction } from './prediction-model.ts';
import { RemoteSink, type SinkPort } from './sink-port.ts';
import type { InDoubt, Settled } from './source-settle.ts';

/** Timeouts of a node's migration state. */
export interface NodeMigrationsOptions {
  /** A staged migration not committed within this time is aborted (ms). @default 30000 */
  readonly stagingTimeoutMs?: number;
  /** How long a saved task waits for ConfirmSave before it resumes (ms). @default 30000 */
  readonly holdMs?: number;
  /** Most outbound migrations in flight at once; more wait their turn (0: unlimited). @default 2 */
  readonly maxOutbound?: number;
}

/** The default of {@link NodeMigrationsOptions.maxOutbound} (KubeVirt's). */
export const DEFAULT_MAX_OUTBOUND = 2;

/** A migration waiting for its turn under the outbound limit. */
interface Queued {
  readonly migrationId: string;
  readonly options: MigrateOptions;
  readonly since: number;
  /** Set by a cancel before the migration proper began (while it waited, or was predicted). */
  cancelled?: Error;
}

/** How a migration from this node ended: its statistics when it happened, the error when it did not. */
export type MigrationOutcome = { readonly stats: MigrationStats } | { readonly error: unknown };

/** Who watches a node's migrations (its metrics and its log); every method is optional. */
export interface MigrationObserver {
  /** A migration from this node (StopAndTransfer) ended. */
  migrated?(options: MigrateOptions, outcome: MigrationOutcome): void;
  /** A container was received here and staged (loads and restores: activated). */
  received?(result: ReceiveResult): void;
}

/** One node's migration state (see the file header); owned by the node, driven by its gRPC server. */
export class NodeMigrations implements PredictContext {
  /** The node's MigSink role: migrations, loads and restores into its slots. */
  readonly sink: MigrationSink;
  /** Saves in progress (tasks held stopped until their container is stored). */
  readonly checkpoints: Checkpointer;
  /** Post-copy migrations this node still serves pages for, by migration id. */
  readonly residuals = new Map<string, PostcopySource>();
  /** Migrations in doubt (their task held Committing here), by task id. */
  readonly inDoubt = new Map<string, InDoubt>();
  /** Migrations in flight from this node, by task id. */
  readonly runs = new Map<string, MigrationRun>();
  /** Tasks a prediction is measuring now. */
  readonly measuring = new Set<string>();
  /** The outbound limit: migrations from this node in flight at once. */
  readonly outbound: TurnQueue;
  /** Migrations waiting for their turn, by task id. */
  private readonly queued = new Map<string, Queued>();
  /** This node's gRPC address ('' until it serves): post-copy sinks fetch pages from it. */
  address = '';
  /** Told of every migration from this node that ends and every container received here. */
  readonly observers = new Set<MigrationObserver>();
  private readonly sinks = new Map<string, RemoteSink>();
  private readonly discards = new Map<string, RemoteDiscard>();

  constructor(
    private readonly host: MigrationHost,
    options: NodeMigrationsOptions = {},
  ) {
    this.sink = new MigrationSink(host, options.stagingTimeoutMs, (r) => {
      for (const o of this.observers) o.received?.(r);
    });
    this.checkpoints = new Checkpointer(host, options.holdMs);
    const max = options.maxOutbound ?? DEFAULT_MAX_OUTBOUND;
    this.outbound = new TurnQueue(max, `outbound migrations of ${host.name} (max_outbound ${max})`);
  }

  /** The channel to the sink at `address`, kept for later migrations. */
  private sinkAt(address: string): RemoteSink {
    let s = this.sinks.get(address);
    if (!s) {
      s = new RemoteSink(address);
      this.sinks.set(address, s);
    }
    return s;
  }

  /** The Diagnostics service at `address`, kept for later predictions. */
  private discardAt(address: string): RemoteDiscard {
    let d = this.discards.get(address);
    if (!d) {
      d = new RemoteDiscard(address);
      this.discards.set(address, d);
    }
    return d;
  }

  /**
   * StopAndTransfer to the MigTask service at `sinkAddress` (a node or the
   * middleware). With `predict`, a prediction of it first, reported in the
   * statistics' `predicted` (its time is not part of the migration's). A kept
   * channel that cannot reach the sink (it broke in a network blip and gRPC is
   * backing off) is replaced by a fresh one and the migration tried once more:
   * nothing was stopped yet.
   */
  async migrate(sinkAddress: string, options: MigrateOptions & { readonly predict?: boolean }, onProgress?: (p: MigrationProgress) => void): Promise<MigrationStats> {
    const release = await this.turn(options);
    try {
      const stats = await this.migrateNow(sinkAddress, { ...options, queuedMs: this.queuedMs(options.task) }, onProgress);
      for (const o of this.observers) o.migrated?.(options, { stats });
      return stats;
    } catch (error: unknown) {
      for (const o of this.observers) o.migrated?.(options, { error });
      throw error;
    } finally {
      this.queued.delete(options.task);
      release();
    }
  }

  /** Waits for a turn under the outbound limit (at once when one is free), visibly: QueryMigrate and a `waiting` event say why. */
  private async turn(options: MigrateOptions): Promise<() => void> {
    const task = this.host.task(options.task);
    if (this.runs.has(options.task) || this.queued.has(options.task)) {
      throw new IllegalStateError(task.state, 'StopAndTransfer', `task ${options.task} is migrating already`);
    }
    const entry: Queued = { migrationId: '', options, since: performance.now() };
    this.queued.set(options.task, entry);
    try {
      return await this.outbound.acquire(options.task, (reason) => this.host.migrationEvent(task.id ?? options.task, 'waiting', `to ${options.sinkName ?? 'its sink'}: ${reason}`));
    } catch (e: unknown) {
      this.queued.delete(options.task);
      throw e;
    }
  }

  private queuedMs(task: string): number {
    const q = this.queued.get(task);
    return q ? Math.round((performance.now() - q.since) * 1000) / 1000 : 0;
  }

  /** {@link migrate} once it has its turn, before its observers hear of it. */
  private async migrateNow(sinkAddress: string, options: MigrateOptions & { readonly predict?: boolean }, onProgress?: (p: MigrationProgress) => void): Promise<MigrationStats> {
    const predicted = options.predict ? await this.predict(sinkAddress, options) : undefined;
    const entry = this.queued.get(options.task);
    if (entry?.cancelled) throw entry.cancelled;
    // From here on the run is what a cancel finds (runs); its options may have changed while it waited.
    if (entry) options = { ...options, ...entry.options, predict: options.predict };
    let stats: MigrationStats;
    try {
      stats = await this.migrateTo(this.sinkAt(sinkAddress), options, onProgress);
    } catch (e: unknown) {
      if (!(e instanceof SinkUnreachable)) throw e;
      this.sinks.get(sinkAddress)?.close();
      this.sinks.delete(sinkAddress);
      stats = await this.migrateTo(this.sinkAt(sinkAddress), options, onProgress);
    }
    return predicted ? { ...stats, predicted } : stats;
  }

  /** PredictMigration: what StopAndTransfer to `sinkAddress` would cost now (see prediction.ts). */
  predict(sinkAddress: string, options: PredictOptions): Promise<Prediction> {
    return predictMigration(this.host, this.sinkAt(sinkAddress), this.discardAt(sinkAddress), options, this);
  }

  /** StopAndTransfer to any sink port (tests give their own). */
  migrateTo(sink: SinkPort, options: MigrateOptions, onProgress?: (p: MigrationProgress) => void): Promise<MigrationStats> {
    return migrateTask(this.host, sink, options, onProgress, this);
  }

  /**
   * SettleMigration: asks the sink of task `taskId`'s migration in doubt what
   * became of it, now, and acts on the answer (depart, or resume here).
   */
  async settle(taskId: string): Promise<{ migrationId: string; outcome: Settled }> {
    const task = this.host.task(taskId);
    const d = this.inDoubt.get(taskId);
    if (task.state !== 'Committing' || !d) {
      throw new IllegalStateError(task.state, 'SettleMigration', `task ${taskId} is not held by a migration in doubt on ${this.host.name}`);
    }
    return { migrationId: d.migrationId, outcome: await d.settle() };
  }

  /**
   * CancelMigration: cancels the migration of task `taskId` in flight from this
   * node (see {@link MigrationRun.cancel}); `cancelled` false when there is none.
   */
  cancel(taskId: string, reason: CancelReason | 'caller'): { cancelled: boolean; migrationId: string; phase?: MigrationPhase } {
    this.host.task(taskId);
    const entry = this.queued.get(taskId);
    if (entry && !this.runs.has(taskId)) {
      // It has not begun (it waits for its turn, or is being predicted): nothing stopped, nothing to take back.
      if (entry.cancelled) return { cancelled: true, migrationId: '', phase: 'negotiate' };
      const sink = entry.options.sinkName ?? 'its sink';
      const why = this.outbound.waiterOf(taskId) ? 'while it waited for its turn' : 'before it began';
      const e = cancelError(reason, taskId, sink, why);
      entry.cancelled = new MigvisorError(`${e.message}; the task runs on ${this.host.name} again`, e.code);
      this.outbound.cancel(taskId, entry.cancelled);
      publishStatus(this.host, undefined, taskId, `queued:${taskId}`, 'cancelled', `runs on ${this.host.name}; it never stopped`);
      return { cancelled: true, migrationId: '', phase: 'negotiate' };
    }
    const run = this.runs.get(taskId);
    if (!run) return { cancelled: false, migrationId: '' };
    run.cancel(reason);
    return { cancelled: true, migrationId: run.stats.migrationId, phase: run.phase };
  }

  /** SetMigration: changes the bandwidth cap of the migration of `taskId` in flight (or waiting) from this node. */
  setMigration(taskId: string, changes: { readonly maxBandwidth?: number }): { migrationId: string; maxBandwidth: number } {
    const task = this.host.task(taskId);
    const run = this.runs.get(taskId);
    if (run) {
      if (changes.maxBandwidth !== undefined) run.control.setMaxBandwidth(changes.maxBandwidth);
      return { migrationId: run.stats.migrationId, maxBandwidth: run.control.maxBandwidth };
    }
    const q = this.queued.get(taskId);
    if (q) {
      const options = changes.maxBandwidth !== undefined ? { ...q.options, maxBandwidth: changes.maxBandwidth } : q.options;
      this.queued.set(taskId, { ...q, options });
      return { migrationId: '', maxBandwidth: options.maxBandwidth ?? 0 };
    }
    throw new IllegalStateError(task.state, 'SetMigration', `task ${taskId} has no migration in flight from ${this.host.name}`);
  }

  /** QueryMigrate: where the migration of `taskId` from this node stands (undefined: none in flight or waiting). */
  query(taskId: string): MigrationQuery | undefined {
    this.host.task(taskId);
    const run = this.runs.get(taskId);
    if (run) return queryOf(run);
    const q = this.queued.get(taskId);
    const w = this.outbound.waiterOf(taskId);
    if (!q) return undefined;
    return {
      migrationId: '',
      status: 'setup',
      mode: q.options.mode,
      sink: q.options.sinkName ?? '',
      phase: 'negotiate',
      pass: 0,
      remainingBytes: 0,
      dirtyRatePagesPerS: 0,
      transferBytesPerS: 0,
      expectedDowntimeMs: 0,
      throttlePercent: 0,
      waiting: w?.reason ?? '',
      bytesSent: 0,
      maxBandwidth: q.options.maxBandwidth ?? 0,
      downtimeLimitMs: q.options.downtimeLimitMs ?? 300,
      totalMs: performance.now() - q.since,
    };
  }

  /** MeasureDirtyRate: how fast task `taskId` dirties its memory over `windowMs`, without migrating it. */
  dirtyRate(taskId: string, windowMs: number): Promise<DirtyRate> {
    return measureDirtyRate(this.host, taskId, windowMs, { measuring: this.measuring, migrating: (id) => this.runs.has(id) || this.queued.has(id) });
  }

  /** FetchPages: a post-copy sink faulted on these pages. */
  fetchPages(migrationId: string, pages: readonly number[]): Promise<RawChunk> {
    const residual = this.residuals.get(migrationId);
    if (!residual) throw new NotFoundError('post-copy migration', migrationId, `on ${this.host.name}`);
    return residual.fetch(pages);
  }

  /** PushPages: installs pages of a running post-copy migration that are still absent here. */
  async acceptPush(migrationId: string, chunks: AsyncIterable<RawChunk>): Promise<{ installed: number; missing: number }> {
    const { sink, known } = this.sink.postcopyOf(migrationId);
    if (!sink) {
      if (!known) throw new NotFoundError('post-copy migration', migrationId, `on ${this.host.name}`);
      // Every page already arrived by fault: nothing left to install.
      for await (const c of chunks) void c;
      return { installed: 0, missing: 0 };
    }
    try {
      return await sink.acceptPush(chunks);
    } catch (e: unknown) {
      // A broken push may mean the source is gone: find out now, not at the next fault.
      sink.probe();
      if (e instanceof MigvisorError) throw e;
      throw new MigvisorError(`the push of migration ${migrationId} broke off: ${describeError(e)}`, Code.UNAVAILABLE, { cause: e });
    }
  }

  /**
   * RecoverPostcopy: the post-copy migration of `taskId` (sink or source side)
   * tries to reach its peer now instead of at its next retry.
   */
  async recoverPostcopy(taskId: string): Promise<{ migrationId: string; role: string; status: string; missingPages: number }> {
    return recoverNow(this.host, this.residuals, taskId);
  }

  /** Stops staging timers, resumes held saves and closes the channels (node shutdown). */
  close(): void {
    this.sink.close();
    this.checkpoints.close();
    for (const s of this.sinks.values()) s.close();
    this.sinks.clear();
    for (const d of this.discards.values()) d.close();
    this.discards.clear();
  }
}
