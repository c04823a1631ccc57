/**
 * A node: one simulated hypervisor. It owns the physical memory, boots the
 * partitions of its configuration (each with its MigTask slots), runs the
 * time-partitioned schedule tick by tick, and publishes events. Time comes from
 * an injected rxjs scheduler: a VirtualTimeScheduler for deterministic runs, the
 * async scheduler for a node paced to wall-clock time.
 */
import * as path from 'node:path';
import { interval, Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { InvalidArgumentError, NotFoundError, ResourceExhaustedError, randomIds, taskId, type IdSource } from '../common/index.ts';
import { MigTask, type MigTraveler } from '../migtask/index.ts';
import { GateQueue, MemoryFault, Partition, PhysicalMemory } from '../partition/index.ts';
import type { Program } from '../machine/index.ts';
import type { ClusterConfig, NodeDef } from '../config/index.ts';
import { run, CpuTrap, assembleFile } from '../machine/index.ts';
import type { NodeEvent } from './events.ts';
import { GateForwarder } from './gate-forwarder.ts';
import { RunQueue, TimePartitionSchedule } from './scheduler.ts';
import { BadSystemCall, pollWait, systemCall, type SysHost } from './syscalls.ts';

export interface NodeOptions {
  /** Where task ids come from (seeded in simulations so runs repeat exactly). */
  readonly ids?: IdSource;
}

export interface StartTaskRequest {
  readonly partition: string;
  /** Path of an assembly source file. */
  readonly program?: string;
  /** Or an already assembled program (with the name shown in ps). */
  readonly assembled?: { readonly program: Program; readonly name: string };
  readonly travelers?: number;
  readonly priority?: number;
}

export interface TravelerInfo {
  readonly id: number;
  readonly status: string;
  readonly priority: number;
  readonly pc: number;
  readonly sp: string;
  readonly flags: number;
  readonly registers: string[];
  readonly instructions: number;
  readonly wait?: string;
  readonly exitCode?: number;
  readonly fault?: string;
  readonly handles: { handle: number; provider: string; path: string }[];
}

export interface TaskInfo {
  readonly slot: string;
  readonly partition: string;
  readonly task: string | undefined;
  readonly program: string | undefined;
  readonly state: string;
  readonly run: string;
  readonly instructions: number;
  readonly pages: number;
  readonly pagesPresent: number;
  readonly pagesDirty: number;
  readonly memoryHash?: string;
  readonly travelers: TravelerInfo[];
}

type Entry = { readonly task: MigTask; readonly traveler: MigTraveler; readonly priority: number };

/** Ticks a paced node may run at once to catch up after a stall. */
const MAX_CATCH_UP = 200;

export class Node implements SysHost {
  readonly name: string;
  readonly memory: PhysicalMemory;
  readonly partitions = new Map<string, Partition>();
  readonly slots: MigTask[] = [];
  readonly gates = new Map<string, GateQueue>();
  readonly schedule: TimePartitionSchedule;
  tick = 0;
  private readonly events$ = new Subject<NodeEvent>();
  private readonly queues = new Map<string, RunQueue<Entry>>();
  private readonly entries = new Map<MigTraveler, Entry>();
  private readonly ids: IdSource;
  private pacer: Subscription | undefined;
  /** Forwarding records of gates whose receiver left this node. */
  readonly forwarder: GateForwarder;
  /** Where tasks that left this node went (forwarding records), by task id. */
  readonly departures = new Map<string, { readonly to: string; readonly tick: number }>();

  constructor(
    readonly def: NodeDef,
    readonly cluster: ClusterConfig,
    options: NodeOptions = {},
  ) {
    this.name = def.name;
    this.forwarder = new GateForwarder(
      (name) => this.gates.get(name),
      (gate, detail) => this.publish({ kind: 'migration', node: this.name, tick: this.tick, task: '', phase: 'forward-failed', detail: `gate ${gate}: ${detail}` }),
      def.name,
    );
    this.ids = options.ids ?? randomIds;
    this.memory = new PhysicalMemory(def.memory);
    this.schedule = new TimePartitionSchedule(def.schedule);
    for (const pdef of def.partitions) {
      const partition = new Partition(pdef, {
        nodeName: def.name,
        pageSize: def.cpu.pageSize,
        endian: def.cpu.endian,
        memory: this.memory,
        providers: cluster.providers,
      });
      this.partitions.set(pdef.name, partition);
      this.queues.set(pdef.name, new RunQueue<Entry>());
      for (let s = 0; s < pdef.slots; s++) {
        const slot = new MigTask(partition, s, def.cpu.word);
        slot.thread.transitions.subscribe((t) =>
          this.publish({
            kind: 'transition',
            node: this.name,
            tick: this.tick,
            slot: slot.slotName,
            task: slot.id,
            from: t.from,
            to: t.to,
            command: t.command,
          }),
        );
        this.slots.push(slot);
      }
      for (const grant of pdef.providers) {
        const p = cluster.providers.get(grant.provider);
        if (p?.kind === 'gate' && !this.gates.has(p.name)) {
          const q = new GateQueue(p.name, p.capacity, p.messageSize);
          q.onMessage = () => this.forwarder.kick(p.name);
          this.gates.set(p.name, q);
        }
      }
    }
  }

  // --- gates that follow their task ------------------------------------------

  /**
   * Gates whose messages belong to `task`: its partition receives on them and no
   * other task of the partition is left here to do so.
   */
  gatesReceivedBy(task: MigTask): string[] {
    const others = this.slots.some((s) => s !== task && s.partition === task.partition && s.state === 'MigSource');
    if (others) return [];
    return [...task.partition.gates].filter(([, r]) => r.receive).map(([name]) => name);
  }

  /**
   * Whether the task receiving on `gate` here is being moved away (stopped). Gate
   * messages forwarded from other nodes are refused meanwhile (their sender keeps
   * them and retries), so they cannot overtake the ones travelling with the task.
   */
  gateReceiverMoving(gate: string): boolean {
    return this.slots.some(
      (s) => (s.state === 'Transferring' || s.state === 'Committing') && s.partition.gates.get(gate)?.receive === true,
    );
  }

  /** Takes the queued messages of `gates` (they travel in the container). */
  takeGateMessages(gates: readonly string[]): { gate: string; messages: Uint8Array[] }[] {
    return gates.map((gate) => ({ gate, messages: this.gates.get(gate)?.drain() ?? [] })).filter((g) => g.messages.length > 0);
  }

  /** A migration did not happen: the taken messages go back to the front, in order. */
  restoreGateMessages(carried: readonly { gate?: string; messages?: Uint8Array[] }[]): void {
    for (const g of carried) this.gates.get(g.gate ?? '')?.prepend(g.messages ?? []);
  }

  /** A task arrived: its carried messages go first, and its gates are no longer forwarded away. */
  acceptGateMessages(carried: readonly { gate: string; messages: Uint8Array[] }[], gates: readonly string[]): void {
    for (const g of gates) this.forwarder.unroute(g);
    for (const g of carried) this.gates.get(g.gate)?.prepend(g.messages);
  }

  /** The task left: later messages on its gates follow it. */
  forwardGates(gates: readonly string[], address: string, name: string): void {
    for (const g of gates) this.forwarder.route(g, { address, name });
  }

  /** Everything the node publishes. */
  get events(): Observable<NodeEvent> {
    return this.events$.asObservable();
  }

  publish(e: NodeEvent): void {
    this.events$.next(e);
  }

  /** Starts the boot tasks of the configuration. */
  boot(): MigTask[] {
    return this.def.tasks.map((t) =>
      this.startTask({ partition: t.partition, program: t.program, travelers: t.travelers, priority: t.priority }),
    );
  }

  // --- SysHost --------------------------------------------------------------

  gate(name: string): GateQueue | undefined {
    return this.gates.get(name);
  }

  console(task: MigTask, traveler: MigTraveler, text: string): void {
    this.publish({ kind: 'console', node: this.name, tick: this.tick, task: task.id ?? task.slotName, traveler: traveler.id, text });
  }

  // --- tasks ----------------------------------------------------------------

  partition(name: string): Partition {
    const p = this.partitions.get(name);
    if (!p) throw new NotFoundError('partition', name, `on node ${this.name}`);
    return p;
  }

  /** A free (MigSink) slot of the partition, or a clear error. */
  freeSlot(partition: string): MigTask {
    const p = this.partition(partition);
    const slot = this.slots.find((s) => s.partition === p && s.state === 'MigSink');
    if (!slot) {
      throw new ResourceExhaustedError(`no free slot in partition ${partition} on node ${this.name} (${p.def.slots} slot${p.def.slots === 1 ? '' : 's'}, all in use)`);
    }
    return slot;
  }

  task(id: string): MigTask {
    const t = this.slots.find((s) => s.id === id);
    if (!t) {
      const gone = this.departures.get(id);
      throw new NotFoundError('task', id, `on node ${this.name}${gone ? ` (it left for ${gone.to} at tick ${gone.tick})` : ''}`);
    }
    return t;
  }

  /** A task by id, or a slot by name (`ctrl/1`). */
  taskOrSlot(ref: string): MigTask {
    return this.slots.find((s) => s.slotName === ref) ?? this.task(ref);
  }

  /** Remembers that a task left for another node (answers `info` and forwards later senders). */
  recordDeparture(taskId: string, to: string): void {
    this.departures.set(taskId, { to, tick: this.tick });
  }

  /** Initialize: assemble (if needed) and boot a program into a free slot of the partition. */
  startTask(req: StartTaskRequest): MigTask {
    const slot = this.freeSlot(req.partition);
    let program: Program;
    let name: string;
    if (req.assembled) {
      ({ program, name } = req.assembled);
    } else if (req.program) {
      program = assembleFile(req.program, slot.partition.def, this.def.cpu);
      name = path.basename(req.program);
    } else {
      throw new InvalidArgumentError('task start needs a program');
    }
    slot.initialize({
      id: taskId(name, this.ids),
      programName: name,
      program,
      travelers: req.travelers ?? 1,
      priority: req.priority ?? 10,
    });
    // A receiver is here now: its gates' messages stay here instead of following an old task.
    for (const g of this.gatesReceivedBy(slot)) this.forwarder.unroute(g);
    this.syncQueue(slot.partition.name);
    return slot;
  }

  pause(id: string): MigTask {
    const t = this.task(id);
    t.pause();
    return t;
  }

  resume(id: string): MigTask {
    const t = this.task(id);
    t.resume();
    return t;
  }

  kill(id: string): void {
    const t = this.task(id);
    t.kill();
    this.syncQueue(t.partition.name);
  }

  /** Clones a task into another free slot of its partition; the clone gets a new id. */
  copy(id: string): MigTask {
    const src = this.task(id);
    const dst = this.freeSlot(src.partition.name);
    dst.copyFrom(src, taskId(src.programName ?? 'task', this.ids));
    this.syncQueue(src.partition.name);
    return dst;
  }

  /** Rebuilds the run queue of a partition after its tasks changed. */
  syncQueue(partition: string): void {
    const current: Entry[] = [];
    for (const [t, e] of this.entries) if (e.task.partition.name === partition && !e.task.travelers.includes(t)) this.entries.delete(t);
    for (const slot of this.slots) {
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

  // --- time -----------------------------------------------------------------

  /** Runs one tick: the window's partition gets the CPU for one instruction budget. */
  step(): void {
    const owner = this.schedule.ownerAt(this.tick);
    if (owner !== undefined) this.runWindow(owner);
    this.tick++;
  }

  runTicks(n: number): void {
    for (let i = 0; i < n; i++) this.step();
  }

  /**
   * Paces the node by `scheduler`: each period, run the ticks that are due by the
   * scheduler's clock (catching up after a stall, at most MAX_CATCH_UP at once).
   * With `untilTick`, stops by itself when that tick is reached.
   */
  start(scheduler: SchedulerLike, untilTick?: number): void {
    if (this.pacer) return;
    const tickMs = this.def.tickUs / 1000;
    const t0 = scheduler.now();
    const base = this.tick;
    this.pacer = interval(Math.max(1, tickMs), scheduler).subscribe(() => {
      let due = base + Math.floor((scheduler.now() - t0) / tickMs);
      if (untilTick !== undefined) due = Math.min(due, untilTick);
      for (let i = 0; i < MAX_CATCH_UP && this.tick < due; i++) this.step();
      if (untilTick !== undefined && this.tick >= untilTick) this.stop();
    });
  }

  stop(): void {
    this.pacer?.unsubscribe();
    this.pacer = undefined;
  }

  get running(): boolean {
    return this.pacer !== undefined;
  }

  /** Stops pacing and completes the event stream. */
  shutdown(): void {
    this.stop();
    this.forwarder.close();
    for (const s of this.slots) {
      for (const t of s.travelers) t.handles.closeAll();
      s.thread.complete();
    }
    this.events$.complete();
  }

  private runWindow(partition: string): void {
    const queue = this.queues.get(partition);
    if (!queue || queue.size === 0) return;
    let budget = this.def.cpu.instructionsPerTick;
    const eligible = (e: Entry): boolean => {
      const { task, traveler } = e;
      if (task.state !== 'MigSource' || task.paused || traveler.yieldedAt === this.tick) return false;
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
        this.faultTraveler(e.task, e.traveler, new InternalFault(err));
        budget = 0;
      }
      queue.rotate(e);
    }
  }

  private poll(task: MigTask, t: MigTraveler): boolean {
    try {
      return pollWait(t, task, this);
    } catch (e: unknown) {
      // A buffer page of a pending receive has not arrived (post-copy): fetch it, keep waiting.
      if (e instanceof MemoryFault && e.kind === 'not-present' && task.postcopy) task.postcopy.fault(task.space.pageIndexOf(e.address));
      else this.faultTraveler(task, t, e);
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
    while (used < budget && t.status === 'ready' && t.yieldedAt !== this.tick && !task.paused) {
      const n = run(t.cpu, task.cache, budget - used);
      t.instructions += n;
      used += n;
      if (t.cpu.fault !== undefined) {
        const f = t.cpu.fault;
        if (f instanceof MemoryFault && f.kind === 'not-present') {
          this.onPageFault(task, t, f);
        } else {
          this.faultTraveler(task, t, f);
        }
      } else if (t.cpu.trap >= 0) {
        this.systemCall(task, t);
      }
    }
    return used;
  }

  private systemCall(task: MigTask, t: MigTraveler): void {
    try {
      const outcome = systemCall(t.cpu.trap, t, task, this);
      if (outcome === 'exit') {
        this.publish({ kind: 'exit', node: this.name, tick: this.tick, task: task.id!, traveler: t.id, code: t.exitCode ?? 0 });
      }
    } catch (e: unknown) {
      // The sys instruction did not complete: it runs again after a missing page
      // arrives, or the fault is reported at it. Either way it did not execute.
      t.cpu.pc -= 4;
      t.instructions -= 1;
      if (e instanceof MemoryFault && e.kind === 'not-present') this.onPageFault(task, t, e);
      else this.faultTraveler(task, t, e);
    }
  }

  /** A traveler touched a page that has not arrived: a post-copy fetch, or a fault if none can come. */
  private onPageFault(task: MigTask, t: MigTraveler, f: MemoryFault): void {
    const page = task.space.pageIndexOf(f.address);
    t.status = 'waiting';
    t.wait = { kind: 'page', page };
    if (task.postcopy) task.postcopy.fault(page);
    else this.faultTraveler(task, t, f);
  }

  /** Stops a traveler on a fault and raises a health-monitor event; the node goes on. */
  faultTraveler(task: MigTask, t: MigTraveler, e: unknown): void {
    let kind: string;
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
    this.publish({ kind: 'fault', node: this.name, tick: this.tick, task: task.id ?? task.slotName, traveler: t.id, fault: kind, message, pc: t.cpu.pc });
  }

  // --- introspection --------------------------------------------------------

  ps(options: { hashes?: boolean } = {}): TaskInfo[] {
    return this.slots.map((s) => taskInfo(s, options.hashes ?? false));
  }
}

/** An unexpected error while running a traveler (a simulator defect), reported as a fault. */
class InternalFault {
  readonly message: string;
  constructor(readonly cause: unknown) {
    this.message = `internal error: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
}

const hex = (n: number | bigint): string => `0x${BigInt.asUintN(64, BigInt(n)).toString(16)}`;

function describeWait(t: MigTraveler): string | undefined {
  const w = t.wait;
  if (!w) return undefined;
  switch (w.kind) {
    case 'sleep':
      return `sleep until tick ${w.until}`;
    case 'gate_recv':
      return `receive on gate ${w.gate}`;
    case 'gate_send':
      return `send on gate ${w.gate}`;
    case 'page':
      return `page ${w.page}`;
  }
}

export function taskInfo(s: MigTask, withHash: boolean): TaskInfo {
  const pt = s.space.pageTable;
  return {
    slot: s.slotName,
    partition: s.partition.name,
    task: s.id,
    program: s.programName,
    state: s.state,
    run: s.runState,
    instructions: s.instructions,
    pages: pt.pageCount,
    pagesPresent: pt.presentCount(),
    pagesDirty: pt.dirtyPages().length,
    ...(withHash && s.occupied ? { memoryHash: s.space.hash() } : {}),
    travelers: s.travelers.map((t) => {
      const wait = describeWait(t);
      return {
        id: t.id,
        status: t.status,
        priority: t.priority,
        pc: t.cpu.pc,
        sp: hex(t.cpu.r[15]!),
        flags: t.cpu.flags,
        registers: Array.from(t.cpu.r as ArrayLike<number | bigint>, (v) => hex(v)),
        instructions: t.instructions,
        ...(wait ? { wait } : {}),
        ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
        ...(t.fault ? { fault: `${t.fault.kind}: ${t.fault.message}` } : {}),
        handles: t.handles.describe().open,
      };
    }),
  };
}
