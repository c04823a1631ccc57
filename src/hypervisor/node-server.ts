/**
 * A node's gRPC server: the MigTask command channel, node control, gRPC health
 * checking and server reflection (so grpcurl-style clients can list and call it).
 * Handlers translate between the wire types and the node; every error leaves
 * through toServiceError, the one mapping to gRPC statuses.
 */
import * as grpc from '@grpc/grpc-js';
import { filter, type Subscription } from 'rxjs';
import { Code, InvalidArgumentError, MigvisorError, NotFoundError, toServiceError, ServiceHost, wire } from '../common/index.ts';
import type { Event } from '../generated/migvisor/v1/Event.ts';
import type { InfoReply } from '../generated/migvisor/v1/InfoReply.ts';
import type { MigrationStats as WireStats } from '../migtask/index.ts';
import type { MigTaskHandlers } from '../generated/migvisor/v1/MigTask.ts';
import type { NodeControlHandlers } from '../generated/migvisor/v1/NodeControl.ts';
import type { TaskSummary } from '../generated/migvisor/v1/TaskSummary.ts';
import {
  acceptedCommands,
  Checkpointer,
  ENCODING_OF,
  rawChunks,
  migrateTask,
  DEFAULT_DEADLINE_MS,
  type MigrationMode,
  type MigrationStats,
  MigrationSink,
  RemoteSink,
  migrationIdOf,
  type PostcopySource,
  type MigTask,
} from '../migtask/index.ts';
import type { Compression } from '../config/index.ts';
import { SysCallError, SysError } from '../partition/index.ts';
import { diagnosticsHandlers } from './diagnostics.ts';
import { FORWARDED_BY } from './gate-forwarder.ts';
import { decodeObject, isObjectFile, assembleFor } from '../machine/index.ts';
import type { NodeEvent } from './events.ts';
import { taskInfo, type Node, type TaskInfo } from './node.ts';

const SERVICES = ['migvisor.v1.MigTask', 'migvisor.v1.NodeControl', 'migvisor.v1.Diagnostics'];
/** Events buffered for one slow watcher before it is cut off. */
const MAX_WATCH_BACKLOG = 10_000;

export function toTaskSummary(t: TaskInfo, node: string): TaskSummary {
  return {
    node,
    slot: t.slot,
    partition: t.partition,
    taskId: t.task ?? '',
    program: t.program ?? '',
    state: t.state,
    run: t.run,
    instructions: t.instructions,
    pages: t.pages,
    pagesPresent: t.pagesPresent,
    pagesDirty: t.pagesDirty,
    memoryHash: t.memoryHash ?? '',
    travelers: t.travelers.map((x) => ({
      id: x.id,
      status: x.status,
      priority: x.priority,
      pc: x.pc,
      sp: x.sp,
      flags: x.flags,
      registers: x.registers,
      instructions: x.instructions,
      wait: x.wait ?? '',
      hasExitCode: x.exitCode !== undefined,
      exitCode: x.exitCode ?? 0,
      fault: x.fault ?? '',
      handles: x.handles,
    })),
  };
}

export function toWireEvent(e: NodeEvent): Event {
  const base = { kind: e.kind, node: e.node, tick: e.tick };
  switch (e.kind) {
    case 'console':
      return { ...base, task: e.task, traveler: e.traveler, text: e.text };
    case 'transition':
      return { ...base, task: e.task ?? '', slot: e.slot, from: e.from, to: e.to, command: e.command };
    case 'fault':
      return { ...base, task: e.task, traveler: e.traveler, fault: e.fault, message: e.message, pc: e.pc };
    case 'exit':
      return { ...base, task: e.task, traveler: e.traveler, code: e.code };
    case 'migration':
      return { ...base, task: e.task, phase: e.phase, detail: e.detail };
  }
}

export function toWireStats(s: MigrationStats): WireStats {
  return { ...s, compression: s.compression };
}

const MODES: readonly MigrationMode[] = ['full', 'lazy', 'precopy'];
const COMPRESSIONS = ['auto', 'none', 'deflate', 'brotli'] as const;

function parseCompression(text: string, allowAuto: boolean): 'auto' | Compression {
  const c = text || (allowAuto ? 'auto' : 'none');
  if (!(COMPRESSIONS as readonly string[]).includes(c) || (!allowAuto && c === 'auto')) {
    throw new InvalidArgumentError(`compression must be one of ${COMPRESSIONS.filter((x) => allowAuto || x !== 'auto').join(', ')}, got ${JSON.stringify(text)}`);
  }
  return c as 'auto' | Compression;
}

export class NodeServer {
  readonly server: grpc.Server;
  readonly sink: MigrationSink;
  readonly checkpoints: Checkpointer;
  private readonly host = new ServiceHost(SERVICES);
  private readonly watchers = new Set<grpc.ServerWritableStream<unknown, Event>>();
  /** Channels to sinks, kept across migrations (a new channel costs a handshake in the downtime). */
  private readonly sinks = new Map<string, RemoteSink>();
  /** Post-copy migrations this node still serves pages for. */
  readonly residuals = new Map<string, PostcopySource>();
  constructor(readonly node: Node) {
    this.server = this.host.server;
    this.sink = new MigrationSink(node);
    this.checkpoints = new Checkpointer(node);
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
  listen(address: string): Promise<string> {
    return this.host.listen(address);
  }

  /** Orderly stop: NOT_SERVING, end watchers, settle holds, tryShutdown, then force after a grace period. */
  async shutdown(graceMs = 2000): Promise<void> {
    await this.host.shutdown(graceMs, () => {
      for (const w of this.watchers) w.end();
      this.watchers.clear();
      this.sink.close();
      this.checkpoints.close();
      for (const s of this.sinks.values()) s.close();
      this.sinks.clear();
    });
  }

  private sinkAt(address: string): RemoteSink {
    let s = this.sinks.get(address);
    if (!s) {
      s = new RemoteSink(address);
      this.sinks.set(address, s);
    }
    return s;
  }

  private summary(t: MigTask): TaskSummary {
    return toTaskSummary(taskInfo(t, false), this.node.name);
  }

  private info(task: string, partition: string): InfoReply {
    const node = this.node;
    const cpu = node.def.cpu;
    const base: InfoReply = {
      node: node.name,
      wordSize: cpu.word,
      endian: cpu.endian === 'big' ? 'ENDIAN_BIG' : 'ENDIAN_LITTLE',
      pageSize: cpu.pageSize,
      compression: node.def.compression.map((c) => ENCODING_OF[c]),
      tick: node.tick,
      gateForwards: [...node.forwarder.all].map(([gate, r]) => `${gate} -> ${r.name}`),
    };
    let slot: MigTask | undefined;
    if (task) {
      slot = node.slots.find((s) => s.id === task || s.slotName === task);
      if (!slot) {
        const gone = node.departures.get(task);
        if (gone) return { ...base, taskId: task, forwardedTo: gone.to };
        throw new NotFoundError('task', task, `on node ${node.name}`);
      }
    } else if (partition) {
      const p = node.partitions.get(partition);
      if (!p) return base;
      const free = node.slots.filter((s) => s.partition === p && s.state === 'MigSink');
      slot = free[0] ?? node.slots.find((s) => s.partition === p);
    } else {
      return base;
    }
    const p = slot!.partition;
    return {
      ...base,
      state: slot!.state,
      taskId: slot!.id ?? '',
      slot: slot!.slotName,
      partition: p.name,
      migratable: p.migratable,
      fingerprint: p.fingerprint,
      partitionSettingsJson: JSON.stringify(p.settings),
      acceptedCommands: ['Info', ...acceptedCommands(slot!.state).filter((c) => /^[A-Z]/.test(c) && c !== 'Kill')],
      freeSlots: node.slots.filter((s) => s.partition === p && s.state === 'MigSink').length,
      slotBytes: slot!.space.size,
    };
  }

  private migTaskHandlers(): MigTaskHandlers {
    const node = this.node;
    return {
      Info: (call, cb) => {
        try {
          cb(null, this.info(call.request.task, call.request.partition));
        } catch (e: unknown) {
          cb(toServiceError(e));
        }
      },
      Initialize: (call, cb) => {
        try {
          const r = call.request;
          const p = node.partition(r.partition);
          const name = r.programName || 'program';
          let program;
          if (r.programObject.length > 0 && isObjectFile(r.programObject)) program = decodeObject(r.programObject, name);
          else if (r.programSource) program = assembleFor(r.programSource, name, p.def, node.def.cpu);
          else throw new InvalidArgumentError('Initialize needs program_source or program_object');
          const slot = node.startTask({ partition: r.partition, assembled: { program, name }, travelers: r.travelers || 1, priority: r.priority || 10 });
          cb(null, this.summary(slot));
        } catch (e: unknown) {
          cb(toServiceError(e));
        }
      },
      Receive: (call, cb) => {
        this.sink
          .receive(rawChunks(call))
          .then((r) => cb(null, { migrationId: r.migrationId, taskId: r.taskId, slot: r.slot, state: r.state, pages: r.pages, bytes: r.bytes }))
          .catch((e: unknown) => cb(toServiceError(e)));
      },
      Commit: (call, cb) => {
        try {
          const r = this.sink.commit(call.request.migrationId);
          cb(null, { migrationId: call.request.migrationId, ...r });
        } catch (e: unknown) {
          cb(toServiceError(e));
        }
      },
      Abort: (call, cb) => {
        try {
          cb(null, { migrationId: call.request.migrationId, outcome: this.sink.abort(call.request.migrationId, call.request.reason || 'aborted by the source') });
        } catch (e: unknown) {
          cb(toServiceError(e));
        }
      },
      QueryMigration: (call, cb) => {
        cb(null, { migrationId: call.request.migrationId, ...this.sink.query(call.request.migrationId) });
      },
      StopAndTransfer: (call) => {
        const r = call.request;
        let writable = true;
        call.on('drain', () => (writable = true));
        const run = async (): Promise<void> => {
          const mode = (r.mode || 'full') as MigrationMode;
          if (!MODES.includes(mode)) throw new InvalidArgumentError(`mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(r.mode)}`);
          if (!r.sink) throw new InvalidArgumentError('StopAndTransfer needs a sink address');
          const stats = await migrateTask(
            node,
            this.sinkAt(r.sink),
            {
              task: r.task,
              mode,
              compression: parseCompression(r.compression, true),
              deadlineMs: r.deadlineMs || DEFAULT_DEADLINE_MS,
              sinkName: r.sinkName || r.sink,
              ...(r.precopyStopPages ? { precopyStopPages: r.precopyStopPages } : {}),
              ...(r.precopyMaxRounds ? { precopyMaxRounds: r.precopyMaxRounds } : {}),
            },
            (p) => {
              // Progress is advisory: skip updates while the client is slow.
              if (writable && !call.cancelled) writable = call.write({ phase: p.phase, bytesSent: p.bytesSent, pagesSent: p.pagesSent, pagesTotal: p.pagesTotal });
            },
            { address: this.address, residuals: this.residuals },
          );
          call.write({ phase: 'done', bytesSent: stats.bytes, pagesSent: stats.pagesSent, pagesTotal: stats.pagesSent, stats: toWireStats(stats) });
          call.end();
        };
        run().catch((e: unknown) => call.emit('error', toServiceError(e)));
      },
      FetchPages: (call, cb) => {
        const residual = this.residuals.get(call.request.migrationId);
        if (!residual) {
          cb(toServiceError(new NotFoundError('post-copy migration', call.request.migrationId, `on ${node.name}`)));
          return;
        }
        residual.fetch(call.request.pages).then(
          (c) => cb(null, c),
          (e: unknown) => cb(toServiceError(e)),
        );
      },
      PushPages: (call, cb) => {
        const id = migrationIdOf(call.metadata);
        const { sink, known } = this.sink.postcopyOf(id);
        const chunks = rawChunks(call);
        const done = sink
          ? sink.acceptPush(chunks)
          : known
            ? (async () => {
                // Every page already arrived by fault: nothing left to install.
                for await (const c of chunks) void c;
                return { installed: 0, missing: 0 };
              })()
            : Promise.reject(new NotFoundError('post-copy migration', id, `on ${node.name}`));
        done.then(
          (r) => cb(null, { migrationId: id, ...r }),
          (e: unknown) => {
            // A broken push may mean the source is gone: find out now, not at the next fault.
            sink?.probe();
            cb(toServiceError(e));
          },
        );
      },
    };
  }

  private nodeControlHandlers(): NodeControlHandlers {
    const node = this.node;
    const unary = <T>(fn: () => T) => (_call: unknown, cb: grpc.sendUnaryData<T>): void => {
      try {
        cb(null, fn());
      } catch (e: unknown) {
        cb(toServiceError(e));
      }
    };
    return {
      Ps: (call, cb) => unary(() => ({ node: node.name, tick: node.tick, tasks: node.ps({ hashes: call.request.hashes }).map((t) => toTaskSummary(t, node.name)) }))(call, cb),
      Pause: (call, cb) => unary(() => this.summary(node.pause(call.request.task)))(call, cb),
      Resume: (call, cb) => unary(() => this.summary(node.resume(call.request.task)))(call, cb),
      Kill: (call, cb) =>
        unary(() => {
          const t = node.task(call.request.task);
          node.kill(call.request.task);
          return this.summary(t);
        })(call, cb),
      Copy: (call, cb) => unary(() => this.summary(node.copy(call.request.task)))(call, cb),
      Save: (call) => {
        const r = call.request;
        const run = async (): Promise<void> => {
          const compression = parseCompression(r.compression, false) as Compression;
          for await (const chunk of this.checkpoints.save(r.task, compression, r.leaveRunning)) {
            if (call.cancelled) return;
            if (!call.write(chunk)) await new Promise<void>((resolve) => call.once('drain', resolve));
          }
          call.end();
        };
        run().catch((e: unknown) => call.emit('error', toServiceError(e)));
      },
      ConfirmSave: (call, cb) => unary(() => this.summary(this.checkpoints.confirm(call.request.migrationId)))(call, cb),
      CancelSave: (call, cb) =>
        unary(() => {
          const t = this.checkpoints.cancel(call.request.migrationId);
          if (!t) throw new NotFoundError('save', call.request.migrationId, `waiting on ${node.name}`);
          return this.summary(t);
        })(call, cb),
      Load: (call, cb) => {
        this.sink
          .receive(rawChunks(call), { activate: true })
          .then((r) => cb(null, this.summary(node.task(r.taskId))))
          .catch((e: unknown) => cb(toServiceError(e)));
      },
      Watch: (call) => this.watch(call),
      GateSend: (call, cb) =>
        unary(() => {
          const gate = node.gate(call.request.gate);
          if (!gate) throw new NotFoundError('gate', call.request.gate, `on node ${node.name}`);
          const from = call.metadata.get(FORWARDED_BY)[0]?.toString();
          if (from !== undefined) {
            if (node.gateReceiverMoving(gate.name)) {
              throw new MigvisorError(`gate ${gate.name}: its receiver is moving away from ${node.name}; keep the message and retry`, Code.UNAVAILABLE);
            }
            // A message bouncing back to where its receiver now is: it stays there.
            if (node.forwarder.routeOf(gate.name)?.name === from) {
              throw new MigvisorError(`gate ${gate.name}: its receiver is on ${from} now; keep the message there`, Code.FAILED_PRECONDITION);
            }
          }
          try {
            gate.send(call.request.message);
          } catch (e: unknown) {
            if (e instanceof SysCallError) {
              throw new MigvisorError(e.message, e.errno === SysError.E_FULL ? Code.RESOURCE_EXHAUSTED : Code.INVALID_ARGUMENT);
            }
            throw e;
          }
          return { queued: gate.length, deliveredTo: node.name };
        })(call, cb),
    };
  }

  /** Streams events, honouring backpressure; a watcher that falls too far behind is cut off. */
  private watch(call: grpc.ServerWritableStream<{ kinds: string[]; task: string }, Event>): void {
    const kinds = new Set(call.request.kinds);
    const task = call.request.task;
    const backlog: Event[] = [];
    let waiting = false;
    let sub: Subscription | undefined;
    const stop = (): void => {
      sub?.unsubscribe();
      this.watchers.delete(call as never);
    };
    const flush = (): void => {
      while (backlog.length > 0 && !waiting) {
        if (!call.write(backlog.shift()!)) waiting = true;
      }
    };
    call.on('drain', () => {
      waiting = false;
      flush();
    });
    call.on('cancelled', stop);
    call.on('close', stop);
    this.watchers.add(call as never);
    sub = this.node.events
      .pipe(filter((e) => (kinds.size === 0 || kinds.has(e.kind)) && (!task || ('task' in e && e.task === task))))
      .subscribe({
        next: (e) => {
          backlog.push(toWireEvent(e));
          if (backlog.length > MAX_WATCH_BACKLOG) {
            stop();
            call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: `watcher fell ${MAX_WATCH_BACKLOG} events behind` });
            return;
          }
          flush();
        },
        complete: () => {
          stop();
          call.end();
        },
      });
  }
}
