/**
 * The source side of a migration (README, "Migration"):
 *
 * 1. negotiate: ask the sink's Info and refuse, before any traveler stops, with the
 *    exact reason (source-negotiate.ts);
 * 2. transfer and stop, by mode (source-chunks.ts); the sink's Receive stages and
 *    verifies the container; messages queued on the task's gates since the stop
 *    travel with it;
 * 3. commit (the source decides), the sink activates on Commit (source-settle.ts);
 * 4. depart: the source forwards later gate messages to the sink, serves and pushes
 *    the pages of a post-copy migration, and releases the slot.
 *
 * Until the commit the source can always resume the task where it stopped. After it,
 * a lost reply is settled by asking the sink (QueryMigration), never by guessing:
 * the task stays stopped here until the sink says it runs there (release) or that
 * it never will (resume).
 */
import { performance } from 'node:perf_hooks';
import { Code, describeError, MigvisorError, withEnd } from '../common/index.ts';
import type { MigState } from './vocabulary.ts';
import type { MigrationHost } from './migration-host.ts';
import { MigrationRun, round3, type MigrateOptions, type MigrationProgress, type MigrationStats } from './migration-run.ts';
import { paced } from './pacer.ts';
import { pushWithRecovery } from './postcopy-push.ts';
import { PostcopySource } from './postcopy-source.ts';
import type { SinkPort } from './sink-port.ts';
import type { ReceiveResponse__Output } from '../generated/migvisor/v1/ReceiveResponse.ts';
import { migrationChunks } from './source-chunks.ts';
import { PageStreams, streamsToUse } from './source-streams.ts';
import { negotiate, sourceTask, type SourceFacts } from './source-negotiate.ts';
import { keepResolving, SELF_SETTLE_MARGIN_MS, settle, type InDoubt } from './source-settle.ts';

/** What a node offers the migrations it runs as source. */
export interface SourceContext {
  /** This node's own gRPC address (post-copy sinks fetch pages from it; '' when it serves none). */
  readonly address: string;
  /** Post-copy residuals this node serves, by migration id. */
  readonly residuals: Map<string, PostcopySource>;
  /** Migrations in doubt, by task id (SettleMigration asks them to settle now). */
  readonly inDoubt?: Map<string, InDoubt>;
  /** Migrations in flight from this node, by task id (CancelMigration finds them here). */
  readonly runs?: Map<string, MigrationRun>;
}

/** What {@link sourceTask} needs to know of a source context. */
export function sourceFacts(context: SourceContext): SourceFacts {
  return { address: context.address, migrating: (id) => context.runs?.has(id) ?? false };
}

/**
 * Moves task `options.task` of `host` to `sink`. Resolves with statistics when the
 * task runs on the sink (post-copy: once the source holds no page of it); rejects,
 * with the task running here again, when the move did not happen.
 */
export async function migrateTask(
  host: MigrationHost,
  sink: SinkPort,
  options: MigrateOptions,
  onProgress: (p: MigrationProgress) => void = () => {},
  context: SourceContext = { address: '', residuals: new Map() },
): Promise<MigrationStats> {
  const task = sourceTask(host, options, sourceFacts(context), 'StopAndTransfer');
  const run = new MigrationRun(host, task, sink, options, options.sinkName ?? sink.address, onProgress);
  run.stats.queuedMs = options.queuedMs ?? 0;
  context.runs?.set(options.task, run);
  run.status('setup', `to ${run.sinkName} (${options.mode})`);
  try {
    const stats = await runMigration(run, context);
    run.status('completed', `now on ${run.sinkName}`);
    return stats;
  } catch (e: unknown) {
    // A migration in doubt keeps its status until it is settled (source-settle.ts).
    if (run.stats.status !== 'in-doubt') run.status(run.signal.aborted && !run.committed ? 'cancelled' : 'failed', describeError(e));
    throw e;
  } finally {
    // A Commit opened ahead and never sent is dropped (the sink never saw its request).
    run.preparedCommit?.cancel();
    // Auto-converge's throttle never outlives the migration (cancel, failure).
    if (task.id === options.task) task.throttle = 0;
    run.stats.maxBandwidth = run.control.maxBandwidth;
    context.runs?.delete(options.task);
  }
}


/** Steps 1 to 4 of {@link migrateTask} for one run. */
async function runMigration(run: MigrationRun, context: SourceContext): Promise<MigrationStats> {
  const { stats, host, task, sink, options } = run;

  // 1. Negotiate.
  run.progress('negotiate');
  const offers = { maxStreams: 0 };
  stats.compression = await negotiate(host, task, sink, run.sinkName, options, offers);
  stats.setupMs = round3(performance.now() - run.t0);
  run.status('active', `negotiated with ${run.sinkName}`);
  run.pageStreams = openPageStreams(run, offers.maxStreams);

  // 2. Transfer (and stop, at the point the mode says). A cancel before the
  // commit ends up here too: the Receive call is cancelled with it.
  /** Past this clock time the source settles by itself (the sink promised a commit window). */
  let selfSettleAt: number | undefined;
  try {
    run.throwIfCancelled();
    const remaining = Math.max(1000, options.deadlineMs - (performance.now() - run.t0));
    const staged = await transfer(run, context.address, remaining);
    const window = Number(staged.commitWindowMs ?? 0);
    if (window > 0) selfSettleAt = host.clock.now() + window + SELF_SETTLE_MARGIN_MS;
    run.throwIfCancelled();
  } catch (e: unknown) {
    // Nothing was committed: tell the sink to drop what it has, and run again here.
    const cancelled = run.signal.aborted;
    const why = cancelled ? describeError(run.signal.reason) : `transfer to ${run.sinkName} failed: ${describeError(e)}`;
    // The task runs here again first: the sink never saw a Commit, so it cannot
    // activate; what it staged, the Abort (or its staging timeout) discards.
    if ((task.state as MigState) === 'Transferring') run.resume(why);
    // A cancel answers at once: the link to the sink may be what is stuck. An
    // Abort that does not get through is sent again in the background, so a sink
    // cut off for a moment does not keep a staged copy until its staging timeout.
    const first = abortAtSink(run, cancelled ? why : 'transfer failed');
    if (!cancelled) await first;
    // migrateTask publishes the final status (`cancelled`, with this error as its detail) once.
    if (cancelled) {
      throw new MigvisorError(`${describeError(run.signal.reason)}; the task runs on ${host.name} again`, codeOf(run.signal.reason), { cause: e });
    }
    throw new MigvisorError(`migration of ${options.task} to ${run.sinkName} failed during transfer; the task runs on ${host.name} again: ${describeError(e)}`, codeOf(e), { cause: e });
  }
  run.committed = true;
  const side = run.pageStreams;
  if (side) stats.pagesSent += side.pagesSent;
  const raw = run.raw + (side?.raw ?? 0);
  const sent = run.sent + (side?.sent ?? 0);
  stats.compressionRatio = sent > 0 ? round3(raw / sent) : 1;
  if (options.mode !== 'precopy') stats.pagesPerRound = [stats.pagesSent];

  // 3. Commit, activate, release. A post-copy source serves pages from the moment
  // the sink may activate, which is before the Commit reply comes back.
  run.progress('commit');
  task.commitTransfer();
  const residual = options.mode === 'lazy' ? new PostcopySource(task, stats.migrationId, stats.compression) : undefined;
  if (residual) {
    context.residuals.set(stats.migrationId, residual);
    run.residualPages = () => residual.remaining;
  }
  const why: { detail?: string } = {};
  const outcome = await settle(sink, stats.migrationId, host.clock, selfSettleAt, run.preparedCommit, why);
  if (outcome !== 'active' && outcome !== 'in-doubt') context.residuals.delete(stats.migrationId);
  // 4. What the source does once the sink runs the task: forward, serve the post-copy pages, release.
  const depart = async (detail: string): Promise<void> => {
    host.recordDeparture(options.task, run.sinkName);
    host.taskGates.forward(run.gates, sink.address, run.sinkName);
    if (residual) await pushResidual(run, context, residual);
    task.release();
    host.tasksChanged(task.partition.name);
    run.event('released', detail);
  };
  if (outcome === 'in-doubt' && selfSettleAt !== undefined && host.clock.now() >= selfSettleAt) {
    // The sink promised to keep nothing it did not make durable within its window.
    context.residuals.delete(stats.migrationId);
    run.resume(`settled by itself: ${run.sinkName} did not answer within its commit window, so it keeps nothing of the migration`);
    throw new MigvisorError(
      `migration of ${options.task}: ${run.sinkName} did not answer within its commit window; the task runs on ${host.name} again`,
      Code.UNAVAILABLE,
    );
  }
  if (outcome === 'in-doubt') {
    stats.status = 'in-doubt';
    run.status('in-doubt');
    stats.totalMs = round3(performance.now() - run.t0);
    run.event('in-doubt', `${run.sinkName} does not answer after the commit; the task stays stopped here until it does`);
    keepResolving(
      run,
      depart,
      () => context.residuals.delete(stats.migrationId),
      (d) => (d ? context.inDoubt?.set(options.task, d) : context.inDoubt?.delete(options.task)),
      selfSettleAt,
    );
    const until = selfSettleAt === undefined ? `until ${run.sinkName} answers` : `until ${run.sinkName} answers, at most until its commit window ends`;
    throw new MigvisorError(
      `migration of ${options.task}: ${run.sinkName} did not confirm the commit; the task is held stopped on ${host.name} (state Committing) ${until}`,
      Code.UNAVAILABLE,
    );
  }
  if (outcome !== 'active') {
    run.resume(`${run.sinkName} reports the migration ${outcome}`);
    // What the sink said of it (a park whose store failed names the store and how).
    const said = why.detail ? `: ${why.detail}` : '';
    throw new MigvisorError(`migration of ${options.task} to ${run.sinkName} was not committed (${outcome}${said}); the task runs on ${host.name} again`, Code.ABORTED);
  }
  stats.downtimeMs = round3(performance.now() - run.tStop);
  stats.resumeMs = stats.downtimeMs;
  await depart(`now on ${run.sinkName}`);
  stats.status = 'completed';
  stats.totalMs = round3(performance.now() - run.t0);
  task.scrub();
  run.progress('done');
  return stats;
}

/** The page streams besides Receive's own a migration uses, if it uses several (source-streams.ts). */
function openPageStreams(run: MigrationRun, sinkMax: number): PageStreams | undefined {
  const n = run.options.mode === 'lazy' || !run.sink.receiveStream ? 1 : streamsToUse(run.options.streams, sinkMax);
  run.stats.streams = n;
  run.stats.streamBytes = new Array<number>(n).fill(0);
  if (n <= 1) return undefined;
  return new PageStreams(
    run.stats.migrationId,
    n,
    (i, bytes) => {
      run.stats.bytes += bytes;
      run.stats.streamBytes[i]! += bytes;
    },
    run.control.pacer,
  );
}

/** Step 2: the container on Receive, and its other page streams beside it; the first failure stops them all. */
async function transfer(run: MigrationRun, sourceAddress: string, ms: number): Promise<ReceiveResponse__Output> {
  const streams = run.pageStreams;
  const failed = new AbortController();
  const signal = AbortSignal.any([run.signal, failed.signal]);
  // --max-bandwidth paces what the source sends, on every stream; a wait for the
  // rate ends with the transfer (a call that failed, its deadline, a cancel).
  const over = new AbortController();
  const producer = withEnd(paced(migrationChunks(run, sourceAddress), run.control.pacer, AbortSignal.any([signal, over.signal])));
  const chunks = producer.items;
  try {
    if (!streams) return await run.sink.receive(chunks, ms, run.signal);
    const stop = (e: unknown): never => {
      if (!failed.signal.aborted) failed.abort(e);
      streams.abort(e);
      throw e;
    };
    const main = run.sink.receive(chunks, ms, signal).catch(stop);
    const sides = streams.send(run.sink, ms, signal).catch(stop);
    const [staged] = await Promise.all([main, sides]);
    return staged;
  } finally {
    // The producer may still be at work (a call that failed lets go of it at
    // once): it stops the task itself, so whether the task must run here again
    // is known only once it ended.
    over.abort(new MigvisorError('the transfer is over', Code.CANCELLED));
    await producer.ended();
  }
}

/** After a post-copy commit: serve faults and push the rest until the sink has every page. */
async function pushResidual(run: MigrationRun, context: SourceContext, residual: PostcopySource): Promise<void> {
  const { stats } = run;
  run.event('postcopy', `${residual.remaining} page(s) to deliver to ${run.sinkName}`);
  run.status('postcopy-active', `${residual.remaining} page(s) to deliver to ${run.sinkName}`);
  run.progress('postcopy', residual.remaining);
  const tResume = performance.now();
  try {
    await pushWithRecovery(run, residual);
    run.event('residual-dropped', `${run.sinkName} holds every page (${residual.faultsServed} fault(s) served)`);
  } catch (e: unknown) {
    // The task runs on the sink: it cannot come back. Report the broken dependency.
    run.event('residual-lost', `pushing pages to ${run.sinkName} failed: ${describeError(e)}`);
    stats.error = `post-copy push failed: ${describeError(e)}`;
  } finally {
    context.residuals.delete(stats.migrationId);
  }
  stats.residualMs = round3(performance.now() - tResume);
  stats.lazyFaultsServed = residual.faultsServed;
  stats.bytes += residual.bytes;
  stats.compressionRatio = residual.bytes > 0 ? round3(residual.raw / residual.bytes) : 1;
  stats.pagesSent = residual.pagesPushed + residual.pagesFetched;
  stats.pagesPerRound = [stats.pagesSent];
}

/** How long the source keeps telling a sink it could not reach to drop a failed migration (ms): the sink's staging timeout. */
const ABORT_RETRY_MS = 30_000;

/** Sends Abort for a migration that failed before its commit; resolves after the first attempt, retrying in the background (bounded) if it did not get through. */
async function abortAtSink(run: MigrationRun, reason: string): Promise<void> {
  const { sink, stats, host } = run;
  const attempt = (): Promise<boolean> =>
    sink.abort(stats.migrationId, reason, 2000).then(
      () => true,
      () => false,
    );
  if (await attempt()) return;
  void (async () => {
    const until = host.clock.now() + ABORT_RETRY_MS;
    for (let wait = 250; host.clock.now() < until; wait = Math.min(wait * 2, 4000)) {
      await host.clock.sleep(wait);
      if (await attempt()) return;
    }
  })();
}

function codeOf(e: unknown): Code {
  return e instanceof MigvisorError ? e.code : Code.UNAVAILABLE;
}
