/**
 * Running travelers: one run queue per partition (priority, then round robin),
 * and the loop that gives a window's travelers the CPU for the tick's
 * instruction budget, completes their system calls and waits, and hands their
 * faults to the node's health monitor (health-monitor.ts), which decides what
 * happens to the traveler; the partition's mode decides who may run. A defect of the simulator in one traveler's
 * step faults that traveler (kind `internal`); it never takes the node down.
 */
import { describeError, log as processLog } from '../common/index.ts';
import type { PartitionMode } from '../config/index.ts';
import { CpuTrap, run, Sys } from '../machine/index.ts';
import type { FaultKind, MigTask, MigTraveler, TravelerFault } from '../migtask/index.ts';
import { MemoryFault, SysError } from '../partition/index.ts';
import type { Node, NodeTestHooks } from './node.ts';
import { mayRunIn } from './partition-modes.ts';
import { RunQueue } from './scheduler.ts';
import { BadSystemCall, pollWait, systemCall } from './syscalls.ts';

type Entry = { readonly task: MigTask; readonly traveler: MigTraveler; readonly priority: number };

/** The run queues and the run loop of one node. */
export class TravelerRunner {
  private readonly queues = new Map<string, RunQueue<Entry>>();
  private readonly entries = new Map<MigTraveler, Entry>();
  /** Instructions executed on this node since it was made (monotonic). */
  executed = 0;

  constructor(
    private readonly node: Node,
    partitions: readonly string[],
    private readonly log: (line: string) => void = (l) => processLog().error(l),
    private readonly hooks: NodeTestHooks = {},
  ) {
    for (const p of partitions) this.queues.set(p, new RunQueue<Entry>());
  }

  /** Rebuilds the run queue of a partition after its tasks changed. */
  sync(partition: string): void {
    const current: Entry[] = [];
    for (const [t, e] of this.entries) if (e.task.partition.name === partition && !e.task.travelers.includes(t)) this.entries.delete(t);
    for (const slot of this.node.slots) {
      if (slot.partition.name !== partition) continue;
      for (const t of slot.travelers) {
        let e = this.entries.get(t);
        if (!e || e.task !== slot) {
          e = { task: slot, traveler: t, priority: t.priority };
          this.entries.set(t, e);
        }
        current.push(e);
      }
    }
    this.queues.get(partition)?.sync(current);
  }

  /**
   * The first tick in [from, end) at which a window could give a traveler the CPU,
   * or `end`. Every earlier tick is idle: each traveler of the partition owning it
   * (`ownerAt`) is asleep past it, stopped, paused, ended or faulted, so
   * {@link runWindow} would neither run anything nor change anything there.
   * Conservative: a ready traveler, or one waiting on a gate or a page (whose wait
   * may end any tick), makes its partition's next window busy. Never beyond
   * `frameStart` (the next major-frame start), so whatever the node does at a
   * frame's start happens in a step of its own.
   */
  nextBusyTick(from: number, end: number, ownerAt: (tick: number) => string | undefined, frameStart: number): number {
    let next = Math.min(end, frameStart);
    for (const [partition, queue] of this.queues) {
      // A deadline's check happens at the start of a window, whether or not a traveler runs in it.
      const wake = Math.max(from, Math.min(queue.earliest((e) => this.wakeTick(e, from)), this.node.health.hm.nextDeadlineCheck(partition)));
      for (let t = wake; t < next; t++) {
        if (ownerAt(t) === partition) {
          next = t;
          break;
        }
      }
    }
    return next;
  }

  /** The earliest tick at which an entry might run (`now` when it may run at once). */
  private wakeTick(e: Entry, now: number): number {
    const { task, traveler } = e;
    if (task.state !== 'MigSource' || task.paused) return Infinity;
    if (traveler.status === 'ready') return now;
    if (traveler.status !== 'waiting') return Infinity;
    const w = traveler.wait;
    return w?.kind === 'sleep' ? w.until : now;
  }

  /** Runs the travelers of `partition` for one tick's instruction budget (its window owns the tick). */
  runWindow(partition: string): void {
    const queue = this.queues.get(partition);
    if (!queue || queue.size === 0) return;
    const { modes, hm } = this.node.health;
    const mode = modes.live(partition);
    if (mode?.mode === 'IDLE') return;
    hm.checkDeadlines(partition);
    let budget = this.node.def.cpu.instructionsPerTick;
    // A migration's auto-converge withholds a share of a task's budget this tick.
    const allowance = new Map<MigTask, number>();
    const allowed = (task: MigTask): number => {
      if (task.throttle <= 0) return Infinity;
      let left = allowance.get(task);
      if (left === undefined) {
        left = Math.floor((this.node.def.cpu.instructionsPerTick * (100 - Math.min(100, task.throttle))) / 100);
        allowance.set(task, left);
      }
      return left;
    };
    const eligible = (e: Entry): boolean => {
      const { task, traveler } = e;
      if (task.state !== 'MigSource' || task.paused || traveler.yieldedAt === this.node.tick || !mayRunIn(mode, traveler)) return false;
      if (allowed(task) <= 0) return false;
      if (traveler.status === 'waiting') return this.poll(task, traveler);
      return traveler.status === 'ready';
    };
    while (budget > 0) {
      const e = queue.pick(eligible);
      if (!e) break;
      try {
        const left = allowed(e.task);
        const used = this.runTraveler(e.task, e.traveler, Math.min(budget, left), mode);
        budget -= used;
        if (left !== Infinity) allowance.set(e.task, left - used);
      } catch (err: unknown) {
        // A defect in the simulator must not take the node down: stop this traveler, report it.
        this.fault(e.task, e.traveler, err);
        budget = 0;
      }
      queue.rotate(e);
    }
  }

  private poll(task: MigTask, t: MigTraveler): boolean {
    try {
      this.hooks.beforePoll?.(task, t);
      return pollWait(t, task, this.node);
    } catch (e: unknown) {
      try {
        // A buffer page of a pending receive has not arrived (post-copy): fetch it, keep waiting.
        if (e instanceof MemoryFault && e.kind === 'not-present' && task.postcopy) task.postcopy.fault(task.space.pageIndexOf(e.address));
        else this.fault(task, t, e);
      } catch (again: unknown) {
        this.fault(task, t, again);
      }
      return false;
    }
  }

  /**
   * Gives a traveler the CPU for at most `budget` instructions: it keeps it across
   * system calls that complete at once, and loses it when it yields, waits, exits,
   * faults or exhausts the budget. Returns the instructions it executed.
   */
  private runTraveler(task: MigTask, t: MigTraveler, budget: number, mode: { readonly mode: PartitionMode } | undefined): number {
    let used = 0;
    const hm = this.node.health.hm;
    this.hooks.beforeRun?.(task, t);
    while (used < budget && t.status === 'ready' && t.yieldedAt !== this.node.tick && !task.paused && mayRunIn(mode, t)) {
      const n = run(t.cpu, task.cache, budget - used);
      t.instructions += n;
      this.executed += n;
      used += n;
      if (t.cpu.fault !== undefined) {
        const f = t.cpu.fault;
        if (f instanceof MemoryFault && f.kind === 'not-present') {
          this.onPageFault(task, t, f);
        } else {
          this.fault(task, t, f);
        }
      } else if (t.cpu.trap >= 0) {
        this.systemCall(task, t);
      }
      if (t.runnable) hm.checkStack(task, t);
    }
    return used;
  }

  private systemCall(task: MigTask, t: MigTraveler): void {
    try {
      const num = t.cpu.trap;
      const outcome = systemCall(num, t, task, this.node);
      if (num === Sys.gate_send && Number(t.reg(0)) === -SysError.E_FULL) {
        this.node.health.hm.raise(task, t, 'gate-overflow', 'gate_send to a full gate (E_FULL)');
      }
      if (outcome === 'exit') {
        this.node.publish({ kind: 'exit', node: this.node.name, tick: this.node.tick, task: task.id!, traveler: t.id, code: t.exitCode ?? 0 });
      }
    } catch (e: unknown) {
      // The sys instruction did not complete: it runs again after a missing page
      // arrives, or the fault is reported at it. Either way it did not execute.
      t.cpu.pc -= 4;
      t.instructions -= 1;
      this.executed -= 1;
      if (e instanceof MemoryFault && e.kind === 'not-present') this.onPageFault(task, t, e);
      else this.fault(task, t, e);
    }
  }

  /** A traveler touched a page that has not arrived: a post-copy fetch, or a fault if none can come. */
  private onPageFault(task: MigTask, t: MigTraveler, f: MemoryFault): void {
    const page = task.space.pageIndexOf(f.address);
    t.status = 'waiting';
    t.wait = { kind: 'page', page };
    if (task.postcopy) task.postcopy.fault(page);
    else this.fault(task, t, f);
  }

  /** Logs the cause of an internal error in one place (the node log, never a reply). */
  logInternal(where: string, e: unknown): void {
    this.log(`node ${this.node.name}: internal error in ${where}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }

  /**
   * A traveler faulted: the health monitor decides what happens (by default it is
   * stopped); the node goes on. Anything that is not a typed fault (a simulator
   * defect) is kind `internal`.
   */
  fault(task: MigTask, t: MigTraveler, e: unknown): void {
    if (!(e instanceof MemoryFault || e instanceof CpuTrap || e instanceof BadSystemCall || e instanceof InternalFault)) {
      this.logInternal(`task ${task.id ?? task.slotName} traveler ${t.id}`, e);
      e = new InternalFault(e);
    }
    let kind: FaultKind;
    let message: string;
    if (e instanceof MemoryFault || e instanceof CpuTrap) {
      kind = e.kind;
      message = e.message;
    } else if (e instanceof BadSystemCall) {
      kind = 'bad-syscall';
      message = e.message;
    } else {
      kind = 'internal';
      message = (e as InternalFault).message;
    }
    this.node.health.hm.fault(task, t, { kind, message, pc: t.cpu.pc, ...(e instanceof MemoryFault ? { address: e.address } : {}) });
  }

  /** Stops a traveler on a fault and publishes the fault event (the health monitor's stop-traveler). */
  stopTraveler(task: MigTask, t: MigTraveler, f: TravelerFault): void {
    t.status = 'faulted';
    t.wait = undefined;
    t.fault = f;
    this.node.publish({ kind: 'fault', node: this.node.name, tick: this.node.tick, task: task.id ?? task.slotName, traveler: t.id, fault: f.kind, message: f.message, pc: f.pc, ...(f.address !== undefined ? { address: f.address } : {}) });
  }
}

/** An unexpected error while running a traveler (a simulator defect), reported as a fault. */
class InternalFault {
  readonly message: string;
  constructor(readonly cause: unknown) {
    this.message = `internal error: ${describeError(cause)}`;
  }
}
