/**
 * The node's domain values as wire messages (proto/migvisor/v1): task summaries
 * for ps and replies, events for Watch, Info responses and migration statistics.
 * Every closed set goes through its one mapping (wire-enums.ts, vocabulary.ts).
 */
import { COMPRESSION_WIRE, endianToWire, MIGRATION_MODE_WIRE } from '../common/index.ts';
import type { HmAction, HmEvent, HmLevel, PartitionMode, StartCondition } from '../config/index.ts';
import type { HmEntry as WireHmEntry } from '../generated/migvisor/v1/HmEntry.ts';
import type { PartitionState } from '../generated/migvisor/v1/PartitionState.ts';
import type { Event, Event__Output } from '../generated/migvisor/v1/Event.ts';
import type { InfoResponse } from '../generated/migvisor/v1/InfoResponse.ts';
import type { MigrationRef } from '../generated/migvisor/v1/MigrationRef.ts';
import type { MigrationStats as WireStats } from '../generated/migvisor/v1/MigrationStats.ts';
import type { Prediction as WirePrediction } from '../generated/migvisor/v1/Prediction.ts';
import type { TaskSummary } from '../generated/migvisor/v1/TaskSummary.ts';
import type { Wait as WireWait } from '../generated/migvisor/v1/Wait.ts';
import {
  MAX_STREAMS,
  COMMAND_WIRE,
  FAULT_KIND_WIRE,
  MIG_COMMAND_WIRE,
  MIG_STATE_WIRE,
  MIGRATION_STATUS_WIRE,
  MIGRATION_STEP_WIRE,
  PRECOPY_STOP_WIRE,
  round3,
  RUN_STATE_WIRE,
  settingsToWire,
  TRAVELER_STATUS_WIRE,
  WAIT_KIND_WIRE,
  type MigrationStats,
  type Prediction,
  type Transit,
  type Wait,
} from '../migtask/index.ts';
import type { Sequenced } from './event-log.ts';
import type { NodeEvent } from './events.ts';
import type { HmEntry } from './hm-log.ts';
import type { PartitionStatus } from './partition-modes.ts';
import type { NodeInfo } from './node-info.ts';
import type { TaskInfo } from './task-info.ts';

function toWireWait(w: Wait): WireWait {
  const kind = WAIT_KIND_WIRE.toWire(w.kind);
  switch (w.kind) {
    case 'sleep':
      return { kind, untilTick: w.until };
    case 'gate_recv':
    case 'gate_send':
      return { kind, gate: w.gate };
    case 'page':
      return { kind, page: w.page };
  }
}

/** A migration in transit as the wire MigrationRef. */
export function toMigrationRef(t: Transit): MigrationRef {
  return { migrationId: t.migrationId, peer: t.peer, status: MIGRATION_STATUS_WIRE.toWire(t.status) };
}

/** A slot as a wire TaskSummary. */
export function toTaskSummary(t: TaskInfo, node: string): TaskSummary {
  return {
    node,
    slot: t.slot,
    partition: t.partition,
    taskId: t.task ?? '',
    program: t.program ?? '',
    state: MIG_STATE_WIRE.toWire(t.state),
    run: RUN_STATE_WIRE.toWire(t.run),
    instructions: t.instructions,
    pages: t.pages,
    pagesPresent: t.pagesPresent,
    pagesDirty: t.pagesDirty,
    memoryHash: t.memoryHash ?? '',
    travelers: t.travelers.map((x) => ({
      id: x.id,
      status: TRAVELER_STATUS_WIRE.toWire(x.status),
      priority: x.priority,
      pc: x.pc,
      flags: x.flags,
      registers: x.registers,
      instructions: x.instructions,
      handles: x.handles,
      ...(x.wait ? { wait: toWireWait(x.wait) } : {}),
      ...(x.exitCode !== undefined ? { exitCode: x.exitCode } : {}),
      ...(x.fault ? { fault: { kind: FAULT_KIND_WIRE.toWire(x.fault.kind), message: x.fault.message, pc: x.fault.pc, address: x.fault.address } } : {}),
    })),
    ...(t.migration ? { migration: toMigrationRef(t.migration) } : {}),
  };
}

/** A numbered node event as a wire Event. */
export function toWireEvent({ seq, event: e }: Sequenced): Event {
  const base = { seq, node: e.node, tick: e.tick };
  switch (e.kind) {
    case 'console':
      return { ...base, kind: 'EVENT_KIND_CONSOLE', taskId: e.task, console: { traveler: e.traveler, text: e.text } };
    case 'transition':
      return {
        ...base,
        kind: 'EVENT_KIND_TRANSITION',
        taskId: e.task ?? '',
        transition: { slot: e.slot, fromState: MIG_STATE_WIRE.toWire(e.from), toState: MIG_STATE_WIRE.toWire(e.to), command: MIG_COMMAND_WIRE.toWire(e.command) },
      };
    case 'fault':
      return {
        ...base,
        kind: 'EVENT_KIND_FAULT',
        taskId: e.task,
        fault: { traveler: e.traveler, fault: { kind: FAULT_KIND_WIRE.toWire(e.fault), message: e.message, pc: e.pc, address: e.address ?? 0 } },
      };
    case 'exit':
      return { ...base, kind: 'EVENT_KIND_EXIT', taskId: e.task, exit: { traveler: e.traveler, code: e.code } };
    case 'migration':
      return { ...base, kind: 'EVENT_KIND_MIGRATION', taskId: e.task, migration: {
          step: MIGRATION_STEP_WIRE.toWire(e.phase),
          detail: e.detail,
          ...(e.status ? { status: MIGRATION_STATUS_WIRE.toWire(e.status) } : {}),
          ...(e.pass !== undefined ? { pass: e.pass } : {}),
        },
      };
    case 'hm':
      return {
        ...base,
        kind: 'EVENT_KIND_HM',
        taskId: e.task,
        hm: { seq: 0, tick: e.tick, node: e.node, partition: e.partition, taskId: e.task, traveler: e.traveler, event: e.event, level: e.level, action: e.action, details: e.detail },
      };
    case 'partition':
      return {
        ...base,
        kind: 'EVENT_KIND_PARTITION',
        taskId: '',
        partitionMode: { partition: e.partition, fromMode: e.from, toMode: e.to, startCondition: e.condition, detail: e.detail },
      };
  }
}

/** A wire Event as the node event it was (undefined for a GAP: no node event). */
export function fromWireEvent(e: Event__Output): NodeEvent | undefined {
  const base = { node: e.node, tick: e.tick };
  switch (e.payload) {
    case 'console':
      return { ...base, kind: 'console', task: e.taskId, traveler: e.console!.traveler, text: e.console!.text };
    case 'transition': {
      const t = e.transition!;
      return {
        ...base,
        kind: 'transition',
        task: e.taskId || undefined,
        slot: t.slot,
        from: MIG_STATE_WIRE.fromWire(t.fromState) ?? 'MigSink',
        to: MIG_STATE_WIRE.fromWire(t.toState) ?? 'MigSink',
        command: MIG_COMMAND_WIRE.fromWire(t.command) ?? 'abort',
      };
    }
    case 'fault': {
      const f = e.fault!.fault!;
      return { ...base, kind: 'fault', task: e.taskId, traveler: e.fault!.traveler, fault: FAULT_KIND_WIRE.fromWire(f.kind) ?? 'internal', message: f.message, pc: f.pc, address: f.address };
    }
    case 'exit':
      return { ...base, kind: 'exit', task: e.taskId, traveler: e.exit!.traveler, code: e.exit!.code };
    case 'migration': {
      const m = e.migration!;
      const status = m.status === 'MIGRATION_STATUS_UNSPECIFIED' ? undefined : MIGRATION_STATUS_WIRE.fromWire(m.status);
      return {
        ...base,
        kind: 'migration',
        task: e.taskId,
        phase: MIGRATION_STEP_WIRE.fromWire(m.step) ?? 'stopped',
        detail: m.detail,
        ...(status ? { status } : {}),
        ...(m.pass ? { pass: m.pass } : {}),
      };
    }
    case 'hm': {
      const h = e.hm!;
      return {
        ...base,
        kind: 'hm',
        partition: h.partition,
        task: h.taskId,
        traveler: h.traveler,
        event: h.event as HmEvent,
        level: h.level as HmLevel,
        action: h.action as HmAction,
        detail: h.details,
      };
    }
    case 'partitionMode': {
      const p = e.partitionMode!;
      return { ...base, kind: 'partition', partition: p.partition, from: p.fromMode as PartitionMode, to: p.toMode as PartitionMode, condition: p.startCondition as StartCondition, detail: p.detail };
    }
    default:
      return undefined;
  }
}

/** An HM log entry as the wire message. */
export function toWireHmEntry(e: HmEntry): WireHmEntry {
  return { seq: e.seq, tick: e.tick, node: e.node, partition: e.partition, taskId: e.task, traveler: e.traveler, event: e.event, level: e.level, action: e.action, details: e.details };
}

/** A partition's status as the wire message. */
export function toWirePartitionState(s: PartitionStatus): PartitionState {
  return {
    partition: s.partition,
    mode: s.mode,
    startCondition: s.startCondition,
    start: s.start,
    lastChangeTick: s.lastChangeTick,
    modeChanges: s.modeChanges,
    tasks: s.tasks.map((t) => ({ taskId: t.task, slot: t.slot, startCondition: t.startCondition })),
  };
}

/** Events lost to a resuming watcher, as a wire Event. */
export function toGapEvent(node: string, tick: number, first: number, last: number): Event {
  return { seq: 0, node, tick, taskId: '', kind: 'EVENT_KIND_GAP', gap: { firstSeq: first, lastSeq: last } };
}

/** Migration statistics as the wire message. */
export function toWireStats(s: MigrationStats): WireStats {
  const { predicted, precopyStop, maxBandwidth, transferBytesPerS, expectedDowntimeMs, ...rest } = s;
  return {
    ...rest,
    ...(precopyStop ? { precopyStop: PRECOPY_STOP_WIRE.toWire(precopyStop) } : {}),
    maxBandwidthBytesPerS: Math.round(maxBandwidth),
    transferBytesPerS: Math.round(transferBytesPerS),
    expectedDowntimeMs: round3(expectedDowntimeMs),
    taskId: s.task,
    mode: MIGRATION_MODE_WIRE.toWire(s.mode),
    status: MIGRATION_STATUS_WIRE.toWire(s.status),
    compression: COMPRESSION_WIRE.toWire(s.compression),
    ...(predicted ? { predicted: toWirePrediction(predicted) } : {}),
  };
}

/** A prediction as the wire message (times in ms, rates per second). */
export function toWirePrediction(p: Prediction): WirePrediction {
  const i = p.inputs;
  return {
    mode: MIGRATION_MODE_WIRE.toWire(p.mode),
    compression: COMPRESSION_WIRE.toWire(p.compression),
    totalMs: round3(p.totalMs),
    downtimeMs: round3(p.downtimeMs),
    rounds: p.rounds,
    bytes: p.bytes,
    pages: p.pages,
    pagesPerRound: [...p.pagesPerRound],
    throttlePerRound: [...(p.throttlePerRound ?? [])],
    probeMs: round3(p.probeMs),
    inputs: {
      pageSize: i.pageSize,
      presentPages: i.presentPages,
      nonzeroPages: i.nonzeroPages,
      headerBytes: i.headerBytes,
      scanMs: round3(i.scanMs),
      dirtyWindowMs: round3(i.dirty.windowMs),
      workingSetPages: i.dirty.workingSetPages,
      dirtyRatePagesPerS: round3(i.dirty.ratePagesPerS),
      dirtyGrowthPagesPerS: round3(i.dirty.growthPagesPerS),
      bandwidthBytesPerS: Math.round(i.bandwidthBytesPerS),
      rttMs: round3(i.rttMs),
      compressionRatio: round3(i.compressionRatio),
      batchMs: round3(i.batchMs),
      batchLatencyMs: round3(i.batchLatencyMs),
      zeroBatches: i.zeroBatches,
      probeBytes: i.probeBytes,
      precopyStopPages: i.precopyStopPages,
      precopyMaxRounds: i.precopyMaxRounds,
      precopyStop: p.precopyStop ? PRECOPY_STOP_WIRE.toWire(p.precopyStop) : 'PRECOPY_STOP_UNSPECIFIED',
      downtimeLimitMs: i.downtimeLimitMs,
      maxBandwidthBytesPerS: Math.round(i.maxBandwidthBytesPerS),
      autoConverge: i.autoConverge,
    },
  };
}

/** Info as the wire InfoResponse. */
export function toInfoResponse(i: NodeInfo): InfoResponse {
  const s = i.slot;
  return {
    node: i.node,
    wordSize: i.word,
    endian: endianToWire(i.endian),
    pageSize: i.pageSize,
    compression: i.compression.map((c) => COMPRESSION_WIRE.toWire(c)),
    maxStreams: MAX_STREAMS,
    tick: i.tick,
    tickUs: i.tickUs,
    gateForwards: i.gateForwards,
    schedulePlans: [...(i.schedulePlans ?? [])],
    currentPlan: i.currentPlan ?? '',
    samplingPorts: (i.samplingPorts ?? []).map((p) => ({ ...p })),
    ...(i.departed ? { departed: { taskId: i.departed.taskId, toNode: i.departed.to, tick: i.departed.tick } } : {}),
    ...(s
      ? {
          slot: {
            slot: s.slot,
            state: MIG_STATE_WIRE.toWire(s.state),
            taskId: s.taskId,
            partition: s.partition,
            migratable: s.migratable,
            fingerprint: s.fingerprint,
            settings: settingsToWire(s.settings),
            acceptedCommands: s.acceptedCommands.map((c) => COMMAND_WIRE.toWire(c)),
            freeSlots: s.freeSlots,
            slotBytes: s.slotBytes,
            ...(s.migration ? { migration: toMigrationRef(s.migration) } : {}),
            requiredPlan: s.requiredPlan ?? '',
          },
        }
      : {}),
  };
}
