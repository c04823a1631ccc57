/**
 * Running travelers: one run queue per partition (priority, then round robin),
 * and the loop that gives a window's travelers the CPU for the tick's
 * instruction budget, completes their system calls and waits, and turns their
 * faults into health-monitor events. A defect of the simulator in one traveler's
 * step faults that traveler (kind `internal`); it never takes the node down.
 */
import { describeError } from '../common/index.ts';
import { CpuTrap, run } from '../machine/index.ts';
import type { FaultKind, MigTask, MigTraveler } from '../migtask/index.ts';
import { MemoryFault } from '../partition/index.ts';
import type { Node } from './node.ts';
import { RunQueue } from './scheduler.ts';
import { BadSystemCall, pollWait, systemCall } from './syscalls.ts';

type Entry = { readonly task: MigTask; readonly traveler: MigTraveler; readonly priority: number };

/** The run queues and the run loop of one node. */
export class TravelerRunner {
  private readonly queues = new Map<string, RunQueue<Entry>>();
  private readonly entries = new Map<MigTraveler, Entry>();

  constructor(
    private readonly node: Node,
    partitions: readonly string[],
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
      const wake = Math.max(from, queue.earliest((e) => this.wakeTick(e, from)));
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
    let budget = this.node.def.cpu.instructionsPerTick;
    const eligible = (e: Entry): boolean => {
      const { task, traveler } = e;
      if (task.state !== 'MigSource' || task.paused || traveler.yieldedAt === this.node.tick) return false;
      if (traveler.status === 'waiting') return this.poll(task, traveler);
      return traveler.status === 'ready';
    };
    while (budget > 0) {
      const e = queue.pick(eligible);
      if (!e) break;
      try {
        budget -= this.runTraveler(e.task, e.traveler, budget);
      } catch (err: unknown) {
        // A defect in the simulator must not take the node down: stop this traveler, report it.
        this.fault(e.task, e.traveler, new InternalFault(err));
        budget = 0;
      }
      queue.rotate(e);
    }
  }

  private poll(task: MigTask, t: MigTraveler): boolean {
    try {
      return pollWait(t, task, this.node);
    } catch (e: unknown) {
      // A buffer page of a pending receive has not arrived (post-copy): fetch it, keep waiting.
      if (e instanceof MemoryFault && e.kind === 'not-present' && task.postcopy) task.postcopy.fault(task.space.pageIndexOf(e.address));
      else this.fault(task, t, e);
      return false;
    }
  }

  /**
   * Gives a traveler the CPU for at most `budget` instructions: it keeps it across
   * system calls that complete at once, and loses it when it yields, waits, exits,
   * faults or exhausts the budget. Returns the instructions it executed.
   */
  private runTraveler(task: MigTask, t: MigTraveler, budget: number): number {
    let used = 0;
    while (used < budget && t.status === 'ready' && t.yieldedAt !== this.node.tick && !task.paused) {
      const n = run(t.cpu, task.cache, budget - used);
      t.instructions += n;
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
    }
    return used;
  }

  private systemCall(task: MigTask, t: MigTraveler): void {
    try {
      const outcome = systemCall(t.cpu.trap, t, task, this.node);
      if (outcome === 'exit') {
        this.node.publish({ kind: 'exit', node: this.node.name, tick: this.node.tick, task: task.id!, traveler: t.id, code: t.exitCode ?? 0 });
      }
    } catch (e: unknown) {
      // The sys instruction did not complete: it runs again after a missing page
      // arrives, or the fault is reported at it. Either way it did not execute.
      t.cpu.pc -= 4;
      t.instructions -= 1;
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

  /** Stops a traveler on a fault and raises a health-monitor event; the node goes on. */
  fault(task: MigTask, t: MigTraveler, e: unknown): void {
    let kind: FaultKind;
    let message: string;
    if (e instanceof MemoryFault || e instanceof CpuTrap) {
      kind = e.kind;
      message = e.message;
    } else if (e instanceof BadSystemCall) {
      kind = 'bad-syscall';
      message = e.message;
    } else if (e instanceof InternalFault) {
      kind = 'internal';
      message = e.message;
    } else {
      throw e;
    }
    t.status = 'faulted';
    t.wait = undefined;
    t.fault = { kind, message, pc: t.cpu.pc, ...(e instanceof MemoryFault ? { address: e.address } : {}) };
    this.node.publish({ kind: 'fault', node: this.node.name, tick: this.node.tick, task: task.id ?? task.slotName, traveler: t.id, fault: kind, message, pc: t.cpu.pc, ...(e instanceof MemoryFault ? { address: e.address } : {}) });
  }
}

/** An unexpected error while running a traveler (a simulator defect), reported as a fault. */
class InternalFault {
  readonly message: string;
  constructor(readonly cause: unknown) {
    this.message = `internal error: ${describeError(cause)}`;
  }
}
