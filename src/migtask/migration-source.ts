/**
 * The source side of a migration (DESIGN.md, "Migration"):
 *
 * 1. negotiate: ask the sink's Info and refuse, before any traveler stops, with the
 *    exact reason (word size, byte order, page size, fingerprint, no MigSink slot,
 *    memory, compression);
 * 2. stop the travelers (the task enters Transferring; gates keep queuing);
 * 3. transfer the container to the sink's Receive, which stages and verifies it;
 * 4. commit (the source decides), the sink activates on Commit, the source releases.
 *
 * Until the commit the source can always resume the task where it stopped. After it,
 * a lost reply is settled by asking the sink (QueryMigration), never by guessing:
 * the task stays stopped here until the sink says it runs there (release) or that
 * it never will (resume).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Code, IllegalStateError, MigvisorError } from '../common/errors.ts';
import type { Node } from '../hypervisor/index.ts';
import { COMPRESSION_OF, type Compression, type RawChunk } from './container-codec.ts';
import { containerChunks, snapshotOf } from './container-snapshot.ts';
import { incompatibility, parseSettings } from './compatibility.ts';
import type { MigTask } from './mig-task.ts';
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
}

export interface MigrationProgress {
  readonly phase: 'negotiate' | 'stop' | 'transfer' | 'commit' | 'release' | 'done';
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
  error: string;
}

export const DEFAULT_DEADLINE_MS = 60_000;
const INFO_DEADLINE_MS = 5_000;
const COMMIT_DEADLINE_MS = 5_000;
/** How long to keep asking a sink that does not answer after the commit. */
const RESOLVE_ATTEMPTS = 10;
const RESOLVE_INTERVAL_MS = 500;

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

/**
 * Moves task `options.task` of `node` to `sink`. Resolves with statistics when the
 * task runs on the sink; rejects (with the task running here again) otherwise.
 */
export async function migrateTask(
  node: Node,
  sink: SinkPort,
  options: MigrateOptions,
  onProgress: (p: MigrationProgress) => void = () => {},
): Promise<MigrationStats> {
  const t0 = performance.now();
  const sinkName = options.sinkName ?? sink.address;
  const task = node.task(options.task);
  if (task.state !== 'MigSource') throw new IllegalStateError(task.state, 'StopAndTransfer');
  if (!task.partition.migratable) throw new MigrationRefused(`partition ${task.partition.name} is not a MigPartition`);
  if (options.mode !== 'full') throw new MigrationRefused(`mode ${options.mode} is not available in this build`);
  const stats: MigrationStats = {
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
    error: '',
  };

  // 1. Negotiate.
  onProgress({ phase: 'negotiate', bytesSent: 0, pagesSent: 0, pagesTotal: 0 });
  stats.compression = await negotiate(node, task, sink, sinkName, options);
  stats.setupMs = round(performance.now() - t0);

  // 2. Stop.
  task.beginTransfer();
  const tStop = performance.now();
  node.publish({ kind: 'migration', node: node.name, tick: node.tick, task: options.task, phase: 'stopped', detail: `to ${sinkName} (${options.mode})` });
  onProgress({ phase: 'stop', bytesSent: 0, pagesSent: 0, pagesTotal: 0 });

  // 3. Transfer.
  const snap = snapshotOf(task, { node: node.name, tick: node.tick, endian: node.def.cpu.endian, migrationId: stats.migrationId, mode: options.mode });
  stats.pagesElided = snap.elided;
  let raw = 0;
  let sent = 0;
  async function* chunks(): AsyncGenerator<RawChunk> {
    for await (const p of containerChunks(task, snap, stats.compression)) {
      stats.bytes += p.chunk.payload.length;
      stats.pagesSent = p.pagesSent;
      raw = p.rawPageBytes;
      sent = p.sentPageBytes;
      onProgress({ phase: 'transfer', bytesSent: stats.bytes, pagesSent: p.pagesSent, pagesTotal: snap.pages.length });
      yield p.chunk;
    }
  }
  try {
    const remaining = Math.max(1000, options.deadlineMs - (performance.now() - t0));
    await sink.receive(chunks(), remaining);
  } catch (e: unknown) {
    // Nothing was committed: tell the sink to drop what it has, and run again here.
    await sink.abort(stats.migrationId, 'transfer failed', 2000).catch(() => undefined);
    task.cancelTransfer();
    node.publish({ kind: 'migration', node: node.name, tick: node.tick, task: options.task, phase: 'resumed', detail: `transfer to ${sinkName} failed: ${describe(e)}` });
    throw new MigvisorError(`migration of ${options.task} to ${sinkName} failed during transfer; the task runs on ${node.name} again: ${describe(e)}`, codeOf(e), { cause: e });
  }
  stats.compressionRatio = sent > 0 ? round(raw / sent) : 1;
  stats.pagesPerRound = [stats.pagesSent];

  // 4. Commit, activate, release.
  onProgress({ phase: 'commit', bytesSent: stats.bytes, pagesSent: stats.pagesSent, pagesTotal: snap.pages.length });
  task.commitTransfer();
  const outcome = await settle(sink, stats.migrationId);
  if (outcome === 'active') {
    stats.downtimeMs = round(performance.now() - tStop);
    task.release();
    node.syncQueue(task.partition.name);
    node.recordDeparture(options.task, sinkName);
    node.publish({ kind: 'migration', node: node.name, tick: node.tick, task: options.task, phase: 'released', detail: `now on ${sinkName}` });
    stats.status = 'completed';
    stats.totalMs = round(performance.now() - t0);
    task.scrub();
    onProgress({ phase: 'done', bytesSent: stats.bytes, pagesSent: stats.pagesSent, pagesTotal: snap.pages.length });
    return stats;
  }
  if (outcome === 'in-doubt') {
    stats.status = 'in-doubt';
    stats.totalMs = round(performance.now() - t0);
    node.publish({ kind: 'migration', node: node.name, tick: node.tick, task: options.task, phase: 'in-doubt', detail: `${sinkName} does not answer after the commit; the task stays stopped here until it does` });
    keepResolving(node, task, sink, stats.migrationId, sinkName);
    throw new MigvisorError(
      `migration of ${options.task}: ${sinkName} did not confirm the commit; the task is held stopped on ${node.name} (state Committing) until ${sinkName} answers`,
      Code.UNAVAILABLE,
    );
  }
  task.cancelTransfer();
  node.publish({ kind: 'migration', node: node.name, tick: node.tick, task: options.task, phase: 'resumed', detail: `${sinkName} reports the migration ${outcome}` });
  throw new MigvisorError(`migration of ${options.task} to ${sinkName} was not committed (${outcome}); the task runs on ${node.name} again`, Code.ABORTED);
}

async function negotiate(node: Node, task: MigTask, sink: SinkPort, sinkName: string, options: MigrateOptions): Promise<Compression> {
  let info;
  try {
    info = await sink.info(task.partition.name, INFO_DEADLINE_MS);
  } catch (e: unknown) {
    throw new MigvisorError(`cannot reach sink ${sinkName}: ${describe(e)}`, Code.UNAVAILABLE, { cause: e });
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
  const theirs = info.compression.map((e) => COMPRESSION_OF[e] ?? 'none');
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

/** In doubt after the commit: keep asking in the background, then release or resume. */
function keepResolving(node: Node, task: MigTask, sink: SinkPort, id: string, sinkName: string): void {
  const retry = async (): Promise<void> => {
    const outcome = await settle(sink, id);
    if (task.state !== 'Committing') return;
    if (outcome === 'in-doubt') {
      setTimeout(() => void retry(), 5_000).unref();
      return;
    }
    const taskId = task.id ?? id;
    if (outcome === 'active') {
      task.release();
      task.scrub();
      node.recordDeparture(taskId, sinkName);
      node.publish({ kind: 'migration', node: node.name, tick: node.tick, task: taskId, phase: 'released', detail: `${sinkName} confirmed the task runs there` });
    } else {
      task.cancelTransfer();
      node.publish({ kind: 'migration', node: node.name, tick: node.tick, task: taskId, phase: 'resumed', detail: `${sinkName} reports the migration ${outcome}` });
    }
    node.syncQueue(task.partition.name);
    sink.close();
  };
  void retry();
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function codeOf(e: unknown): Code {
  return e instanceof MigvisorError ? e.code : Code.UNAVAILABLE;
}
