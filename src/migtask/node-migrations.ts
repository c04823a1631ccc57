/**
 * A node's migration state, in one object: its MigSink role (containers received
 * into its slots), its saves in progress, the channels to the sinks it migrated
 * to (a new channel would cost a handshake inside the downtime) and to their
 * Diagnostics (predictions probe the link with them), the tasks predictions are
 * measuring, and the post-copy residuals it still serves pages for. The node's
 * gRPC server only translates calls into these methods.
 */
import { Code, describeError, IllegalStateError, MigvisorError, NotFoundError } from '../common/index.ts';
import { Checkpointer } from './checkpoint.ts';
import { recoverNow } from './postcopy-recovery.ts';
import type { RawChunk } from './container-codec.ts';
import { RemoteDiscard } from './link-probe.ts';
import type { MigrationHost } from './migration-host.ts';
import type { MigrateOptions, MigrationProgress, MigrationRun, MigrationStats } from './migration-run.ts';
import type { CancelReason, MigrationPhase } from './vocabulary.ts';
import { MigrationSink } from './migration-sink.ts';
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
  /** This node's gRPC address ('' until it serves): post-copy sinks fetch pages from it. */
  address = '';
  private readonly sinks = new Map<string, RemoteSink>();
  private readonly discards = new Map<string, RemoteDiscard>();

  constructor(
    private readonly host: MigrationHost,
    options: NodeMigrationsOptions = {},
  ) {
    this.sink = new MigrationSink(host, options.stagingTimeoutMs);
    this.checkpoints = new Checkpointer(host, options.holdMs);
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
    const predicted = options.predict ? await this.predict(sinkAddress, options) : undefined;
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
  cancel(taskId: string, reason: CancelReason): { cancelled: boolean; migrationId: string; phase?: MigrationPhase } {
    this.host.task(taskId);
    const run = this.runs.get(taskId);
    if (!run) return { cancelled: false, migrationId: '' };
    run.cancel(reason);
    return { cancelled: true, migrationId: run.stats.migrationId, phase: run.phase };
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
