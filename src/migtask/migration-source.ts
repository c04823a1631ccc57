/**
 * The source side of a migration (DESIGN.md, "Migration"):
 *
 * 1. negotiate: ask the sink's Info and refuse, before any traveler stops, with the
 *    exact reason (word size, byte order, page size, fingerprint, no MigSink slot,
 *    memory, compression);
 * 2. transfer and stop, by mode:
 *    - full: stop, then send registers, page map and every non-zero page;
 *    - precopy: send every page while the travelers run, re-send the pages they
 *      dirtied in rounds, stop when the dirty set is small (or after the last
 *      round), then send the rest and the final state;
 *    - lazy (post-copy): stop, send registers and page map only; the sink resumes
 *      at once and the pages follow (faults served, the rest pushed);
 *    the sink's Receive stages and verifies the container; messages queued on the
 *    task's gates since the stop travel with it;
 * 3. commit (the source decides), the sink activates on Commit, the source releases
 *    and forwards later gate messages to the sink.
 *
 * Until the commit the source can always resume the task where it stopped. After it,
 * a lost reply is settled by asking the sink (QueryMigration), never by guessing:
 * the task stays stopped here until the sink says it runs there (release) or that
 * it never will (resume).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { Code, IllegalStateError, MigvisorError } from '../common/index.ts';
import type { Node } from '../hypervisor/index.ts';
import { ChunkEncoder, COMPRESSION_OF, preparePages, type Compression, type PreparedPages, type RawChunk } from './container-codec.ts';
import { BATCH_PAGES, containerChunks, snapshotOf, type Snapshot, type ZeroTest } from './container-snapshot.ts';
import { incompatibility, parseSettings } from './compatibility.ts';
import type { MigTask } from './mig-task.ts';
import type { MigState } from './mig-thread.ts';
import { PostcopySource } from './postcopy-source.ts';
import { pipelined, slices } from './pipeline.ts';
import type { SinkPort } from './sink-port.ts';

export type MigrationMode = 'full' | 'lazy' | 'precopy';

export interface MigrateOptions {
  readonly task: string;
  readonly mode: MigrationMode;
  readonly compression: 'auto' | Compression;
  /** Budget of the whole migration. */
  readonly deadlineMs: number;
  /** Sink's name for events and statistics (defaults to its address). */
  readonly sinkName?: string;
  /** Pre-copy: stop when at most this many pages are dirty. */
  readonly precopyStopPages?: number;
  /** Pre-copy: stop after this many rounds whatever the dirty set. */
  readonly precopyMaxRounds?: number;
}

/** What a node offers the migrations it runs as source. */
export interface SourceContext {
  /** This node's own gRPC address (post-copy sinks fetch pages from it). */
  readonly address: string;
  /** Post-copy residuals this node serves, by migration id. */
  readonly residuals: Map<string, PostcopySource>;
}

export interface MigrationProgress {
  readonly phase: 'negotiate' | 'precopy' | 'stop' | 'transfer' | 'commit' | 'release' | 'postcopy' | 'done';
  readonly bytesSent: number;
  readonly pagesSent: number;
  readonly pagesTotal: number;
}

/** Statistics in the spirit of QEMU's query-migrate. */
export interface MigrationStats {
  migrationId: string;
  task: string;
  mode: MigrationMode;
  status: 'completed' | 'failed' | 'in-doubt';
  source: string;
  sink: string;
  totalMs: number;
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
}

export const DEFAULT_DEADLINE_MS = 60_000;
export const DEFAULT_PRECOPY_STOP_PAGES = 64;
export const DEFAULT_PRECOPY_MAX_ROUNDS = 12;
const INFO_DEADLINE_MS = 5_000;
const COMMIT_DEADLINE_MS = 5_000;
/** How long to keep asking a sink that does not answer after the commit. */
const RESOLVE_ATTEMPTS = 10;
const RESOLVE_INTERVAL_MS = 500;
/** Longest pre-copy waits for the sink to work off its backlog before it stops the task. */
const CATCH_UP_MS = 2000;

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** Thrown when a migration is refused during negotiation: nothing was stopped. */
export class MigrationRefused extends MigvisorError {
  constructor(reason: string) {
    super(`migration refused: ${reason}`, Code.FAILED_PRECONDITION);
  }
}

function chooseCompression(requested: 'auto' | Compression, mine: readonly string[], theirs: readonly string[], sinkName: string): Compression {
  const both = (c: Compression): boolean => mine.includes(c) && theirs.includes(c);
  if (requested === 'auto') return both('deflate') ? 'deflate' : 'none';
  if (requested === 'none') return 'none';
  if (!theirs.includes(requested)) throw new MigrationRefused(`${sinkName} does not support ${requested} compression (it supports ${theirs.join(', ') || 'none'})`);
  if (!mine.includes(requested)) throw new MigrationRefused(`this node does not support ${requested} compression`);
  return requested;
}

/** Everything one migration tracks while it runs. */
class Run {
  readonly t0 = performance.now();
  tStop = 0;
  stats: MigrationStats;
  gates: string[] = [];
  carried: { gate: string; messages: Uint8Array[] }[] = [];
  raw = 0;
  sent = 0;

  constructor(
    readonly node: Node,
    readonly task: MigTask,
    readonly sink: SinkPort,
    readonly options: MigrateOptions,
    readonly sinkName: string,
    readonly onProgress: (p: MigrationProgress) => void,
  ) {
    this.stats = {
      migrationId: randomUUID(),
      task: options.task,
      mode: options.mode,
      status: 'failed',
      source: node.name,
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
    };
  }

  event(phase: string, detail: string): void {
    this.node.publish({ kind: 'migration', node: this.node.name, tick: this.node.tick, task: this.options.task, phase, detail });
  }

  progress(phase: MigrationProgress['phase'], pagesTotal = 0): void {
    this.onProgress({ phase, bytesSent: this.stats.bytes, pagesSent: this.stats.pagesSent, pagesTotal });
  }

  /** Stops the travelers and takes the messages queued for the task's gates. */
  stop(): void {
    this.task.beginTransfer();
    this.tStop = performance.now();
    this.gates = this.node.gatesReceivedBy(this.task);
    this.carried = this.node.takeGateMessages(this.gates);
    this.stats.gateMessages = this.carried.reduce((n, g) => n + g.messages.length, 0);
    this.stats.closedHandles = this.task.travelers.reduce((n, t) => n + t.handles.describe().open.length, 0);
    this.event('stopped', `to ${this.sinkName} (${this.options.mode})`);
    this.progress('stop');
  }

  /** The task as a container header; `isZero` says how zero pages are found (default: look at each). */
  snapshot(isZero?: ZeroTest): Snapshot {
    return snapshotOf(
      this.task,
      { node: this.node.name, tick: this.node.tick, endian: this.node.def.cpu.endian, migrationId: this.stats.migrationId, mode: this.options.mode },
      this.carried,
      isZero,
    );
  }

  /** Accounts for a chunk on its way out. */
  count(c: RawChunk, pagesSent: number, raw: number, sent: number, pagesTotal: number): RawChunk {
    this.stats.bytes += c.payload.length;
    this.stats.pagesSent = pagesSent;
    this.raw = raw;
    this.sent = sent;
    this.progress(this.tStop ? 'transfer' : 'precopy', pagesTotal);
    return c;
  }
}

/**
 * Moves task `options.task` of `node` to `sink`. Resolves with statistics when the
 * task runs on the sink (post-copy: once the source holds no page of it); rejects,
 * with the task running here again, when the move did not happen.
 */
export async function migrateTask(
  node: Node,
  sink: SinkPort,
  options: MigrateOptions,
  onProgress: (p: MigrationProgress) => void = () => {},
  context: SourceContext = { address: '', residuals: new Map() },
): Promise<MigrationStats> {
  const task = node.task(options.task);
  if (task.state !== 'MigSource') throw new IllegalStateError(task.state, 'StopAndTransfer');
  if (!task.partition.migratable) throw new MigrationRefused(`partition ${task.partition.name} is not a MigPartition`);
  if (task.postcopy) throw new MigrationRefused(`task ${options.task} still waits for ${task.postcopy.missing} page(s) of its last post-copy migration`);
  if (options.mode === 'lazy' && !context.address) throw new MigrationRefused('post-copy needs a node that serves gRPC (its pages are fetched from it)');
  const run = new Run(node, task, sink, options, options.sinkName ?? sink.address, onProgress);
  const { stats } = run;

  // 1. Negotiate.
  run.progress('negotiate');
  stats.compression = await negotiate(node, task, sink, run.sinkName, options);
  stats.setupMs = round(performance.now() - run.t0);

  // 2. Transfer (and stop, at the point the mode says).
  const chunks = options.mode === 'precopy' ? precopyChunks(run) : options.mode === 'lazy' ? lazyChunks(run, context.address) : fullChunks(run);
  try {
    const remaining = Math.max(1000, options.deadlineMs - (performance.now() - run.t0));
    await sink.receive(chunks, remaining);
  } catch (e: unknown) {
    // Nothing was committed: tell the sink to drop what it has, and run again here.
    await sink.abort(stats.migrationId, 'transfer failed', 2000).catch(() => undefined);
    if ((task.state as MigState) === 'Transferring') {
      node.restoreGateMessages(run.carried);
      task.cancelTransfer();
      run.event('resumed', `transfer to ${run.sinkName} failed: ${describe(e)}`);
    }
    throw new MigvisorError(`migration of ${options.task} to ${run.sinkName} failed during transfer; the task runs on ${node.name} again: ${describe(e)}`, codeOf(e), { cause: e });
  }
  stats.compressionRatio = run.sent > 0 ? round(run.raw / run.sent) : 1;
  if (options.mode !== 'precopy') stats.pagesPerRound = [stats.pagesSent];

  // 3. Commit, activate, release. A post-copy source serves pages from the moment
  // the sink may activate, which is before the Commit reply comes back.
  run.progress('commit');
  task.commitTransfer();
  const residual = options.mode === 'lazy' ? new PostcopySource(task, stats.migrationId, stats.compression) : undefined;
  if (residual) context.residuals.set(stats.migrationId, residual);
  const outcome = await settle(sink, stats.migrationId);
  if (outcome !== 'active' && outcome !== 'in-doubt') context.residuals.delete(stats.migrationId);
  // What the source does once the sink runs the task: forward, serve the post-copy pages, release.
  const depart = async (detail: string): Promise<void> => {
    node.recordDeparture(options.task, run.sinkName);
    node.forwardGates(run.gates, sink.address, run.sinkName);
    if (residual) await postcopy(run, context, residual);
    task.release();
    node.syncQueue(task.partition.name);
    run.event('released', detail);
  };
  if (outcome === 'in-doubt') {
    stats.status = 'in-doubt';
    stats.totalMs = round(performance.now() - run.t0);
    run.event('in-doubt', `${run.sinkName} does not answer after the commit; the task stays stopped here until it does`);
    keepResolving(run, depart, () => context.residuals.delete(stats.migrationId));
    throw new MigvisorError(
      `migration of ${options.task}: ${run.sinkName} did not confirm the commit; the task is held stopped on ${node.name} (state Committing) until ${run.sinkName} answers`,
      Code.UNAVAILABLE,
    );
  }
  if (outcome !== 'active') {
    node.restoreGateMessages(run.carried);
    task.cancelTransfer();
    run.event('resumed', `${run.sinkName} reports the migration ${outcome}`);
    throw new MigvisorError(`migration of ${options.task} to ${run.sinkName} was not committed (${outcome}); the task runs on ${node.name} again`, Code.ABORTED);
  }
  stats.downtimeMs = round(performance.now() - run.tStop);
  stats.resumeMs = stats.downtimeMs;
  await depart(`now on ${run.sinkName}`);
  stats.status = 'completed';
  stats.totalMs = round(performance.now() - run.t0);
  task.scrub();
  run.progress('done');
  return stats;
}

/** Stop-and-copy: stop, then every non-zero page. */
async function* fullChunks(run: Run): AsyncGenerator<RawChunk> {
  run.stop();
  const snap = run.snapshot();
  run.stats.pagesElided = snap.elided;
  for await (const p of containerChunks(run.task, snap, run.stats.compression)) {
    yield run.count(p.chunk, p.pagesSent, p.rawPageBytes, p.sentPageBytes, snap.pages.length);
  }
}

/** Post-copy: stop, then only registers, page map and queued messages. */
async function* lazyChunks(run: Run, sourceAddress: string): AsyncGenerator<RawChunk> {
  run.stop();
  // Zero pages are not looked for now (that would scan all memory while the task is
  // stopped): every present page is fetched or pushed later, zero pages without data.
  const snap = run.snapshot(null);
  const encoder = new ChunkEncoder();
  yield run.count(encoder.header({ ...snap.header, pagesToSend: 0, sourceAddress }), 0, 0, 0, 0);
  yield run.count(encoder.trailer(), 0, 0, 0, 0);
}

/**
 * Pre-copy: every present page while the travelers run; then the pages dirtied
 * meanwhile, round after round, until few enough are dirty or the rounds run out;
 * then stop, send the last dirty pages and the final state.
 */
async function* precopyChunks(run: Run): AsyncGenerator<RawChunk> {
  const { task, stats } = run;
  const space = task.space;
  const pt = space.pageTable;
  const stopPages = run.options.precopyStopPages ?? DEFAULT_PRECOPY_STOP_PAGES;
  const maxRounds = Math.max(1, run.options.precopyMaxRounds ?? DEFAULT_PRECOPY_MAX_ROUNDS);
  const encoder = new ChunkEncoder();
  let pagesSent = 0;
  // The header says who is coming; the travelers' state follows in the STATE chunk.
  const first = run.snapshot();
  yield run.count(encoder.header({ ...first.header, travelers: [], pagesToSend: 0 }), 0, 0, 0, 0);
  const zero = new Uint8Array(pt.pageCount);

  const prepare = (batch: readonly number[]): Promise<PreparedPages> => {
    const data: number[] = [];
    const zeros: number[] = [];
    for (const p of batch) {
      const z = space.isZeroPage(p);
      zero[p] = z ? 1 : 0;
      (z ? zeros : data).push(p);
    }
    return preparePages(space, data, stats.compression, zeros);
  };
  const sendPages = async function* (pages: readonly number[]): AsyncGenerator<RawChunk> {
    for await (const prepared of pipelined(slices(pages, BATCH_PAGES), prepare)) {
      pagesSent += prepared.pages;
      yield run.count(encoder.pageChunk(prepared), pagesSent, run.raw + prepared.raw, run.sent + prepared.payload.length, pt.pageCount);
    }
  };

  // Round 0: everything present; later rounds: what the travelers dirtied meanwhile.
  pt.clearDirty();
  let pages: number[] = [];
  for (let p = 0; p < pt.pageCount; p++) if (pt.isPresent(p)) pages.push(p);
  stats.rounds = 0;
  for (;;) {
    stats.rounds++;
    stats.pagesPerRound.push(pages.length);
    yield* sendPages(pages);
    pages = pt.dirtyPages();
    if (pages.length <= stopPages || stats.rounds >= maxRounds) break;
    pt.clearDirty();
    // Let the travelers run between rounds (the node's clock drives them).
    await new Promise((r) => setImmediate(r));
  }
  // Before stopping, let the sink work off what is still in flight, so the
  // downtime holds only the last dirty pages, not a backlog of earlier rounds.
  await caughtUp(run.sink, stats.migrationId, pagesSent);

  // Stop and copy the rest: everything dirtied since the last round was sent.
  run.stop();
  pages = pt.dirtyPages();
  pt.clearDirty();
  stats.finalDirtyPages = pages.length;
  stats.pagesPerRound.push(pages.length);
  stats.rounds++;
  yield* sendPages(pages);
  // Every present page was sent at least once, so which are zero is already known.
  const final = run.snapshot((p) => zero[p] === 1);
  stats.pagesElided = final.elided;
  yield run.count(encoder.state(final.header), pagesSent, run.raw, run.sent, pt.pageCount);
  yield run.count(encoder.trailer(), pagesSent, run.raw, run.sent, pt.pageCount);
}

/** Waits (bounded) until the sink has installed `pages` pages of this migration. */
async function caughtUp(sink: SinkPort, id: string, pages: number): Promise<void> {
  const until = performance.now() + CATCH_UP_MS;
  while (performance.now() < until) {
    const q = await sink.query(id, COMMIT_DEADLINE_MS).catch(() => undefined);
    if (!q || q.outcome !== 'receiving' || q.pagesReceived >= pages) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** After a post-copy commit: serve faults and push the rest until the sink has every page. */
async function postcopy(run: Run, context: SourceContext, residual: PostcopySource): Promise<void> {
  const { stats } = run;
  run.event('postcopy', `${residual.remaining} page(s) to deliver to ${run.sinkName}`);
  run.progress('postcopy', residual.remaining);
  const tResume = performance.now();
  try {
    const metadata = new grpc.Metadata();
    metadata.set('migration-id', stats.migrationId);
    const reply = await run.sink.pushPages(residual.push(), Math.max(5000, run.options.deadlineMs), metadata);
    if (reply.missing > 0) throw new MigvisorError(`${run.sinkName} still lacks ${reply.missing} page(s) after the push`);
    run.event('residual-dropped', `${run.sinkName} holds every page (${residual.faultsServed} fault(s) served)`);
  } catch (e: unknown) {
    // The task runs on the sink: it cannot come back. Report the broken dependency.
    run.event('residual-lost', `pushing pages to ${run.sinkName} failed: ${describe(e)}`);
    stats.error = `post-copy push failed: ${describe(e)}`;
  } finally {
    context.residuals.delete(stats.migrationId);
  }
  stats.residualMs = round(performance.now() - tResume);
  stats.lazyFaultsServed = residual.faultsServed;
  stats.bytes += residual.bytes;
  stats.compressionRatio = residual.bytes > 0 ? round(residual.raw / residual.bytes) : 1;
  stats.pagesSent = residual.pagesPushed + residual.pagesFetched;
  stats.pagesPerRound = [stats.pagesSent];
}

async function negotiate(node: Node, task: MigTask, sink: SinkPort, sinkName: string, options: MigrateOptions): Promise<Compression> {
  let info;
  try {
    info = await sink.info(task.partition.name, INFO_DEADLINE_MS);
  } catch (e: unknown) {
    throw new MigvisorError(`cannot reach sink ${sinkName}: ${describe(e)}`, Code.UNAVAILABLE, { cause: e });
  }
  const theirs = info.compression.map((e) => COMPRESSION_OF[e] ?? 'none');
  if (info.archive) {
    // The middleware stores tasks of any partition; the node that restores one checks it.
    if (options.mode === 'lazy') throw new MigrationRefused(`${info.node || sinkName} archives full or pre-copy migrations, not post-copy ones`);
    return chooseCompression(options.compression, node.def.compression, theirs, info.node || sinkName);
  }
  const cpu = node.def.cpu;
  const reason = incompatibility(
    {
      node: node.name,
      word: cpu.word,
      endian: cpu.endian,
      pageSize: cpu.pageSize,
      partition: task.partition.name,
      settings: task.partition.settings,
      fingerprint: task.partition.fingerprint,
      migratable: true,
    },
    {
      node: info.node || sinkName,
      word: info.wordSize,
      endian: info.endian === 'ENDIAN_BIG' ? 'big' : 'little',
      pageSize: info.pageSize,
      partition: task.partition.name,
      settings: parseSettings(info.partitionSettingsJson),
      fingerprint: info.fingerprint,
      migratable: info.migratable,
    },
  );
  if (reason) throw new MigrationRefused(reason);
  if (info.state !== 'MigSink' || info.freeSlots === 0) {
    throw new MigrationRefused(`${info.node || sinkName} has no MigSink slot free in partition ${task.partition.name} (it is ${info.state || 'unavailable'})`);
  }
  if (info.slotBytes < task.space.size) {
    throw new MigrationRefused(`${info.node || sinkName} has ${info.slotBytes} bytes for the task, it needs ${task.space.size}`);
  }
  return chooseCompression(options.compression, node.def.compression, theirs, info.node || sinkName);
}

/** Commits, and if the reply is lost, asks the sink what became of the migration. */
async function settle(sink: SinkPort, id: string): Promise<'active' | 'aborted' | 'unknown' | 'in-doubt'> {
  for (let attempt = 0; attempt < RESOLVE_ATTEMPTS; attempt++) {
    try {
      await sink.commit(id, COMMIT_DEADLINE_MS);
      return 'active';
    } catch (e: unknown) {
      // The sink refused the commit outright: it aborted (e.g. staging timed out).
      if (e instanceof MigvisorError && e.code === Code.FAILED_PRECONDITION) {
        const q = await sink.query(id, COMMIT_DEADLINE_MS).catch(() => undefined);
        if (q?.outcome === 'active') return 'active';
        return q?.outcome === 'unknown' ? 'unknown' : 'aborted';
      }
    }
    try {
      const q = await sink.query(id, COMMIT_DEADLINE_MS);
      if (q.outcome === 'active') return 'active';
      if (q.outcome === 'aborted' || q.outcome === 'unknown') return q.outcome;
      // staged or receiving: the commit did not arrive; send it again
    } catch {
      // no answer: wait and ask again
    }
    await new Promise((r) => setTimeout(r, RESOLVE_INTERVAL_MS));
  }
  return 'in-doubt';
}

/** In doubt after the commit: keep asking in the background, then depart or resume. */
function keepResolving(run: Run, depart: (detail: string) => Promise<void>, abandon: () => void): void {
  const { node, task, sink, sinkName } = run;
  const id = run.stats.migrationId;
  const retry = async (): Promise<void> => {
    const outcome = await settle(sink, id);
    if (task.state !== 'Committing') return;
    if (outcome === 'in-doubt') {
      setTimeout(() => void retry(), 5_000).unref();
      return;
    }
    if (outcome === 'active') {
      await depart(`${sinkName} confirmed the task runs there`);
      task.scrub();
      return;
    }
    // The messages taken at the stop never reached the sink: they go back in front.
    abandon();
    node.restoreGateMessages(run.carried);
    task.cancelTransfer();
    node.syncQueue(task.partition.name);
    run.event('resumed', `${sinkName} reports the migration ${outcome}`);
  };
  void retry();
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function codeOf(e: unknown): Code {
  return e instanceof MigvisorError ? e.code : Code.UNAVAILABLE;
}
