/**
 * A node's gRPC server: the MigTask command channel, node control and the
 * Diagnostics baseline, beside health checking and reflection (ServiceHost).
 * Handlers only translate: requests into calls on the node and its migration
 * state, domain values into wire messages (node-wire.ts); every error leaves
 * through the adapters' one mapping to gRPC statuses.
 */
import type * as grpc from '@grpc/grpc-js';
import { filter } from 'rxjs';
import {
  bufferedIterable,
  clientStreamHandler,
  Code,
  COMPRESSION_CHOICES,
  COMPRESSIONS,
  InvalidArgumentError,
  isOneOf,
  MIGRATION_MODES,
  MigvisorError,
  NotFoundError,
  serverStreamHandler,
  ServiceHost,
  unaryHandler,
  wire,
  type Compression,
  type CompressionChoice,
} from '../common/index.ts';
import type { MigTaskHandlers } from '../generated/migvisor/v1/MigTask.ts';
import type { NodeControlHandlers } from '../generated/migvisor/v1/NodeControl.ts';
import type { TaskSummary } from '../generated/migvisor/v1/TaskSummary.ts';
import { assembleFor, decodeObject, isObjectFile } from '../machine/index.ts';
import { DEFAULT_DEADLINE_MS, migrationIdOf, rawChunks, type MigTask } from '../migtask/index.ts';
import { diagnosticsHandlers } from './diagnostics.ts';
import { FORWARDED_BY } from './gate-forwarder.ts';
import type { Node } from './node.ts';
import { toInfoReply, toTaskSummary, toWireEvent, toWireStats } from './node-wire.ts';
import { taskInfo } from './task-info.ts';

const SERVICES = ['migvisor.v1.MigTask', 'migvisor.v1.NodeControl', 'migvisor.v1.Diagnostics'];
/** Events buffered for one slow watcher before it is cut off. */
const MAX_WATCH_BACKLOG = 10_000;

/** A compression named in a request ('' is the default: auto where allowed, else none). */
function parseCompression<A extends boolean>(text: string, allowAuto: A): A extends true ? CompressionChoice : Compression {
  const choices: readonly string[] = allowAuto ? COMPRESSION_CHOICES : COMPRESSIONS;
  const c = text || (allowAuto ? 'auto' : 'none');
  if (!choices.includes(c)) throw new InvalidArgumentError(`compression must be one of ${choices.join(', ')}, got ${JSON.stringify(text)}`);
  return c as A extends true ? CompressionChoice : Compression;
}

/** The gRPC edge of one node. */
export class NodeServer {
  /** The grpc-js server (services are added by the constructor). */
  readonly server: grpc.Server;
  private readonly host = new ServiceHost(SERVICES);
  /** Open Watch streams: ended first when the server stops. */
  private readonly watchers = new Set<grpc.ServerWritableStream<unknown, unknown>>();

  constructor(readonly node: Node) {
    this.server = this.host.server;
    const w = wire();
    this.server.addService(w.MigTask.service, this.migTaskHandlers());
    this.server.addService(w.NodeControl.service, this.nodeControlHandlers());
    this.server.addService(w.Diagnostics.service, diagnosticsHandlers());
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

  private migTaskHandlers(): MigTaskHandlers {
    const node = this.node;
    const migrations = node.migrations;
    return {
      Info: unaryHandler((r) => toInfoReply(node.info(r.task, r.partition))),
      Initialize: unaryHandler((r) => {
        const p = node.partition(r.partition);
        const name = r.programName || 'program';
        let program;
        if (r.programObject.length > 0 && isObjectFile(r.programObject)) program = decodeObject(r.programObject, name);
        else if (r.programSource) program = assembleFor(r.programSource, name, p.def, node.def.cpu);
        else throw new InvalidArgumentError('Initialize needs program_source or program_object');
        return this.summary(node.startTask({ partition: r.partition, assembled: { program, name }, travelers: r.travelers || 1, priority: r.priority || 10 }));
      }),
      Receive: clientStreamHandler(async (chunks) => {
        const r = await migrations.sink.receive(rawChunks(chunks));
        return { migrationId: r.migrationId, taskId: r.taskId, slot: r.slot, state: r.state, pages: r.pages, bytes: r.bytes };
      }),
      Commit: unaryHandler(async (r) => ({ migrationId: r.migrationId, ...(await migrations.sink.commit(r.migrationId)) })),
      Abort: unaryHandler(async (r) => ({ migrationId: r.migrationId, outcome: await migrations.sink.abort(r.migrationId, r.reason || 'aborted by the source') })),
      QueryMigration: unaryHandler((r) => ({ migrationId: r.migrationId, ...migrations.sink.query(r.migrationId) })),
      StopAndTransfer: serverStreamHandler(async (r, out) => {
        const mode = r.mode || 'full';
        if (!isOneOf(MIGRATION_MODES, mode)) throw new InvalidArgumentError(`mode must be one of ${MIGRATION_MODES.join(', ')}, got ${JSON.stringify(r.mode)}`);
        if (!r.sink) throw new InvalidArgumentError('StopAndTransfer needs a sink address');
        const stats = await migrations.migrate(
          r.sink,
          {
            task: r.task,
            mode,
            compression: parseCompression(r.compression, true),
            deadlineMs: r.deadlineMs || DEFAULT_DEADLINE_MS,
            sinkName: r.sinkName || r.sink,
            ...(r.precopyStopPages ? { precopyStopPages: r.precopyStopPages } : {}),
            ...(r.precopyMaxRounds ? { precopyMaxRounds: r.precopyMaxRounds } : {}),
          },
          // Progress is advisory: skipped while the client is slow.
          (p) => void out.offer({ phase: p.phase, bytesSent: p.bytesSent, pagesSent: p.pagesSent, pagesTotal: p.pagesTotal }),
        );
        await out.send({ phase: 'done', bytesSent: stats.bytes, pagesSent: stats.pagesSent, pagesTotal: stats.pagesSent, stats: toWireStats(stats) });
      }),
      FetchPages: unaryHandler((r) => migrations.fetchPages(r.migrationId, r.pages)),
      PushPages: clientStreamHandler(async (chunks, call) => {
        const id = migrationIdOf(call.metadata);
        return { migrationId: id, ...(await migrations.acceptPush(id, rawChunks(chunks))) };
      }),
    };
  }

  private nodeControlHandlers(): NodeControlHandlers {
    const node = this.node;
    const migrations = node.migrations;
    return {
      Ps: unaryHandler((r) => ({ node: node.name, tick: node.tick, tasks: node.ps({ hashes: r.hashes }).map((t) => toTaskSummary(t, node.name)) })),
      Pause: unaryHandler((r) => this.summary(node.pause(r.task))),
      Resume: unaryHandler((r) => this.summary(node.resume(r.task))),
      Kill: unaryHandler((r) => {
        const t = node.task(r.task);
        node.kill(r.task);
        return this.summary(t);
      }),
      Copy: unaryHandler((r) => this.summary(node.copy(r.task))),
      Save: serverStreamHandler((r) => migrations.checkpoints.save(r.task, parseCompression(r.compression, false), r.leaveRunning)),
      ConfirmSave: unaryHandler((r) => this.summary(migrations.checkpoints.confirm(r.migrationId))),
      CancelSave: unaryHandler((r) => {
        const t = migrations.checkpoints.cancel(r.migrationId);
        if (!t) throw new NotFoundError('save', r.migrationId, `waiting on ${node.name}`);
        return this.summary(t);
      }),
      Load: clientStreamHandler(async (chunks) => {
        const r = await migrations.sink.receive(rawChunks(chunks), { activate: true });
        return this.summary(node.task(r.taskId));
      }),
      Watch: serverStreamHandler((r) => {
        const kinds = new Set(r.kinds);
        const events = node.events.pipe(filter((e) => (kinds.size === 0 || kinds.has(e.kind)) && (!r.task || ('task' in e && e.task === r.task))));
        return mapAsync(
          bufferedIterable(events, MAX_WATCH_BACKLOG, () => new MigvisorError(`watcher fell ${MAX_WATCH_BACKLOG} events behind`, Code.RESOURCE_EXHAUSTED)),
          toWireEvent,
        );
      }, this.watchers),
      GateSend: unaryHandler((r, call) => node.taskGates.deliver(r.gate, r.message, call.metadata.get(FORWARDED_BY)[0]?.toString())),
    };
  }
}

async function* mapAsync<T, U>(source: AsyncIterable<T>, fn: (x: T) => U): AsyncGenerator<U> {
  for await (const x of source) yield fn(x);
}
