/**
 * The middleware's gRPC server: the Middleware service (park, restore, list,
 * inspect, delete, move, evacuate, where), the sink half of the MigTask command
 * channel (so nodes can StopAndTransfer into the archive), Diagnostics (so a
 * node can probe its link to the archive before it predicts a park), health
 * checking and server reflection.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type * as grpc from '@grpc/grpc-js';
import {
  clientStreamHandler,
  Code,
  COMPRESSION_WIRE,
  COMPRESSIONS,
  compressionToWire,
  describeError,
  endianToWire,
  enumField,
  IllegalStateError,
  InvalidArgumentError,
  MIGRATION_MODE_WIRE,
  migTaskClient,
  MigvisorError,
  name,
  NotFoundError,
  optionalInt,
  page,
  requiredName,
  serverStream,
  serverStreamHandler,
  ServiceHost,
  StreamGuard,
  inboundStreamLimits,
  unaryHandler,
  wire,
  wireEnum,
  type CompressionChoice,
  type InboundStreamLimits,
  type MigrationMode,
  type StreamOut,
} from '../common/index.ts';
import type { ClusterHandlers } from '../generated/migvisor/v1/Cluster.ts';
import type { MigrationStats__Output } from '../generated/migvisor/v1/MigrationStats.ts';
import type { MiddlewareHandlers } from '../generated/migvisor/v1/Middleware.ts';
import type { ParkRequest__Output } from '../generated/migvisor/v1/ParkRequest.ts';
import type { ParkResponse } from '../generated/migvisor/v1/ParkResponse.ts';
import type { RestoreRequest__Output } from '../generated/migvisor/v1/RestoreRequest.ts';
import type { RestoreResponse } from '../generated/migvisor/v1/RestoreResponse.ts';
import type { MigTaskHandlers } from '../generated/migvisor/v1/MigTask.ts';
import type { SnapshotInfo } from '../generated/migvisor/v1/SnapshotInfo.ts';
import type { EvacuateResponse } from '../generated/migvisor/v1/EvacuateResponse.ts';
import type { EvacuateStatus__Output } from '../generated/migvisor/v1/EvacuateStatus.ts';
import type { LocationState__Output } from '../generated/migvisor/v1/LocationState.ts';
import type { SnapshotState__Output } from '../generated/migvisor/v1/SnapshotState.ts';
import { diagnosticsHandlers, type Membership } from '../hypervisor/index.ts';
import { CONTAINER_MODE_WIRE, MAX_STREAMS, openedStream, OUTCOME_WIRE, rawChunks, RemoteSink, toWireChunk, wrapChunks } from '../migtask/index.ts';
import type { RetentionRule } from '../config/index.ts';
import { ArchiveKeys } from './archive-codec.ts';
import { ArchiveSink } from './archive-sink.ts';
import { ChunkWorkers, DEFAULT_WORKERS } from './chunk-workers.ts';
import { lazyRestoreSnapshot, type SnapshotResidual } from './lazy-restore.ts';
import { Orchestrator, type EvacuateEvent, type NodeBook } from './orchestrator.ts';
import { planPrune } from './retention.ts';
import { checkChunk, restoreSnapshot, snapshotChunks, storedHeader } from './restore.ts';
import { MAX_SNAPSHOT_ID_LENGTH, type Manifest, type SnapshotStore } from './store.ts';

const SERVICES = ['migvisor.v1.Middleware', 'migvisor.v1.MigTask', 'migvisor.v1.Cluster', 'migvisor.v1.Diagnostics'];
/** Snapshots per page of List, by default. */
const LIST_PAGE = 100;
/** Most pages one FetchPages may ask for (as on a node). */
const MAX_FETCH_PAGES = 1024;

/** What a middleware runs with besides its store. */
export interface MiddlewareOptions {
  /** The archive key (encryption at rest); none: chunks stay plain. Call `keys.init` with the stored manifests before serving. */
  readonly keys?: ArchiveKeys;
  /** Pause between batches a lazy restore pushes (ms). @default 0 */
  readonly pushPaceMs?: number;
  /** How long a lazily restored task's node waits for this middleware (postcopy-paused) before its missing pages count as lost, ms; 0: the node's default (30000). */
  readonly lazyRecoverMs?: number;
  /** Worker threads that seal and open chunks (chunk-workers.ts); 0: all on the main thread. @default DEFAULT_WORKERS (1 on 2 cores, else 2) */
  readonly chunkWorkers?: number;
}

/** Manifest states ↔ SNAPSHOT_STATE_*. */
const SNAPSHOT_STATE_WIRE = wireEnum<Manifest['state'], SnapshotState__Output>('SNAPSHOT_STATE_', ['parked', 'restored']);
/** Where a task is ↔ LOCATION_STATE_*. */
const LOCATION_STATE_WIRE = wireEnum<'unknown' | 'running' | 'parked', LocationState__Output>('LOCATION_STATE_', ['unknown', 'running', 'parked']);
/** What became of an evacuated task ↔ EVACUATE_STATUS_*. */
const EVACUATE_STATUS_WIRE = wireEnum<EvacuateEvent['status'], EvacuateStatus__Output>('EVACUATE_STATUS_', ['moved', 'refused', 'failed']);

/** Most labels a snapshot carries (keys of 64 characters, values of 256 at most): its catalog entry stays small, and a page of the list far below a message's limit. */
export const MAX_LABELS = 32;

function labelsOf(list: readonly { key: string; value: string }[]): Record<string, string> {
  if (list.length > MAX_LABELS) throw new InvalidArgumentError(`labels: at most ${MAX_LABELS}, got ${list.length}`);
  const out: Record<string, string> = {};
  list.forEach((l, i) => {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(l.key)) throw new InvalidArgumentError(`labels[${i}].key: letters, digits, '_', '.' or '-' (1..64), got ${JSON.stringify(l.key.slice(0, 80))}`);
    out[l.key] = name(l.value, `labels[${i}].value`);
  });
  return out;
}

/** A compression a request names (UNSPECIFIED: auto). */
function compressionChoice(value: unknown, field: string): CompressionChoice {
  if (value === undefined || value === null || value === 'COMPRESSION_UNSPECIFIED' || value === 0) return 'auto';
  return enumField(COMPRESSION_WIRE, value, field);
}

/** A manifest as the wire SnapshotInfo. */
export function snapshotInfo(m: Manifest): SnapshotInfo {
  return {
    id: m.id,
    taskId: m.taskId,
    program: m.program,
    sourceNode: m.sourceNode,
    partition: m.partition,
    fingerprint: m.fingerprint,
    wordSize: m.wordSize,
    endian: endianToWire(m.endian),
    labels: Object.entries(m.labels).map(([key, value]) => ({ key, value })),
    createdUnixMs: m.createdUnixMs,
    memoryBytes: m.pageCount * m.pageSize,
    storedPages: m.pages.length,
    newBytes: m.newBytes,
    sharedBytes: m.sharedBytes,
    state: SNAPSHOT_STATE_WIRE.toWire(m.state),
    restoredTo: m.restoredTo,
    travelers: m.travelers,
    pinned: m.pinned === true,
    sealed: m.sealed !== undefined,
    cipher: m.sealed?.cipher ?? '',
    keyId: m.sealed?.keyId ?? '',
  };
}

/** Who watches the archive (the middleware's metrics and log); every method is optional. */
export interface ArchiveObserver {
  /** A park stored snapshot `m`. */
  parked?(m: Manifest): void;
  /** A park of `taskId` failed (the task runs on where it was). */
  parkFailed?(taskId: string, error: unknown): void;
  /** Snapshot `m` was restored as task `taskId` on node `node`. */
  restored?(m: Manifest, node: string, taskId: string): void;
  /** A restore of snapshot `snapshot` failed. */
  restoreFailed?(snapshot: string, error: unknown): void;
}

/** How a middleware runs. */
export interface MiddlewareOptions {
  /** A park's commit window: staged and not made durable within it, it is discarded (ms). @default 30000 */
  readonly stagingTimeoutMs?: number;
  /** The largest page the archive takes as one chunk, below the store's own limit (bytes). */
  readonly maxChunkBytes?: number;
  /** What Prune releases (the cluster file's middleware.retention). */
  readonly retention?: readonly RetentionRule[];
  /** The budget and idle timeout of the inbound client streams. */
  readonly streams?: Partial<InboundStreamLimits>;
}

/** The middleware process's gRPC edge: archive (park, restore, list, inspect, delete) and orchestration (move, evacuate, where). */
export class MiddlewareServer {
  /** The grpc-js server. */
  readonly server: grpc.Server;
  /** The MigSink role: parks. */
  readonly archive: ArchiveSink;
  /** Moves and evacuations. */
  readonly orchestrator: Orchestrator;
  /** Told of every park and restore, done or failed. */
  readonly observers = new Set<ArchiveObserver>();
  /** The archive key and the data keys of stored snapshots. */
  readonly keys: ArchiveKeys;
  /** Worker threads that name, seal and open chunks of parks and restores (ended by shutdown). */
  readonly workers: ChunkWorkers;
  /** Lazy restores whose pages this middleware still serves, by migration id. */
  readonly residuals = new Map<string, SnapshotResidual>();
  private readonly host = new ServiceHost(SERVICES);
  /** The budget and idle timeout of the inbound client streams. */
  readonly streams: StreamGuard;
  private readonly retention: readonly RetentionRule[];
  private readonly pushPaceMs: number;
  private readonly lazyRecoverMs: number;

  constructor(
    readonly store: SnapshotStore,
    readonly nodes: NodeBook,
    /** Who is in the cluster (ListNodes). */
    private readonly membership?: Membership,
    options: MiddlewareOptions = {},
  ) {
    this.streams = new StreamGuard(inboundStreamLimits(options.streams));
    this.server = this.host.server;
    this.keys = options.keys ?? new ArchiveKeys(undefined);
    this.pushPaceMs = options.pushPaceMs ?? 0;
    this.lazyRecoverMs = options.lazyRecoverMs ?? 0;
    this.archive = new ArchiveSink(store, options.stagingTimeoutMs, undefined, options.maxChunkBytes);
    this.archive.codec = this.keys.forParks;
    this.workers = new ChunkWorkers(options.chunkWorkers ?? DEFAULT_WORKERS);
    this.archive.workers = this.workers;
    this.retention = options.retention ?? [];
    this.archive.onParked = async (m) =>
      store.setLocation(m.taskId, { node: '', address: '', state: 'parked', snapshot: m.id, updatedUnixMs: Date.now() });
    this.orchestrator = new Orchestrator(store, nodes, `middleware@${hostname()}:${process.pid}`);
    const w = wire();
    this.host.addService(w.Middleware.service, this.middlewareHandlers());
    this.host.addService(w.MigTask.service, this.sinkHandlers());
    this.host.addService(w.Diagnostics.service, diagnosticsHandlers(this.streams));
    this.host.addService(w.Cluster.service, {
      ListNodes: unaryHandler(async () =>
        this.membership ? this.membership.list({ name: 'middleware', address: this.address }) : { nodes: [], middleware: this.address, middlewareState: 'MEMBER_STATE_SERVING' },
      ),
    } satisfies ClusterHandlers);
  }

  /** The bound host:port ('' until listening). */
  get address(): string {
    return this.host.address;
  }

  /** Binds and serves; resolves with the bound host:port. */
  listen(address: string): Promise<string> {
    this.workers.warm();
    return this.host.listen(address);
  }

  /** Orderly stop, then ends the chunk workers and closes the store. */
  async shutdown(graceMs = 2000): Promise<void> {
    try {
      await this.host.shutdown(graceMs, () => this.archive.close());
    } finally {
      await this.workers.close();
    }
    await this.store.close();
  }

  /** A snapshot by id or unique id prefix. */
  private async manifest(ref: string | undefined): Promise<Manifest> {
    const id = requiredName(ref, 'snapshot_id');
    if (id.length > MAX_SNAPSHOT_ID_LENGTH) throw new InvalidArgumentError(`snapshot_id: at most ${MAX_SNAPSHOT_ID_LENGTH} characters, got ${id.length}`);
    const exact = /^[A-Za-z0-9_.-]+$/.test(id) ? await this.store.getManifest(id) : undefined;
    if (exact) return exact;
    const matches = (await this.store.listManifests()).filter((m) => m.id.startsWith(id));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new InvalidArgumentError(`snapshot_id: ${id} is ambiguous: ${matches.map((m) => m.id).join(', ')}`);
    throw new NotFoundError('snapshot', id, `in ${this.store.uri}`);
  }

  /** The sink half of the command channel: the archive takes tasks like a MigSink slot. */
  private sinkHandlers(): MigTaskHandlers {
    const noTasks = (command: string): IllegalStateError => new IllegalStateError('archive', command, 'the middleware stores tasks, it does not run them');
    const refuse = (command: string) =>
      unaryHandler(() => {
        throw noTasks(command);
      });
    return {
      Info: unaryHandler((r) => {
        // The archive has one kind of slot, a free MigSink one for any partition: no task runs here, no slot has a name.
        if (r.target === 'taskId') throw new NotFoundError('task', r.taskId ?? '', 'on the middleware (it stores tasks, it does not run them: see `migvisor snapshot list`)');
        if (r.target === 'slot') throw new NotFoundError('slot', r.slot ?? '', 'on the middleware (its only slots are free MigSink ones, asked for by partition)');
        return {
          node: 'middleware',
          archive: true,
          maxChunkBytes: this.archive.maxChunkBytes ?? 0,
          compression: COMPRESSIONS.map(compressionToWire),
          maxStreams: MAX_STREAMS,
          // No slot_bytes: the archive has no per-task limit.
          slot: { state: 'MIG_STATE_MIG_SINK', freeSlots: 1, acceptedCommands: ['COMMAND_INFO', 'COMMAND_RECEIVE'] },
        };
      }),
      Receive: clientStreamHandler(async (requests) => {
        const r = await this.archive.receive(rawChunks(requests));
        return { migrationId: r.migrationId, taskId: r.taskId, slot: r.snapshot, state: 'MIG_STATE_STAGED', pages: r.pages, bytes: r.bytes, commitWindowMs: r.commitWindowMs };
      }, this.streams),
      ReceiveStream: clientStreamHandler(async (requests) => {
        const { migrationId, stream, chunks } = await openedStream(requests);
        const t = await this.archive.receiveStream(migrationId, stream, chunks);
        return { migrationId, stream, pages: t.pages, bytes: t.bytes };
      }, this.streams),
      RecoverPostcopy: refuse('RecoverPostcopy'),
      Commit: unaryHandler(async (r) => {
        const c = await this.archive.commit(requiredName(r.migrationId, 'migration_id'));
        return { migrationId: r.migrationId, taskId: c.taskId, slot: c.snapshot };
      }),
      Abort: unaryHandler(async (r) => {
        const id = requiredName(r.migrationId, 'migration_id');
        return { migrationId: id, outcome: OUTCOME_WIRE.toWire(await this.archive.abort(id, name(r.reason, 'reason') || 'aborted by the source')) };
      }),
      QueryMigration: unaryHandler((r) => {
        const q = this.archive.query(requiredName(r.migrationId, 'migration_id'));
        return { migrationId: r.migrationId, outcome: OUTCOME_WIRE.toWire(q.outcome), taskId: q.taskId, slot: q.snapshot, detail: q.detail };
      }),
      Initialize: refuse('Initialize'),
      StopAndTransfer: serverStreamHandler(async () => {
        throw noTasks('StopAndTransfer');
      }),
      // A lazy restore's node faults pages in from here.
      FetchPages: unaryHandler(async (r) => {
        const id = requiredName(r.migrationId, 'migration_id');
        if (r.pages.length === 0 || r.pages.length > MAX_FETCH_PAGES) throw new InvalidArgumentError(`pages: 1..${MAX_FETCH_PAGES} page numbers, got ${r.pages.length}`);
        const residual = this.residuals.get(id);
        if (!residual) throw new NotFoundError('lazy restore', id, 'on the middleware');
        return { chunk: toWireChunk(await residual.fetch(r.pages)) };
      }),
      CancelMigration: refuse('CancelMigration'),
      SetMigration: refuse('SetMigration'),
      QueryMigrate: refuse('QueryMigrate'),
      MeasureDirtyRate: refuse('MeasureDirtyRate'),
      PredictMigration: refuse('PredictMigration'),
      PushPages: clientStreamHandler(async () => {
        throw noTasks('PushPages');
      }),
    };
  }

  private async *evacuate(node: string, mode: MigrationMode): AsyncGenerator<EvacuateResponse> {
    for await (const e of this.orchestrator.evacuate(node, mode)) {
      yield { taskId: e.task, to: e.to, status: EVACUATE_STATUS_WIRE.toWire(e.status), detail: e.detail, ...(e.stats ? { stats: e.stats } : {}) };
    }
  }

  /** Park: StopAndTransfer from the task's node into the archive; resolves with the stored snapshot. */
  private async park(taskId: string, r: ParkRequest__Output, out: StreamOut<ParkResponse>): Promise<Manifest> {
    const compression = compressionChoice(r.compression, 'compression');
    const node = this.nodes.resolve(requiredName(r.node, 'node'));
    this.archive.expectPark(taskId, labelsOf(r.labels));
    const c = migTaskClient(node.address);
    let stats: MigrationStats__Output | undefined;
    try {
      const s = c.StopAndTransfer({
        taskId,
        sink: this.address,
        sinkName: 'middleware',
        mode: 'MIGRATION_MODE_FULL',
        ...(compression !== 'auto' ? { compression: COMPRESSION_WIRE.toWire(compression) } : {}),
        ...(r.streams !== undefined && r.streams !== null ? { streams: optionalInt(r.streams, 'streams', 1, MAX_STREAMS, 2) } : {}),
      });
      for await (const m of serverStream(s, `park ${taskId}`)) {
        if (m.progress) out.offer({ phase: m.progress.phase, pagesDone: m.progress.pagesSent, pagesTotal: m.progress.pagesTotal });
        if (m.stats) stats = m.stats;
      }
    } finally {
      c.close();
    }
    const snapshot = stats ? this.archive.query(stats.migrationId).snapshot : '';
    if (!stats || !snapshot) throw new MigvisorError(`park of ${taskId} ended without a snapshot`, Code.INTERNAL);
    const m = await this.manifest(snapshot);
    await out.send({ phase: 'MIGRATION_PHASE_DONE', snapshot: snapshotInfo(m), stats });
    return m;
  }

  /** Where the task of snapshot `m` is besides it: a node it runs on, or another parked snapshot (undefined: nowhere else, or unknown). */
  private async elsewhere(m: Manifest): Promise<{ text: string; node: string } | undefined> {
    // The nodes first: a task loaded from a file (`migvisor load`) runs where the directory does not know it.
    const held = await this.orchestrator.heldOn(m.taskId);
    if (held) return { text: `runs on ${held.name}`, node: held.name };
    const loc = await this.orchestrator.where(m.taskId, m.id).catch(() => undefined);
    if (loc?.state === 'running') return { text: `runs on ${loc.node || loc.address}`, node: loc.node || loc.address };
    if (loc?.state === 'parked' && loc.snapshot) return { text: `is parked as snapshot ${loc.snapshot}`, node: '' };
    return undefined;
  }

  /** Restore: a snapshot into a free slot of a node; resolves with the snapshot, the node and the task's id. */
  private async restore(r: RestoreRequest__Output, out: StreamOut<RestoreResponse>): Promise<{ m: Manifest; node: string; taskId: string }> {
    const m = await this.manifest(r.snapshotId);
    const node = this.nodes.resolve(requiredName(r.node, 'node'));
    if (m.state === 'restored' && !r.asCopy) {
      throw new MigvisorError(
        `snapshot ${m.id} was restored to ${m.restoredTo} already (task ${m.taskId} runs there); restore it as a copy to start another one under a new id`,
        Code.FAILED_PRECONDITION,
      );
    }
    // A task runs in one place: a snapshot of a task that runs (or is parked) elsewhere starts only as a copy.
    if (!r.asCopy) {
      const other = await this.elsewhere(m);
      if (other) throw new MigvisorError(`snapshot ${m.id}: task ${m.taskId} ${other.text}; restore it as a copy to start another one under a new id`, Code.FAILED_PRECONDITION);
    }
    // A sealed snapshot this middleware cannot open is refused before the node is asked anything.
    const codec = this.keys.codecOf(m);
    const sink = new RemoteSink(node.address);
    const t0 = performance.now();
    try {
      if (r.lazy) {
        const lazy = await lazyRestoreSnapshot(this.store, m, sink, node.name, { asCopy: r.asCopy, codec, address: this.address, residuals: this.residuals, paceMs: this.pushPaceMs, recoverMs: this.lazyRecoverMs, workers: this.workers });
        // The task runs: say so first, then record it.
        if (!r.asCopy) {
          m.state = 'restored';
          m.restoredTo = node.name;
        }
        const info = snapshotInfo(m);
        // The pages follow whatever becomes of this call: the task runs on the node already.
        let pushed: Promise<void> | undefined;
        try {
          await out.send({ phase: 'MIGRATION_PHASE_POSTCOPY', taskId: lazy.taskId, slot: lazy.slot, pagesDone: 0, pagesTotal: lazy.pages, resumeMs: lazy.resumeMs, snapshot: info });
        } finally {
          // One turn of the event loop first: the reply goes out before the push and the manifest write take the CPU.
          await new Promise((r) => setImmediate(r));
          pushed = lazy.push();
          pushed.catch(() => undefined);
        }
        if (!r.asCopy) await this.store.putManifest(m);
        await this.store.setLocation(lazy.taskId, { node: node.name, address: node.address, state: 'running', snapshot: '', updatedUnixMs: Date.now() });
        await pushed;
        await out.send({
          phase: 'MIGRATION_PHASE_DONE',
          snapshot: info,
          taskId: lazy.taskId,
          slot: lazy.slot,
          pagesDone: lazy.pages,
          pagesTotal: lazy.pages,
          resumeMs: lazy.resumeMs,
          faultsServed: lazy.residual.faultsServed,
        });
        return { m, node: node.name, taskId: lazy.taskId };
      }
      const res = await restoreSnapshot(this.store, m, sink, node.name, {
        asCopy: r.asCopy,
        codec,
        workers: this.workers,
        // Pages move between processes on the same network; compressing costs more than it saves.
        compression: 'none',
        onPages: (done, total) => void out.offer({ phase: 'MIGRATION_PHASE_RESTORE', pagesDone: done, pagesTotal: total }),
      });
      if (!r.asCopy) {
        m.state = 'restored';
        m.restoredTo = node.name;
        await this.store.putManifest(m);
      }
      await this.store.setLocation(res.taskId, { node: node.name, address: node.address, state: 'running', snapshot: '', updatedUnixMs: Date.now() });
      await out.send({ phase: 'MIGRATION_PHASE_DONE', snapshot: snapshotInfo(m), taskId: res.taskId, slot: res.slot, pagesDone: res.pages, pagesTotal: res.pages, resumeMs: performance.now() - t0 });
      return { m, node: node.name, taskId: res.taskId };
    } finally {
      sink.close();
    }
  }

  private middlewareHandlers(): MiddlewareHandlers {
    return {
      Park: serverStreamHandler(async (r, out) => {
        const taskId = requiredName(r.taskId, 'task_id');
        try {
          const m = await this.park(taskId, r, out);
          for (const o of this.observers) o.parked?.(m);
        } catch (e: unknown) {
          for (const o of this.observers) o.parkFailed?.(taskId, e);
          throw e;
        }
      }),
      Restore: serverStreamHandler(async (r, out) => {
        try {
          const { m, node, taskId } = await this.restore(r, out);
          for (const o of this.observers) o.restored?.(m, node, taskId);
        } catch (e: unknown) {
          for (const o of this.observers) o.restoreFailed?.(r.snapshotId ?? '', e);
          throw e;
        }
      }),
      List: unaryHandler(async (r) => {
        const want = labelsOf(r.labels);
        const all = (await this.store.listManifests())
          .filter((m) => Object.entries(want).every(([k, v]) => m.labels[k] === v))
          .sort((a, b) => b.createdUnixMs - a.createdUnixMs || (a.id < b.id ? 1 : -1));
        const p = page(r.pageSize, r.pageToken, all.length, LIST_PAGE);
        const stats = await this.store.stats();
        return { snapshots: all.slice(p.start, p.end).map(snapshotInfo), storeBytes: stats.bytes, chunks: stats.chunks, store: this.store.uri, nextPageToken: p.nextToken, total: all.length };
      }),
      Inspect: unaryHandler(async (r) => {
        const m = await this.manifest(r.snapshotId);
        let codec;
        try {
          codec = this.keys.codecOf(m);
        } catch (e: unknown) {
          // Sealed under a key this middleware lacks: describe it, verify nothing.
          return { snapshot: snapshotInfo(m), verified: false, problems: [`cannot verify: ${describeError(e)}`] };
        }
        const problems: string[] = [];
        for (let i = 0; i < m.pages.length; i += 256) {
          const batch = m.pages.slice(i, i + 256);
          // Read the batch at once; if that fails, chunk by chunk, so every problem is named.
          const data = await this.store.getMany(batch.map(([, h]) => h)).catch(() => undefined);
          for (const [k, [pg, hash]] of batch.entries()) {
            try {
              checkChunk(m, pg, hash, data?.[k] ?? (await this.store.get(hash)), codec);
            } catch (e: unknown) {
              problems.push(describeError(e));
            }
          }
        }
        return { snapshot: snapshotInfo(m), verified: problems.length === 0, problems };
      }),
      Delete: unaryHandler(async (r) => {
        let m: Manifest;
        try {
          m = await this.manifest(r.snapshotId);
        } catch (e: unknown) {
          // A damaged manifest (DATA_LOSS) goes with force: nothing can restore it as it is.
          if (!r.force || !(e instanceof MigvisorError) || e.code !== Code.DATA_LOSS) throw e;
          const id = requiredName(r.snapshotId, 'snapshot_id');
          await this.store.deleteManifest(id);
          return { id, freedBytes: await this.store.gc() };
        }
        // Its chunks still feed a lazy restore: freeing them would lose that task's pages.
        const serving = [...this.residuals.values()].filter((x) => x.manifest.id === m.id);
        if (serving.length > 0) {
          throw new MigvisorError(
            `snapshot ${m.id} still feeds ${serving.length} lazy restore(s) (${serving.map((x) => `${x.taskId}: ${x.remaining} page(s) to push`).join(', ')}); delete it once they are done`,
            Code.FAILED_PRECONDITION,
          );
        }
        if (m.state === 'parked' && !r.force) {
          throw new MigvisorError(`snapshot ${m.id} holds the only copy of task ${m.taskId} (parked); set force to delete it anyway`, Code.FAILED_PRECONDITION);
        }
        await this.store.deleteManifest(m.id);
        if (m.state === 'parked') await this.store.setLocation(m.taskId, undefined);
        return { id: m.id, freedBytes: await this.store.gc() };
      }),
      Move: serverStreamHandler(async (r, out) => {
        const taskId = requiredName(r.taskId, 'task_id');
        const to = requiredName(r.to, 'to');
        const stats = await this.orchestrator.move(taskId, to, {
          ...(r.from ? { from: name(r.from, 'from') } : {}),
          mode: enumField(MIGRATION_MODE_WIRE, r.mode, 'mode', 'full'),
          compression: compressionChoice(r.compression, 'compression'),
          onProgress: (phase, done, total) => void out.offer({ progress: { phase: phase as never, pagesSent: done, pagesTotal: total } }),
          onWaiting: (reason) => void out.offer({ waiting: reason }),
        });
        await out.send({ progress: { phase: 'MIGRATION_PHASE_DONE', pagesSent: stats.pagesSent, pagesTotal: stats.pagesSent }, stats });
      }),
      Evacuate: serverStreamHandler((r) => this.evacuate(requiredName(r.node, 'node'), enumField(MIGRATION_MODE_WIRE, r.mode, 'mode', 'full'))),
      Pin: unaryHandler(async (r) => {
        const m = await this.manifest(r.snapshotId);
        m.pinned = r.pinned === true;
        await this.store.putManifest(m);
        return { snapshot: snapshotInfo(m) };
      }),
      Prune: unaryHandler(async (r) => {
        const plan = planPrune(await this.store.listManifests(), this.retention, Date.now());
        const released = plan.release.map(snapshotInfo);
        const base = { released, freedChunks: plan.freedChunks, sharedChunks: plan.sharedChunks, kept: plan.kept, dryRun: r.dryRun === true };
        if (r.dryRun) return { ...base, freedBytes: plan.freedBytes };
        for (const m of plan.release) await this.store.deleteManifest(m.id);
        return { ...base, freedBytes: plan.release.length > 0 ? await this.store.gc() : 0 };
      }),
      Export: serverStreamHandler(async (r, out) => {
        const m = await this.manifest(r.snapshotId);
        // A sealed snapshot this middleware cannot open is refused as restore refuses it (a wrong key is not damage).
        const codec = this.keys.codecOf(m);
        // A self-contained container, as a node's Save writes one: any node can Load it.
        const header = { ...storedHeader(m), migrationId: randomUUID(), mode: CONTAINER_MODE_WIRE.toWire('save') };
        for await (const wrapped of wrapChunks(snapshotChunks(this.store, m, header, 'none', undefined, codec, this.workers))) await out.send(wrapped);
      }),
      Import: clientStreamHandler(async (requests) => {
        const m = await this.archive.importContainer(rawChunks(requests));
        // The task of an imported file may run (or be parked) elsewhere: then this snapshot is not its only copy.
        const other = await this.elsewhere(m);
        if (other) {
          m.state = 'restored';
          m.restoredTo = other.node;
          await this.store.putManifest(m);
        }
        return { snapshot: snapshotInfo(m), newBytes: m.newBytes, deduplicatedBytes: m.sharedBytes };
      }, this.streams),
      Where: unaryHandler(async (r) => {
        const taskId = requiredName(r.taskId, 'task_id');
        const loc = await this.orchestrator.where(taskId);
        return { taskId, node: loc?.node ?? '', address: loc?.address ?? '', state: LOCATION_STATE_WIRE.toWire(loc?.state ?? 'unknown'), snapshotId: loc?.snapshot ?? '' };
      }),
    };
  }
}
