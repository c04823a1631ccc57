/**
 * The middleware's gRPC server: the Middleware service (park, restore, list,
 * inspect, delete, move, evacuate, where), the sink half of the MigTask command
 * channel (so nodes can StopAndTransfer into the archive), health checking and
 * server reflection.
 */
import { hostname } from 'node:os';
import type * as grpc from '@grpc/grpc-js';
import {
  clientStreamHandler,
  Code,
  COMPRESSIONS,
  compressionToWire,
  describeError,
  IllegalStateError,
  InvalidArgumentError,
  isOneOf,
  migTaskClient,
  MigvisorError,
  NotFoundError,
  serverStream,
  serverStreamHandler,
  ServiceHost,
  unaryHandler,
  wire,
} from '../common/index.ts';
import type { MigrationStats__Output } from '../generated/migvisor/v1/MigrationStats.ts';
import type { MiddlewareHandlers } from '../generated/migvisor/v1/Middleware.ts';
import type { MigTaskHandlers } from '../generated/migvisor/v1/MigTask.ts';
import type { SnapshotInfo } from '../generated/migvisor/v1/SnapshotInfo.ts';
import { rawChunks, RemoteSink } from '../migtask/index.ts';
import { ArchiveSink } from './archive-sink.ts';
import { Orchestrator, type NodeBook } from './orchestrator.ts';
import { checkChunk, restoreSnapshot } from './restore.ts';
import type { Manifest, SnapshotStore } from './store.ts';

const SERVICES = ['migvisor.v1.Middleware', 'migvisor.v1.MigTask'];

function labelsOf(list: readonly { key: string; value: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    if (!/^[A-Za-z0-9_.-]+$/.test(l.key)) throw new InvalidArgumentError(`label key must be letters, digits, '_', '.' or '-', got ${JSON.stringify(l.key)}`);
    out[l.key] = l.value;
  }
  return out;
}

/** A manifest as the wire SnapshotInfo. */
export function snapshotInfo(m: Manifest, extra: Partial<SnapshotInfo> = {}): SnapshotInfo {
  return {
    id: m.id,
    taskId: m.taskId,
    program: m.program,
    sourceNode: m.sourceNode,
    partition: m.partition,
    fingerprint: m.fingerprint,
    wordSize: m.wordSize,
    endian: m.endian,
    labels: Object.entries(m.labels).map(([key, value]) => ({ key, value })),
    createdUnixMs: m.createdUnixMs,
    memoryBytes: m.pageCount * m.pageSize,
    storedPages: m.pages.length,
    newBytes: m.newBytes,
    sharedBytes: m.sharedBytes,
    state: m.state,
    restoredTo: m.restoredTo,
    travelers: m.travelers,
    ...extra,
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
  ) {
    this.server = this.host.server;
    this.archive = new ArchiveSink(store);
    this.archive.onParked = async (m) =>
      store.setLocation(m.taskId, { node: '', address: '', state: 'parked', snapshot: m.id, updatedUnixMs: Date.now() });
    this.orchestrator = new Orchestrator(store, nodes, `middleware@${hostname()}:${process.pid}`);
    const w = wire();
    this.server.addService(w.Middleware.service, this.middlewareHandlers());
    this.server.addService(w.MigTask.service, this.sinkHandlers());
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
  private async manifest(ref: string): Promise<Manifest> {
    if (!ref) throw new InvalidArgumentError('a snapshot id is needed');
    const exact = /^[A-Za-z0-9_.-]+$/.test(ref) ? await this.store.getManifest(ref) : undefined;
    if (exact) return exact;
    const matches = (await this.store.listManifests()).filter((m) => m.id.startsWith(ref));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new InvalidArgumentError(`snapshot ${ref} is ambiguous: ${matches.map((m) => m.id).join(', ')}`);
    throw new NotFoundError('snapshot', ref, `in ${this.store.uri}`);
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
        state: 'MigSink',
        compression: COMPRESSIONS.map(compressionToWire),
        freeSlots: 1,
        slotBytes: Number.MAX_SAFE_INTEGER,
        acceptedCommands: ['Info', 'Receive'],
      })),
      Receive: clientStreamHandler(async (chunks) => {
        const r = await this.archive.receive(rawChunks(chunks));
        return { migrationId: r.migrationId, taskId: r.taskId, slot: r.snapshot, state: 'Staged', pages: r.pages, bytes: r.bytes };
      }),
      Commit: unaryHandler(async (r) => {
        const c = await this.archive.commit(r.migrationId);
        return { migrationId: r.migrationId, taskId: c.taskId, slot: c.snapshot, state: 'parked' };
      }),
      Abort: unaryHandler(async (r) => ({ migrationId: r.migrationId, outcome: await this.archive.abort(r.migrationId, r.reason || 'aborted by the source') })),
      QueryMigration: unaryHandler((r) => {
        const q = this.archive.query(r.migrationId);
        return { migrationId: r.migrationId, outcome: q.outcome, taskId: q.taskId, slot: q.snapshot, detail: q.detail };
      }),
      Initialize: refuse('Initialize'),
      StopAndTransfer: serverStreamHandler(async () => {
        throw noTasks('StopAndTransfer');
      }),
      FetchPages: refuse('FetchPages'),
      PushPages: clientStreamHandler(async () => {
        throw noTasks('PushPages');
      }),
    };
  }

  private middlewareHandlers(): MiddlewareHandlers {
    return {
      Park: serverStreamHandler(async (r, out) => {
        if (r.compression && !isOneOf(COMPRESSIONS, r.compression)) throw new InvalidArgumentError(`compression must be one of ${COMPRESSIONS.join(', ')}`);
        const node = this.nodes.resolve(r.node);
        this.archive.expectPark(r.task, labelsOf(r.labels));
        const c = migTaskClient(node.address);
        let stats: MigrationStats__Output | undefined;
        try {
          const s = c.StopAndTransfer({ task: r.task, sink: this.address, sinkName: 'middleware', mode: 'full', compression: r.compression || 'auto' });
          for await (const p of serverStream(s, `park ${r.task}`)) {
            out.offer({ phase: p.phase, pagesDone: p.pagesSent, pagesTotal: p.pagesTotal });
            if (p.stats) stats = p.stats;
          }
        } finally {
          c.close();
        }
        const snapshot = stats ? this.archive.query(stats.migrationId).snapshot : '';
        if (!stats || !snapshot) throw new MigvisorError(`park of ${r.task} ended without a snapshot`, Code.INTERNAL);
        await out.send({ phase: 'done', snapshot: snapshotInfo(await this.manifest(snapshot)), stats });
      }),
      Restore: serverStreamHandler(async (r, out) => {
        const m = await this.manifest(r.snapshot);
        if (m.state === 'restored' && !r.asCopy) {
          throw new MigvisorError(
            `snapshot ${m.id} was restored to ${m.restoredTo} already (task ${m.taskId} runs there); use --as-copy to start another copy under a new id`,
            Code.FAILED_PRECONDITION,
          );
        }
        const node = this.nodes.resolve(r.node);
        const sink = new RemoteSink(node.address);
        try {
          const res = await restoreSnapshot(this.store, m, sink, node.name, {
            asCopy: r.asCopy,
            // Pages move between processes on the same network; compressing costs more than it saves.
            compression: 'none',
            onPages: (done, total) => void out.offer({ phase: 'restore', pagesDone: done, pagesTotal: total }),
          });
          if (!r.asCopy) {
            m.state = 'restored';
            m.restoredTo = node.name;
            await this.store.putManifest(m);
          }
          await this.store.setLocation(res.taskId, { node: node.name, address: node.address, state: 'running', snapshot: '', updatedUnixMs: Date.now() });
          await out.send({ phase: 'done', snapshot: snapshotInfo(m), taskId: res.taskId, slot: res.slot, pagesDone: res.pages, pagesTotal: res.pages });
        } finally {
          sink.close();
        }
      }),
      List: unaryHandler(async (r) => {
        const want = labelsOf(r.labels);
        const all = await this.store.listManifests();
        const snapshots = all.filter((m) => Object.entries(want).every(([k, v]) => m.labels[k] === v)).map((m) => snapshotInfo(m));
        const stats = await this.store.stats();
        return { snapshots, storeBytes: stats.bytes, chunks: stats.chunks, store: this.store.uri };
      }),
      Inspect: unaryHandler(async (r) => {
        const m = await this.manifest(r.snapshot);
        const problems: string[] = [];
        for (let i = 0; i < m.pages.length; i += 256) {
          const batch = m.pages.slice(i, i + 256);
          // Read the batch at once; if that fails, chunk by chunk, so every problem is named.
          const data = await this.store.getMany(batch.map(([, h]) => h)).catch(() => undefined);
          for (const [k, [page, hash]] of batch.entries()) {
            try {
              checkChunk(m, page, hash, data?.[k] ?? (await this.store.get(hash)));
            } catch (e: unknown) {
              problems.push(describeError(e));
            }
          }
        }
        return snapshotInfo(m, { verified: problems.length === 0, problems });
      }),
      Delete: unaryHandler(async (r) => {
        const m = await this.manifest(r.snapshot);
        if (m.state === 'parked' && !r.force) {
          throw new MigvisorError(`snapshot ${m.id} holds the only copy of task ${m.taskId} (parked); delete it with --force`, Code.FAILED_PRECONDITION);
        }
        await this.store.deleteManifest(m.id);
        if (m.state === 'parked') await this.store.setLocation(m.taskId, undefined);
        return { id: m.id, freedBytes: await this.store.gc() };
      }),
      Move: serverStreamHandler(async (r, out) => {
        const stats = await this.orchestrator.move(r.task, r.to, {
          ...(r.from ? { from: r.from } : {}),
          mode: r.mode || 'full',
          compression: r.compression || 'auto',
          onProgress: (phase, done, total) => void out.offer({ phase, pagesSent: done, pagesTotal: total }),
        });
        await out.send({ phase: 'done', pagesSent: stats.pagesSent, pagesTotal: stats.pagesSent, stats });
      }),
      Evacuate: serverStreamHandler((r) => this.orchestrator.evacuate(r.node, r.mode || 'full')),
      Where: unaryHandler(async (r) => {
        const loc = await this.orchestrator.where(r.task);
        return { task: r.task, node: loc?.node ?? '', address: loc?.address ?? '', state: loc?.state ?? 'unknown', snapshot: loc?.snapshot ?? '' };
      }),
    };
  }
}
