/**
 * The node's health monitor (README "Health monitor"): every fault of a traveler
 * and every other event it watches (stack overflow, deadline overrun, gate
 * overflow, application errors) is looked up in the partition's table, then the
 * node's, then the default; the action is carried out and, unless the rule says
 * `log: false`, the event goes into the bounded HM log and on `watch`.
 *
 * Without any table a fault stops the traveler (as it always did) and the other
 * events are only logged.
 */
import {
  type HmAction,
  type HmEvent,
  type HmLevel,
  type HmRule,
  type NodeDef,
} from '../config/index.ts';
import { instructionLength, OPCODES, SP, stackTop } from '../machine/index.ts';
import type { FaultKind, MigTask, MigTraveler, TravelerFault } from '../migtask/index.ts';
import { hmEventCode, MemoryFault } from '../partition/index.ts';
import type { NodeEvent } from './events.ts';
import { HmLog, type HmEntry } from './hm-log.ts';
import type { PartitionModes } from './partition-modes.ts';
import type { Restarted, TaskImages } from './task-images.ts';

/** What the health monitor needs of the node. */
export interface HmHost {
  readonly name: string;
  readonly tick: number;
  readonly def: NodeDef;
  publish(e: NodeEvent): void;
  /** Stops a traveler on a fault: marks it and publishes the fault event. */
  stopTraveler(task: MigTask, t: MigTraveler, fault: TravelerFault): void;
}

/** A rule as resolved for one event: the table's, or the default. */
export interface ResolvedRule {
  readonly level: HmLevel;
  readonly action: HmAction;
  readonly log: boolean;
  /** Where it came from. */
  readonly from: 'partition' | 'node' | 'default';
}

/** Events that are CPU or memory faults of a traveler: by default they stop it. */
const FAULT_EVENTS: readonly HmEvent[] = ['bad-opcode', 'bad-syscall', 'memory-violation', 'write-read-only', 'divide-by-zero', 'lost-page', 'internal'];

/** The default rule of an event nobody's table names (today's behaviour). */
export function defaultRule(event: HmEvent, fromFault: boolean): ResolvedRule {
  const stops = fromFault || FAULT_EVENTS.includes(event);
  return { level: 'node', action: stops ? 'stop-traveler' : 'ignore', log: true, from: 'default' };
}

/** The health-monitor event of a traveler fault (`stackOverflow`: its sp had left its stack slice). */
export function eventOfFault(kind: FaultKind, stackOverflow: boolean): HmEvent {
  switch (kind) {
    case 'bad-opcode':
    case 'bad-syscall':
    case 'divide-by-zero':
    case 'internal':
    case 'stack-overflow':
    case 'deadline-overrun':
    case 'gate-overflow':
    case 'application-error':
      return kind;
    case 'lost':
      return 'lost-page';
    case 'write-protected':
      return stackOverflow ? 'stack-overflow' : 'write-read-only';
    case 'bad-pc':
      return 'memory-violation';
    default:
      return stackOverflow ? 'stack-overflow' : 'memory-violation';
  }
}

/** The health monitor of one node. */
export class HealthMonitor {
  /** The handled events, newest last. */
  readonly log: HmLog;
  private readonly nodeTable: ReadonlyMap<HmEvent, HmRule>;
  private readonly partitionTables = new Map<string, ReadonlyMap<HmEvent, HmRule>>();
  /** Handler addresses registered with hm_handler, by task id (one-shot: taken when used). */
  private readonly handlers = new Map<string, number>();
  /** Deadlines set with `deadline`, as absolute ticks. */
  private readonly deadlines = new Map<MigTraveler, { readonly task: MigTask; readonly tick: number }>();
  /** Travelers whose sp is out of their stack slice (reported once until it is back). */
  private readonly overflowing = new WeakSet<MigTraveler>();
  /** Top of traveler 0's stack slice, per partition definition. */
  private readonly stackTops = new Map<object, number>();

  constructor(
    private readonly host: HmHost,
    private readonly modes: PartitionModes,
    private readonly images: TaskImages,
    logSize?: number,
  ) {
    this.log = new HmLog(logSize);
    this.nodeTable = new Map((host.def.healthMonitor ?? []).map((r) => [r.event, r]));
    for (const p of host.def.partitions) this.partitionTables.set(p.name, new Map((p.healthMonitor ?? []).map((r) => [r.event, r])));
  }

  /** The rule for `event` in `partition`: its table, the node's, or the default. */
  resolve(partition: string, event: HmEvent, fromFault = false): ResolvedRule {
    const own = this.partitionTables.get(partition)?.get(event);
    if (own) return { level: own.level, action: own.action, log: own.log, from: 'partition' };
    const node = this.nodeTable.get(event);
    if (node) return { level: node.level, action: node.action, log: node.log, from: 'node' };
    return defaultRule(event, fromFault);
  }

  /** A traveler faulted (CPU trap, memory fault, bad system call, simulator defect): handle it. */
  fault(task: MigTask, t: MigTraveler, fault: TravelerFault): void {
    const event = eventOfFault(fault.kind, fault.kind !== 'lost' && fault.kind !== 'internal' && this.outOfStack(task, t));
    const details = event === 'stack-overflow' && fault.kind !== 'stack-overflow' ? `${fault.message} (sp out of its stack slice)` : fault.message;
    this.handle(task, t, event, details, fault);
  }

  /**
   * An event that is no fault (application error, gate overflow, deadline
   * overrun, stack overflow seen at a preemption): handle it. Returns the action taken.
   */
  raise(task: MigTask, t: MigTraveler, event: HmEvent, details: string): HmAction {
    return this.handle(task, t, event, details, undefined);
  }

  /** hm_handler: registers (0: removes) the task's handler; returns the previous one (0: none). */
  setHandler(task: MigTask, address: number): number {
    const id = task.id ?? task.slotName;
    const before = this.handlers.get(id) ?? 0;
    if (address === 0) this.handlers.delete(id);
    else this.handlers.set(id, address);
    return before;
  }

  /** deadline: the traveler must call it again within `ticks` (0: no deadline). */
  setDeadline(task: MigTask, t: MigTraveler, ticks: number): void {
    if (ticks <= 0) this.deadlines.delete(t);
    else this.deadlines.set(t, { task, tick: this.host.tick + ticks });
  }

  /** A task ended or left the node: its handler goes (its travelers' deadlines went with them). */
  forget(id: string): void {
    this.handlers.delete(id);
  }

  /**
   * A task restarted (from its entry or a checkpoint): its deadlines and its
   * handler are cleared, and its travelers run again from the next tick (so a
   * task that faults at once restarts at most once a tick).
   */
  restarted(task: MigTask): void {
    this.handlers.delete(task.id ?? task.slotName);
    for (const t of task.travelers) {
      this.deadlines.delete(t);
      this.overflowing.delete(t);
      t.yieldedAt = this.host.tick;
    }
  }

  /** Raises deadline-overrun for every traveler of `partition` past its deadline (each once). */
  /**
   * The first tick at which {@link checkDeadlines} could raise an overrun in
   * `partition` (a deadline's tick + 1), or Infinity: the run loop may not pass
   * over it as idle.
   */
  nextDeadlineCheck(partition: string): number {
    let first = Infinity;
    for (const d of this.deadlines.values()) if (d.task.partition.name === partition) first = Math.min(first, d.tick + 1);
    return first;
  }

  checkDeadlines(partition: string): void {
    if (this.deadlines.size === 0) return;
    for (const [t, d] of this.deadlines) {
      if (d.task.partition.name !== partition || this.host.tick <= d.tick) continue;
      this.deadlines.delete(t);
      if (!d.task.travelers.includes(t) || !t.runnable) continue;
      this.raise(d.task, t, 'deadline-overrun', `deadline of tick ${d.tick} passed (now tick ${this.host.tick})`);
    }
  }

  /** After a traveler ran: raises stack-overflow once when its sp left its stack slice. */
  checkStack(task: MigTask, t: MigTraveler): void {
    if (!this.outOfStack(task, t)) {
      this.overflowing.delete(t);
      return;
    }
    if (this.overflowing.has(t)) return;
    this.overflowing.add(t);
    this.raise(task, t, 'stack-overflow', `sp 0x${(Number(t.cpu.r[SP]) >>> 0).toString(16)} is below its stack slice`);
  }

  /** The kept entries of the HM log (the newest `limit`). */
  entries(limit?: number): readonly HmEntry[] {
    return this.log.list(limit);
  }

  /** Whether the traveler's sp is below its stack slice (checked each time it loses the CPU, so kept cheap). */
  private outOfStack(task: MigTask, t: MigTraveler): boolean {
    const def = task.partition.def;
    let top0 = this.stackTops.get(def);
    if (top0 === undefined) {
      top0 = stackTop(def, 0);
      this.stackTops.set(def, top0);
    }
    const bottom = top0 - (t.id + 1) * def.stackPerTraveler;
    return Number(t.cpu.r[SP]) < bottom;
  }

  private handle(task: MigTask, t: MigTraveler, event: HmEvent, details: string, fault: TravelerFault | undefined): HmAction {
    const rule = this.resolve(task.partition.name, event, fault !== undefined);
    const stopFault = (): TravelerFault => fault ?? { kind: event as FaultKind, message: details, pc: t.cpu.pc };
    let action = rule.action;
    let what: string;
    switch (rule.action) {
      case 'ignore':
        if (!fault) what = 'ignored';
        else if (this.skip(task, t)) what = 'ignored: the traveler goes on after the instruction';
        else {
          this.host.stopTraveler(task, t, stopFault());
          action = 'stop-traveler';
          what = 'cannot skip the instruction: traveler stopped';
        }
        break;
      case 'stop-traveler':
        this.host.stopTraveler(task, t, stopFault());
        what = 'traveler stopped';
        break;
      case 'restart-task': {
        const r = this.images.restart(task, true);
        if (r) {
          this.restarted(task);
          what = `task restarted ${describeRestart(r)}`;
        }
        else {
          this.host.stopTraveler(task, t, stopFault());
          action = 'stop-traveler';
          what = 'no restart image on this node (it arrived by migration and took no checkpoint here): traveler stopped';
        }
        break;
      }
      case 'propagate': {
        const handler = this.handlers.get(task.id ?? task.slotName);
        if (handler === undefined) {
          this.host.stopTraveler(task, t, stopFault());
          action = 'stop-traveler';
          what = 'no handler registered: traveler stopped';
          break;
        }
        this.handlers.delete(task.id ?? task.slotName);
        const pc = t.cpu.pc;
        t.status = 'ready';
        t.wait = undefined;
        t.fault = undefined;
        t.setReg(0, hmEventCode(event));
        t.setReg(1, pc);
        t.setReg(2, fault?.address ?? 0);
        t.cpu.pc = handler;
        what = `propagated to the handler at 0x${handler.toString(16)} (r0 = ${hmEventCode(event)}, r1 = pc 0x${pc.toString(16)})`;
        break;
      }
      case 'stop-partition':
        if (fault) this.host.stopTraveler(task, t, stopFault());
        this.modes.setMode(task.partition.name, 'IDLE', 'hm', `health monitor: ${event}`);
        what = `partition ${task.partition.name} stopped (IDLE)`;
        break;
      case 'warm-restart-partition':
      case 'cold-restart-partition': {
        const warm = rule.action === 'warm-restart-partition';
        if (fault) {
          // Stopped unless the restart brings it back.
          t.status = 'faulted';
          t.fault = stopFault();
        }
        this.modes.setMode(task.partition.name, warm ? 'WARM_START' : 'COLD_START', 'hm', `health monitor: ${event}`);
        what = `partition ${task.partition.name} ${warm ? 'warm' : 'cold'}-restarted`;
        if (fault && t.status === 'faulted') {
          this.host.stopTraveler(task, t, stopFault());
          what += '; this task had no restart image: traveler stopped';
        }
        break;
      }
    }
    if (rule.log) this.record(task, t, event, rule.level, action, `${details}; ${what}`);
    return action;
  }

  /** Moves the pc past the faulting instruction; false when it cannot be read. */
  private skip(task: MigTask, t: MigTraveler): boolean {
    try {
      const word = task.space.ld32u(t.cpu.pc);
      const op = OPCODES[word & 0xff];
      t.cpu.pc += op ? instructionLength(op.format) : 4;
    } catch (e: unknown) {
      if (e instanceof MemoryFault) return false;
      throw e;
    }
    t.status = 'ready';
    t.wait = undefined;
    t.fault = undefined;
    return true;
  }

  private record(task: MigTask, t: MigTraveler, event: HmEvent, level: HmLevel, action: HmAction, details: string): void {
    const e = this.log.append({
      tick: this.host.tick,
      node: this.host.name,
      partition: task.partition.name,
      task: task.id ?? task.slotName,
      traveler: t.id,
      event,
      level,
      action,
      details,
    });
    this.host.publish({ kind: 'hm', node: e.node, tick: e.tick, partition: e.partition, task: e.task, traveler: e.traveler, event, level, action, detail: details });
  }
}

function describeRestart(r: Restarted): string {
  switch (r.kind) {
    case 'checkpoint':
      return `warm from its checkpoint of tick ${r.tick}`;
    case 'entry':
      return 'from its entry (no checkpoint)';
  }
}

