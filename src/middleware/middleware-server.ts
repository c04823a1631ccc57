/**
 * The middleware's gRPC server: the Middleware service (park, restore, list,
 * inspect, delete, move, evacuate, where), the sink half of the MigTask command
 * channel (so nodes can StopAndTransfer into the archive), Diagnostics (so a
 * node can probe its link to the archive before it predicts a park), health
 * checking and server reflection.
 */
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
  unaryHandler,
  wire,
  wireEnum,
  type CompressionChoice,
  type MigrationMode,
} from '../common/index.ts';
import type { ClusterHandlers } from '../generated/migvisor/v1/Cluster.ts';
import type { MigrationStats__Output } from '../generated/migvisor/v1/MigrationStats.ts';
import type { MiddlewareHandlers } from '../generated/migvisor/v1/Middleware.ts';
import type { MigTaskHandlers } from '../generated/migvisor/v1/MigTask.ts';
import type { SnapshotInfo } from '../generated/migvisor/v1/SnapshotInfo.ts';
import type { EvacuateResponse } from '../generated/migvisor/v1/EvacuateResponse.ts';
import type { EvacuateStatus__Output } from '../generated/migvisor/v1/EvacuateStatus.ts';
import type { LocationState__Output } from '../generated/migvisor/v1/LocationState.ts';
import type { SnapshotState__Output } from '../generated/migvisor/v1/SnapshotState.ts';
import { diagnosticsHandlers, type Membership } from '../hypervisor/index.ts';
import { MAX_STREAMS, openedStream, OUTCOME_WIRE, rawChunks, RemoteSink } from '../migtask/index.ts';
import { ArchiveSink } from './archive-sink.ts';
import { Orchestrator, type EvacuateEvent, type NodeBook } from './orchestrator.ts';
import { checkChunk, restoreSnapshot } from './restore.ts';
import type { Manifest, SnapshotStore } from './store.ts';

const SERVICES = ['migvisor.v1.Middleware', 'migvisor.v1.MigTask', 'migvisor.v1.Cluster', 'migvisor.v1.Diagnostics'];
/** Snapshots per page of List, by default. */
const LIST_PAGE = 100;

/** Manifest states ↔ SNAPSHOT_STATE_*. */
const SNAPSHOT_STATE_WIRE = wireEnum<Manifest['state'], SnapshotState__Output>('SNAPSHOT_STATE_', ['parked', 'restored']);
/** Where a task is ↔ LOCATION_STATE_*. */
const LOCATION_STATE_WIRE = wireEnum<'unknown' | 'running' | 'parked', LocationState__Output>('LOCATION_STATE_', ['unknown', 'running', 'parked']);
/** What became of an evacuated task ↔ EVACUATE_STATUS_*. */
const EVACUATE_STATUS_WIRE = wireEnum<EvacuateEvent['status'], EvacuateStatus__Output>('EVACUATE_STATUS_', ['moved', 'refused', 'failed']);

function labelsOf(list: readonly { key: string; value: string }[]): Record<string, string> {
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
  };
}

/** The middleware process's gRPC edge: archive (park, restore, list, inspect, delete) and orchestration (move, evacuate, where). */
export class MiddlewareServer {
  /** The grpc-js server. */
  readonly server: grpc.Server;
  /** The MigSink role: parks. */
  readonly archive: ArchiveSink;
  /** Moves and evacuations. */
  readonly orchestrator: Orchestrator;
  private readonly host = new ServiceHost(SERVICES);

  constructor(
    readonly store: SnapshotStore,
    readonly nodes: NodeBook,
    /** Who is in the cluster (ListNodes). */
    private readonly membership?: Membership,
  ) {
    this.server = this.host.server;
    this.archive = new ArchiveSink(store);
    this.archive.onParked = async (m) =>
      store.setLocation(m.taskId, { node: '', address: '', state: 'parked', snapshot: m.id, updatedUnixMs: Date.now() });
    this.orchestrator = new Orchestrator(store, nodes, `middleware@${hostname()}:${process.pid}`);
    const w = wire();
    this.server.addService(w.Middleware.service, this.middlewareHandlers());
    this.server.addService(w.MigTask.service, this.sinkHandlers());
    this.server.addService(w.Diagnostics.service, diagnosticsHandlers());
    this.server.addService(w.Cluster.service, {
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
    return this.host.listen(address);
  }

  /** Orderly stop, then closes the store. */
  async shutdown(graceMs = 2000): Promise<void> {
    await this.host.shutdown(graceMs, () => this.archive.close());
    await this.store.close();
  }

  /** A snapshot by id or unique id prefix. */
  private async manifest(ref: string | undefined): Promise<Manifest> {
    const id = requiredName(ref, 'snapshot_id');
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
      Info: unaryHandler(() => ({
        node: 'middleware',
        archive: true,
        compression: COMPRESSIONS.map(compressionToWire),
        maxStreams: MAX_STREAMS,
        // No slot_bytes: the archive has no per-task limit.
        slot: { state: 'MIG_STATE_MIG_SINK', freeSlots: 1, acceptedCommands: ['COMMAND_INFO', 'COMMAND_RECEIVE'] },
      })),
      Receive: clientStreamHandler(async (requests) => {
        const r = await this.archive.receive(rawChunks(requests));
        return { migrationId: r.migrationId, taskId: r.taskId, slot: r.snapshot, state: 'MIG_STATE_STAGED', pages: r.pages, bytes: r.bytes };
      }),
      ReceiveStream: clientStreamHandler(async (requests) => {
        const { migrationId, stream, chunks } = await openedStream(requests);
        const t = await this.archive.receiveStream(migrationId, stream, chunks);
        return { migrationId, stream, pages: t.pages, bytes: t.bytes };
      }),
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
      FetchPages: refuse('FetchPages'),
      CancelMigration: refuse('CancelMigration'),
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

  private middlewareHandlers(): MiddlewareHandlers {
    return {
      Park: serverStreamHandler(async (r, out) => {
        const taskId = requiredName(r.taskId, 'task_id');
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
        await out.send({ phase: 'MIGRATION_PHASE_DONE', snapshot: snapshotInfo(await this.manifest(snapshot)), stats });
      }),
      Restore: serverStreamHandler(async (r, out) => {
        const m = await this.manifest(r.snapshotId);
        const node = this.nodes.resolve(requiredName(r.node, 'node'));
        if (m.state === 'restored' && !r.asCopy) {
          throw new MigvisorError(
            `snapshot ${m.id} was restored to ${m.restoredTo} already (task ${m.taskId} runs there); restore it as a copy to start another one under a new id`,
            Code.FAILED_PRECONDITION,
          );
        }
        const sink = new RemoteSink(node.address);
        try {
          const res = await restoreSnapshot(this.store, m, sink, node.name, {
            asCopy: r.asCopy,
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
          await out.send({ phase: 'MIGRATION_PHASE_DONE', snapshot: snapshotInfo(m), taskId: res.taskId, slot: res.slot, pagesDone: res.pages, pagesTotal: res.pages });
        } finally {
          sink.close();
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
        const problems: string[] = [];
        for (let i = 0; i < m.pages.length; i += 256) {
          const batch = m.pages.slice(i, i + 256);
          // Read the batch at once; if that fails, chunk by chunk, so every problem is named.
          const data = await this.store.getMany(batch.map(([, h]) => h)).catch(() => undefined);
          for (const [k, [pg, hash]] of batch.entries()) {
            try {
              checkChunk(m, pg, hash, data?.[k] ?? (await this.store.get(hash)));
            } catch (e: unknown) {
              problems.push(describeError(e));
            }
          }
        }
        return { snapshot: snapshotInfo(m), verified: problems.length === 0, problems };
      }),
      Delete: unaryHandler(async (r) => {
        const m = await this.manifest(r.snapshotId);
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
        });
        await out.send({ progress: { phase: 'MIGRATION_PHASE_DONE', pagesSent: stats.pagesSent, pagesTotal: stats.pagesSent }, stats });
      }),
      Evacuate: serverStreamHandler((r) => this.evacuate(requiredName(r.node, 'node'), enumField(MIGRATION_MODE_WIRE, r.mode, 'mode', 'full'))),
      Where: unaryHandler(async (r) => {
        const taskId = requiredName(r.taskId, 'task_id');
        const loc = await this.orchestrator.where(taskId);
        return { taskId, node: loc?.node ?? '', address: loc?.address ?? '', state: LOCATION_STATE_WIRE.toWire(loc?.state ?? 'unknown'), snapshotId: loc?.snapshot ?? '' };
      }),
    };
  }
}
