/**
 * A node's gRPC server: the MigTask command channel, node control, cluster
 * membership and the Diagnostics baseline, beside health checking and
 * reflection (ServiceHost). Handlers only validate and translate: each request
 * is checked at the edge (INVALID_ARGUMENT or NOT_FOUND naming the field), then
 * becomes a call on the node and its migration state; domain values become wire
 * messages in node-wire.ts; every error leaves through the adapters' one mapping
 * to gRPC statuses.
 */
import type * as grpc from '@grpc/grpc-js';
import { filter } from 'rxjs';
import {
  bufferedIterable,
  clientStreamHandler,
  Code,
  COMPRESSION_WIRE,
  enumField,
  EVENT_KIND_WIRE,
  hostPort,
  inboundStreamLimits,
  InvalidArgumentError,
  isOneOf,
  MIGRATION_MODE_WIRE,
  MigvisorError,
  name,
  NotFoundError,
  optionalInt,
  page,
  requiredName,
  serverStreamHandler,
  ServiceHost,
  StreamGuard,
  unaryHandler,
  wire,
  type CompressionChoice,
  type InboundStreamLimits,
} from '../common/index.ts';
import { PARTITION_MODES } from '../config/index.ts';
import type { ClusterHandlers } from '../generated/migvisor/v1/Cluster.ts';
import type { Event } from '../generated/migvisor/v1/Event.ts';
import type { MigTaskHandlers } from '../generated/migvisor/v1/MigTask.ts';
import type { NodeControlHandlers } from '../generated/migvisor/v1/NodeControl.ts';
import type { TaskSummary } from '../generated/migvisor/v1/TaskSummary.ts';
import { assembleFor, checkObjectFor, decodeObject, isObjectFile } from '../machine/index.ts';
import {
  DEFAULT_DEADLINE_MS,
  DEFAULT_DIRTY_WINDOW_MS,
  DEFAULT_PRECOPY_MAX_ROUNDS,
  DEFAULT_PRECOPY_STOP_PAGES,
  DEFAULT_PROBE_BYTES,
  DEFAULT_STREAMS,
  MIG_STATE_WIRE,
  CANCEL_REASON_WIRE,
  MIGRATION_PHASE_WIRE,
  MAX_STREAMS,
  openedStream,
  OUTCOME_WIRE,
  rawChunk,
  rawChunks,
  toWireChunk,
  wrapChunks,
  type MigrateOptions,
  type MigTask,
  type RawChunk,
} from '../migtask/index.ts';
import { diagnosticsHandlers } from './diagnostics.ts';
import { controlOptions, migrationControlHandlers } from './migration-control-handlers.ts';
import { FORWARDED_BY } from './gate-forwarder.ts';
import { selfMember, type Membership } from './membership.ts';
import type { Node } from './node.ts';
import type { InfoTarget } from './node-info.ts';
import { toGapEvent, toInfoResponse, toTaskSummary, toWireEvent, toWireHmEntry, toWirePartitionState, toWirePrediction, toWireStats } from './node-wire.ts';
import { portPlanHandlers } from './port-plan-wire.ts';
import { taskInfo } from './task-info.ts';

const SERVICES = ['migvisor.v1.MigTask', 'migvisor.v1.NodeControl', 'migvisor.v1.Cluster', 'migvisor.v1.Diagnostics'];
/** Events buffered for one slow watcher before it is cut off. */
const MAX_WATCH_BACKLOG = 10_000;
/** Most pages one FetchPages may ask for. */
export const MAX_FETCH_PAGES = 1024;
/** Most bytes of pages (before compression) one FetchPages may ask for. */
export const MAX_FETCH_BYTES = 16 << 20;
/** Most Watch streams a node serves at once. */
export const MAX_WATCHERS = 64;
/** Default number of slots per page of Ps: all of them. */
const PS_PAGE_ALL = 1000;

/** A compression a request names (UNSPECIFIED: `fallback`). */
function compressionOf(value: unknown, field: string, fallback: CompressionChoice): CompressionChoice {
  if (value === undefined || value === null || value === 'COMPRESSION_UNSPECIFIED' || value === 0) return fallback;
  return enumField(COMPRESSION_WIRE, value, field);
}

/** The fields StopAndTransfer and PredictMigration share. */
interface MigrationRequest {
  readonly taskId?: string | null;
  readonly sink?: string | null;
  readonly mode?: unknown;
  readonly compression?: unknown;
  readonly sinkName?: string | null;
  readonly precopyStopPages?: number | null;
  readonly precopyMaxRounds?: number | null;
  readonly streams?: number | null;
  readonly postcopyRecoverMs?: number | null;
}

/** The sink and the options of a migration request, each field checked (INVALID_ARGUMENT naming it). */
function migrationRequest(r: MigrationRequest, deadlineMs: number): { sink: string; options: MigrateOptions } {
  const taskId = requiredName(r.taskId, 'task_id');
  const sink = hostPort(r.sink, 'sink');
  return {
    sink,
    options: {
      task: taskId,
      mode: enumField(MIGRATION_MODE_WIRE, r.mode, 'mode', 'full'),
      compression: compressionOf(r.compression, 'compression', 'auto'),
      deadlineMs,
      sinkName: name(r.sinkName, 'sink_name') || sink,
      precopyStopPages: optionalInt(r.precopyStopPages, 'precopy_stop_pages', 0, 1 << 30, DEFAULT_PRECOPY_STOP_PAGES),
      precopyMaxRounds: optionalInt(r.precopyMaxRounds, 'precopy_max_rounds', 1, 1000, DEFAULT_PRECOPY_MAX_ROUNDS),
      streams: optionalInt(r.streams, 'streams', 1, MAX_STREAMS, DEFAULT_STREAMS),
      ...(r.postcopyRecoverMs !== undefined && r.postcopyRecoverMs !== null ? { postcopyRecoverMs: optionalInt(r.postcopyRecoverMs, 'postcopy_recover_ms', 1, 3_600_000, 30_000) } : {}),
    },
  };
}

/** How a node server treats its inbound streams (defaults: README "## Limits"). */
export interface NodeServerOptions {
  readonly streams?: Partial<InboundStreamLimits>;
  /** Where the one-line notes on broken and idle streams go. @default stderr */
  readonly log?: (line: string) => void;
}

/** The gRPC edge of one node. */
export class NodeServer {
  /** The grpc-js server (services are added by the constructor). */
  readonly server: grpc.Server;
  private readonly host = new ServiceHost(SERVICES);
  /** Open Watch streams: ended first when the server stops. */
  private readonly watchers = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  /** The budget and idle timeout of the inbound client streams. */
  readonly streams: StreamGuard;

  constructor(
    readonly node: Node,
    /** Who else is in the cluster (ListNodes); without it, the node knows only itself. */
    private readonly membership?: Membership,
    options: NodeServerOptions = {},
  ) {
    this.streams = new StreamGuard(inboundStreamLimits(options.streams), options.log);
    this.server = this.host.server;
    const w = wire();
    this.host.addService(w.MigTask.service, this.migTaskHandlers());
    this.host.addService(w.NodeControl.service, this.nodeControlHandlers());
    this.host.addService(w.Cluster.service, this.clusterHandlers());
    this.host.addService(w.Diagnostics.service, diagnosticsHandlers(this.streams));
  }

  /** This node's bound host:port ('' until listening). */
  get address(): string {
    return this.host.address;
  }

  /** Binds and starts serving; resolves with the bound host:port (port 0 picks one). */
  async listen(address: string): Promise<string> {
    const bound = await this.host.listen(address);
    this.node.migrations.address = bound;
    return bound;
  }

  /** Orderly stop: NOT_SERVING, end watchers, settle the node's migrations, tryShutdown, then force after a grace period (ms). */
  async shutdown(graceMs = 2000): Promise<void> {
    await this.host.shutdown(graceMs, () => {
      for (const w of this.watchers) w.end();
      this.watchers.clear();
      this.node.migrations.close();
    });
  }

  private summary(t: MigTask): TaskSummary {
    return toTaskSummary(taskInfo(t, false), this.node.name);
  }

  /** The task a request names (NOT_FOUND says where it went, if it left). */
  private task(taskId: string | undefined): MigTask {
    return this.node.task(requiredName(taskId, 'task_id'));
  }

  private migTaskHandlers(): MigTaskHandlers {
    const node = this.node;
    const migrations = node.migrations;
    return {
      Info: unaryHandler((r) => {
        let target: InfoTarget;
        if (r.target === 'taskId') target = { taskId: requiredName(r.taskId, 'task_id') };
        else if (r.target === 'slot') target = { slot: requiredName(r.slot, 'slot') };
        else if (r.target === 'partition') target = { partition: requiredName(r.partition, 'partition') };
        return toInfoResponse(node.info(target));
      }),
      Initialize: unaryHandler((r) => {
        const p = node.partition(requiredName(r.partition, 'partition'));
        const programName = name(r.programName, 'program_name') || 'program';
        const travelers = optionalInt(r.travelers, 'travelers', 1, p.def.maxTravelers, 1);
        const priority = optionalInt(r.priority, 'priority', 0, 255, 10);
        let program;
        if (r.program === 'programObject') {
          if (!r.programObject || !isObjectFile(r.programObject)) throw new InvalidArgumentError('program_object: not an MV object file (from `migvisor asm -o`)');
          program = checkObjectFor(decodeObject(r.programObject, programName), programName, p.def, node.def.cpu);
        } else if (r.program === 'programSource') program = assembleFor(r.programSource ?? '', programName, p.def, node.def.cpu);
        else throw new InvalidArgumentError('program: required (program_source or program_object)');
        return { task: this.summary(node.startTask({ partition: p.name, assembled: { program, name: programName }, travelers, priority })) };
      }),
      Receive: clientStreamHandler(async (requests) => {
        const r = await migrations.sink.receive(rawChunks(requests));
        return { migrationId: r.migrationId, taskId: r.taskId, slot: r.slot, state: MIG_STATE_WIRE.toWire(r.state), pages: r.pages, bytes: r.bytes };
      }, this.streams),
      ReceiveStream: clientStreamHandler(async (requests) => {
        const { migrationId, stream, chunks } = await openedStream(requests);
        const t = await migrations.sink.receiveStream(migrationId, stream, chunks);
        return { migrationId, stream, pages: t.pages, bytes: t.bytes };
      }, this.streams),
      RecoverPostcopy: unaryHandler(async (r) => {
        const taskId = requiredName(r.taskId, 'task_id');
        return await migrations.recoverPostcopy(taskId);
      }),
      Commit: unaryHandler(async (r) => {
        const c = await migrations.sink.commit(requiredName(r.migrationId, 'migration_id'));
        return { migrationId: r.migrationId, taskId: c.taskId, slot: c.slot, ...(c.state ? { state: MIG_STATE_WIRE.toWire(c.state) } : {}) };
      }),
      Abort: unaryHandler(async (r) => {
        const id = requiredName(r.migrationId, 'migration_id');
        const outcome = await migrations.sink.abort(id, name(r.reason, 'reason') || 'aborted by the source');
        return { migrationId: id, outcome: OUTCOME_WIRE.toWire(outcome) };
      }),
      QueryMigration: unaryHandler((r) => {
        const q = migrations.sink.query(requiredName(r.migrationId, 'migration_id'));
        return { migrationId: r.migrationId, outcome: OUTCOME_WIRE.toWire(q.outcome), taskId: q.taskId, slot: q.slot, detail: q.detail, pagesReceived: q.pagesReceived };
      }),
      StopAndTransfer: serverStreamHandler(async (r, out, call) => {
        const { sink, options } = migrationRequest(r, optionalInt(r.deadlineMs, 'deadline_ms', 1, 3_600_000, DEFAULT_DEADLINE_MS));
        // A client that cancels the call (or whose call deadline passes, or whose process dies) cancels the migration
        // as CancelMigration does: before the commit the task runs here again; once committed it completes.
        const onCancelled = (): void => {
          try {
            migrations.cancel(options.task, 'caller');
          } catch {
            // committed (or the task is gone): nothing to take back
          }
        };
        call.once('cancelled', onCancelled);
        try {
          const stats = await migrations.migrate(
            sink,
            { ...options, ...controlOptions(r), predict: r.predict === true },
            // Progress is advisory: skipped while the client is slow.
            (p) => void out.offer({ progress: { phase: MIGRATION_PHASE_WIRE.toWire(p.phase), bytesSent: p.bytesSent, pagesSent: p.pagesSent, pagesTotal: p.pagesTotal } }),
          );
          await out.send({ progress: { phase: 'MIGRATION_PHASE_DONE', bytesSent: stats.bytes, pagesSent: stats.pagesSent, pagesTotal: stats.pagesSent }, stats: toWireStats(stats) });
        } finally {
          call.off('cancelled', onCancelled);
        }
      }),
      PredictMigration: unaryHandler(async (r) => {
        const { sink, options } = migrationRequest(r, DEFAULT_DEADLINE_MS);
        const prediction = await migrations.predict(sink, {
          ...options,
          ...controlOptions(r),
          dirtyWindowMs: optionalInt(r.dirtyWindowMs, 'dirty_window_ms', 10, 10_000, DEFAULT_DIRTY_WINDOW_MS),
          probeBytes: optionalInt(r.probeBytes, 'probe_bytes', 64 * 1024, 64 << 20, DEFAULT_PROBE_BYTES),
        });
        return { prediction: toWirePrediction(prediction) };
      }),
      ...migrationControlHandlers(migrations),
      CancelMigration: unaryHandler((r) => {
        const taskId = requiredName(r.taskId, 'task_id');
        const reason = enumField(CANCEL_REASON_WIRE, r.reason, 'reason', 'user');
        const c = migrations.cancel(taskId, reason);
        return { cancelled: c.cancelled, migrationId: c.migrationId, ...(c.phase ? { phase: MIGRATION_PHASE_WIRE.toWire(c.phase) } : {}) };
      }),
      FetchPages: unaryHandler(async (r) => {
        const id = requiredName(r.migrationId, 'migration_id');
        if (r.pages.length === 0 || r.pages.length > MAX_FETCH_PAGES) throw new InvalidArgumentError(`pages: 1..${MAX_FETCH_PAGES} page numbers, got ${r.pages.length}`);
        const pageSize = node.def.cpu.pageSize;
        if (r.pages.length * pageSize > MAX_FETCH_BYTES) {
          throw new InvalidArgumentError(`pages: at most ${Math.floor(MAX_FETCH_BYTES / pageSize)} pages of ${pageSize} bytes (${MAX_FETCH_BYTES} bytes) at once, got ${r.pages.length}`);
        }
        return { chunk: toWireChunk(await migrations.fetchPages(id, r.pages)) };
      }),
      PushPages: clientStreamHandler(async (requests) => {
        const it = requests[Symbol.asyncIterator]();
        const first = await it.next();
        const head = first.done ? undefined : first.value;
        if (head?.item !== 'migrationId') throw new InvalidArgumentError('migration_id: the first message of a PushPages stream must name the migration');
        const id = requiredName(head.migrationId, 'migration_id');
        async function* chunks(): AsyncGenerator<RawChunk> {
          for (let n = await it.next(); !n.done; n = await it.next()) {
            if (n.value.item !== 'chunk') throw new InvalidArgumentError('chunk: every message after the first must carry a chunk');
            yield rawChunk(n.value.chunk);
          }
        }
        return { migrationId: id, ...(await migrations.acceptPush(id, chunks())) };
      }, this.streams),
    };
  }

  private nodeControlHandlers(): NodeControlHandlers {
    const node = this.node;
    const migrations = node.migrations;
    return {
      ...portPlanHandlers(node),
      Ps: unaryHandler((r) => {
        const slots = node.slots;
        const p = page(r.pageSize, r.pageToken, slots.length, PS_PAGE_ALL);
        const tasks = slots.slice(p.start, p.end).map((s) => toTaskSummary(taskInfo(s, r.hashes), node.name));
        return { node: node.name, tick: node.tick, tasks, nextPageToken: p.nextToken };
      }),
      Pause: unaryHandler((r) => ({ task: this.summary(node.pause(this.task(r.taskId).id!)) })),
      Resume: unaryHandler((r) => ({ task: this.summary(node.resume(this.task(r.taskId).id!)) })),
      Kill: unaryHandler((r) => {
        const t = this.task(r.taskId);
        const before = this.summary(t);
        node.kill(t.id!);
        return { task: before };
      }),
      Copy: unaryHandler((r) => ({ task: this.summary(node.copy(this.task(r.taskId).id!)) })),
      Save: serverStreamHandler((r) => {
        const t = this.task(r.taskId);
        const compression = compressionOf(r.compression, 'compression', 'none');
        if (compression === 'auto') throw new InvalidArgumentError('compression: a save names its compression');
        return wrapChunks(migrations.checkpoints.save(t.id!, compression, r.leaveRunning));
      }),
      ConfirmSave: unaryHandler((r) => ({ task: this.summary(migrations.checkpoints.confirm(requiredName(r.migrationId, 'migration_id'))) })),
      CancelSave: unaryHandler((r) => {
        const id = requiredName(r.migrationId, 'migration_id');
        const t = migrations.checkpoints.cancel(id);
        if (!t) throw new NotFoundError('save', id, `waiting on ${node.name}`);
        return { task: this.summary(t) };
      }),
      Load: clientStreamHandler(async (requests) => {
        const r = await migrations.sink.receive(rawChunks(requests), { activate: true });
        return { task: this.summary(node.task(r.taskId)) };
      }, this.streams),
      Watch: serverStreamHandler((r, out) => {
        if (this.watchers.size > MAX_WATCHERS) throw new MigvisorError(`Watch: ${MAX_WATCHERS} watchers are open, the limit is ${MAX_WATCHERS}; try again later`, Code.RESOURCE_EXHAUSTED);
        return this.watch(r, out.signal);
      }, this.watchers),
      GateSend: unaryHandler((r, call) => node.taskGates.deliver(requiredName(r.gate, 'gate'), r.message, call.metadata.get(FORWARDED_BY)[0]?.toString())),
      SettleMigration: unaryHandler(async (r) => {
        const taskId = requiredName(r.taskId, 'task_id');
        const s = await migrations.settle(taskId);
        const t = node.findTask(taskId);
        return {
          migrationId: s.migrationId,
          outcome: s.outcome === 'in-doubt' ? 'MIGRATION_OUTCOME_UNSPECIFIED' : OUTCOME_WIRE.toWire(s.outcome),
          ...(t ? { task: this.summary(t) } : {}),
        };
      }),
      HmLog: unaryHandler((r) => {
        const hm = node.health.hm;
        return { node: node.name, tick: node.tick, entries: hm.entries(r.limit).map(toWireHmEntry), dropped: hm.log.dropped, capacity: hm.log.capacity };
      }),
      PartitionStatus: unaryHandler((r) => {
        const modes = node.health.modes;
        const one = name(r.partition, 'partition');
        if (one) node.partition(one);
        const partitions = one ? [modes.status(one)!] : modes.statuses();
        return { node: node.name, tick: node.tick, partitions: partitions.map(toWirePartitionState) };
      }),
      SetPartitionMode: unaryHandler((r) => {
        const partition = requiredName(r.partition, 'partition');
        node.partition(partition);
        const mode = r.mode.toUpperCase();
        if (!isOneOf(PARTITION_MODES, mode)) throw new InvalidArgumentError(`mode: must be ${PARTITION_MODES.join(', ')}, got "${r.mode}"`);
        const result = node.health.modes.setMode(partition, mode, 'operator', 'set by the operator');
        return { result, status: toWirePartitionState(node.health.modes.status(partition)!) };
      }),
    };
  }

  /**
   * Watch: the events of the request's kinds and task, numbered. With after_seq,
   * first the buffered events after it (a GAP event for those no longer held).
   */
  private async *watch(r: { kinds: string[]; taskId: string; afterSeq?: number | null }, signal: AbortSignal): AsyncGenerator<{ event: Event }> {
    const kinds = new Set(r.kinds.map((k, i) => enumField(EVENT_KIND_WIRE, k, `kinds[${i}]`)));
    const task = name(r.taskId, 'task_id');
    const log = this.node.eventLog;
    if (r.afterSeq !== undefined && r.afterSeq !== null && r.afterSeq > log.last) {
      throw new MigvisorError(`after_seq: ${r.afterSeq} is past the last event of ${this.node.name} (${log.last}); did the node restart?`, Code.OUT_OF_RANGE);
    }
    const wanted = (e: { kind: string; task?: string | undefined }): boolean => (kinds.size === 0 || kinds.has(e.kind as never)) && (!task || e.task === task);
    // Subscribe before reading the buffer, so nothing falls between the two.
    const live = bufferedIterable(
      log.stream.pipe(filter((s) => wanted(s.event))),
      MAX_WATCH_BACKLOG,
      () => new MigvisorError(`watcher fell ${MAX_WATCH_BACKLOG} events behind`, Code.RESOURCE_EXHAUSTED),
    )[Symbol.asyncIterator]();
    try {
      let seen = log.last;
      if (r.afterSeq !== undefined && r.afterSeq !== null) {
        const replay = log.after(r.afterSeq);
        if (replay.gap) yield { event: toGapEvent(this.node.name, this.node.tick, replay.gap.first, replay.gap.last) };
        for (const s of replay.events) if (wanted(s.event)) yield { event: toWireEvent(s) };
        seen = replay.events.at(-1)?.seq ?? r.afterSeq;
      }
      while (!signal.aborted) {
        const n = await live.next();
        if (n.done) return;
        if (n.value.seq > seen) yield { event: toWireEvent(n.value) };
      }
    } finally {
      await live.return?.();
    }
  }

  private clusterHandlers(): ClusterHandlers {
    return {
      ListNodes: unaryHandler(async () => {
        if (this.membership) return this.membership.list({ name: this.node.name, address: this.address });
        const n = this.node;
        return { nodes: [selfMember(n, this.address)], middleware: '', middlewareState: 'MEMBER_STATE_NOT_STARTED' };
      }),
    };
  }
}

