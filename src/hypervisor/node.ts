/**
 * A node: one simulated hypervisor. It owns the physical memory, boots the
 * partitions of its configuration (each with its MigTask slots), runs the
 * time-partitioned schedule tick by tick, and publishes events.
 *
 * Two clocks drive it, both injected: the tick clock is an rxjs scheduler given
 * to {@link Node.start} (a VirtualTimeScheduler for deterministic runs, the async
 * scheduler for a node paced to wall-clock time, or none: {@link Node.step} by
 * hand); the protocol clock ({@link NodeOptions.clock}) times the migrations'
 * timeouts and retries.
 *
 * The node is the host of everything below it: system calls reach it as a
 * {@link SysHost}, the migration protocols as a {@link MigrationHost}; its
 * migration state lives in {@link Node.migrations}.
 */
import * as path from 'node:path';
import { Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { InvalidArgumentError, NotFoundError, randomIds, ResourceExhaustedError, systemClock, taskId, type Clock, type Compression, type IdSource } from '../common/index.ts';
import type { ClusterConfig, NodeDef } from '../config/index.ts';
import { assembleFile, type Program } from '../machine/index.ts';
import { MigTask, NodeMigrations, type MigrationStep, type MigrationEventExtra, type HostCpu, type MigrationHost, type MigTraveler, type NodeMigrationsOptions } from '../migtask/index.ts';
import { Partition, PhysicalMemory, type GateQueue, type SampledMessage, type SamplingPort } from '../partition/index.ts';
import { EventLog } from './event-log.ts';
import type { NodeEvent } from './events.ts';
import { nodeInfo, type InfoTarget, type NodeInfo } from './node-info.ts';
import { NodeGates } from './node-gates.ts';
import { NodeHealth } from './node-health.ts';
import { NodePorts } from './node-ports.ts';
import { SchedulePlans } from './schedule-plans.ts';
import type { TimePartitionSchedule } from './scheduler.ts';
import type { SysHost, SysOutcome } from './syscalls.ts';
import { TravelerRunner } from './traveler-runner.ts';
import { taskInfo, type TaskInfo } from './task-info.ts';

/** How a node is made (everything has a default). */
export interface NodeOptions {
  /** Where task ids come from (seeded in simulations so runs repeat exactly). @default crypto randomness */
  readonly ids?: IdSource;
  /** The clock of migration timeouts, holds and retries. @default systemClock */
  readonly clock?: Clock;
  /** Timeouts of the node's migration state. */
  readonly migrations?: NodeMigrationsOptions;
  /** Events kept for watchers that resume. @default 10000 */
  readonly eventReplay?: number;
  /** Where the node logs what a user need not see (the cause of an `internal` fault). @default stderr */
  readonly log?: (line: string) => void;
  /**
   * For tests only (no request reaches it): called before a traveler runs or
   * its wait is polled, so a test can throw there as a simulator defect would.
   */
  readonly testHooks?: NodeTestHooks;
}

/** Where a test injects a defect into the step of one traveler ({@link NodeOptions.testHooks}). */
export interface NodeTestHooks {
  beforeRun?(task: MigTask, traveler: MigTraveler): void;
  beforePoll?(task: MigTask, traveler: MigTraveler): void;
}

/** Initialize: a program for a free slot of a partition. */
export interface StartTaskRequest {
  readonly partition: string;
  /** Path of an assembly source file. */
  readonly program?: string;
  /** Or an already assembled program (with the name shown in ps). */
  readonly assembled?: { readonly program: Program; readonly name: string };
  /** @default 1 */
  readonly travelers?: number;
  /** Higher runs first. @default 10 */
  readonly priority?: number;
}

/** Ticks a paced node may run at once to catch up after a stall. */
const MAX_CATCH_UP = 200;

/**
 * One simulated hypervisor node. Its lifecycle: constructed (partitions and slots
 * fixed from the configuration), {@link boot} (the configuration's boot tasks),
 * then ticks — by hand ({@link step}, {@link runTicks}) or paced by a scheduler
 * ({@link start}/{@link stop}) — and finally {@link shutdown}. Each tick the window
 * that owns it gives its partition's travelers the CPU for `instructions_per_tick`
 * instructions, by priority and round robin.
 */
export class Node implements SysHost, MigrationHost {
  /** The node's name in the cluster file. */
  readonly name: string;
  /** The node's physical memory (one buffer; partitions own fixed ranges of it). */
  readonly memory: PhysicalMemory;
  /** Partitions by name. */
  readonly partitions = new Map<string, Partition>();
  /** Every task slot of every partition, in configuration order. */
  readonly slots: MigTask[] = [];
  /** The schedule plans (README, "Schedule plans"): the current one, a switch pending. */
  readonly plans: SchedulePlans;
  /** The node's sampling ports (README, "Sampling ports"). */
  readonly ports: NodePorts;
  /** The current tick (ticks since boot). */
  tick = 0;
  /** The protocol clock (see {@link NodeOptions.clock}). */
  readonly clock: Clock;
  /** The node's gates and the forwarding of their messages after a task moved. */
  readonly taskGates: NodeGates;
  /** The node's migration state: its sink, saves, channels and post-copy residuals. */
  readonly migrations: NodeMigrations;
  /** Where tasks that left this node went (forwarding records), by task id. */
  readonly departures = new Map<string, { readonly to: string; readonly tick: number }>();
  private readonly events$ = new Subject<NodeEvent>();
  /** Every event, numbered, with the replay buffer of resuming watchers. */
  readonly eventLog: EventLog;
  /** The health monitor, the partition modes and the tasks' restart images. */
  readonly health: NodeHealth;
  private readonly runner: TravelerRunner;
  private readonly ids: IdSource;
  private pacer: Subscription | undefined;

  constructor(
    readonly def: NodeDef,
    readonly cluster: ClusterConfig,
    options: NodeOptions = {},
  ) {
    this.name = def.name;
    this.ids = options.ids ?? randomIds;
    this.clock = options.clock ?? systemClock;
    this.eventLog = new EventLog(options.eventReplay);
    this.memory = new PhysicalMemory(def.memory);
    this.plans = new SchedulePlans(def);
    this.ports = new NodePorts(def, cluster, () => this.tick);
    this.taskGates = new NodeGates(def.name, this.slots, (gate, detail) => this.migrationEvent('', 'forward-failed', `gate ${gate}: ${detail}`), this.clock);
    for (const pdef of def.partitions) {
      const partition = new Partition(pdef, {
        nodeName: def.name,
        pageSize: def.cpu.pageSize,
        endian: def.cpu.endian,
        memory: this.memory,
        providers: cluster.providers,
      });
      this.partitions.set(pdef.name, partition);
      for (let s = 0; s < pdef.slots; s++) {
        const slot = new MigTask(partition, s, def.cpu.word);
        slot.thread.transitions.subscribe((t) =>
          this.publish({ kind: 'transition', node: this.name, tick: this.tick, slot: slot.slotName, task: slot.id, from: t.from, to: t.to, command: t.command }),
        );
        this.slots.push(slot);
      }
      for (const grant of pdef.providers) {
        const p = cluster.providers.get(grant.provider);
        if (p?.kind === 'gate') this.taskGates.add(p);
      }
    }
    this.runner = new TravelerRunner(this, def.partitions.map((p) => p.name), options.log, options.testHooks);
    this.health = new NodeHealth(this, (task, t, f) => this.runner.stopTraveler(task, t, f));
    this.migrations = new NodeMigrations(this, { maxOutbound: cluster.migration?.maxOutbound, ...options.migrations });
  }

  /** Instructions the node's travelers executed since it was made (monotonic; its metrics read it). */
  get instructionsExecuted(): number {
    return this.runner.executed;
  }

  /** Everything the node publishes. */
  get events(): Observable<NodeEvent> {
    return this.events$.asObservable();
  }

  /** Publishes an event to every watcher. */
  publish(e: NodeEvent): void {
    this.eventLog.append(e);
    this.events$.next(e);
  }

  /** Starts the boot tasks of the configuration. */
  boot(): MigTask[] {
    return this.def.tasks.map((t) => this.startTask({ partition: t.partition, program: t.program, travelers: t.travelers, priority: t.priority }));
  }

  /** Info on the command channel: the node, and a task or a partition's free slot. */
  info(target?: InfoTarget): NodeInfo {
    return nodeInfo(this, target);
  }

  // --- SysHost --------------------------------------------------------------

  /** The node's gate of that name. */
  gate(name: string): GateQueue | undefined {
    return this.taskGates.queue(name);
  }

  /** The node's sampling port of that name. */
  samplingPort(name: string): SamplingPort | undefined {
    return this.ports.port(name);
  }

  /** A source wrote a sampling message: stored here, pushed to the destinations' nodes. */
  writePort(name: string, message: Uint8Array): void {
    this.ports.write(name, message);
  }

  /** The latest message of a sampling port, aged by this node's clock. */
  readPort(name: string): SampledMessage | undefined {
    return this.ports.read(name);
  }

  /** Asks for a schedule plan switch at the next major-frame boundary; the tick it takes effect at, or undefined for an unknown plan. */
  switchPlan(plan: string): number | undefined {
    return this.plans.has(plan) ? this.plans.request(plan, this.tick) : undefined;
  }

  /** A traveler completed a console line. */
  console(task: MigTask, traveler: MigTraveler, text: string): void {
    this.publish({ kind: 'console', node: this.name, tick: this.tick, task: task.id ?? task.slotName, traveler: traveler.id, text });
  }

  /** The health monitor's and the partition modes' system calls (16..21). */
  extendedCall(num: number, traveler: MigTraveler, task: MigTask): SysOutcome | undefined {
    return this.health.systemCall(num, traveler, task);
  }

  /** The time-partition schedule of the current plan (major frame and windows). */
  get schedule(): TimePartitionSchedule {
    return this.plans.table;
  }

  // --- MigrationHost --------------------------------------------------------

  /** The node's CPU (word size, byte order, page size). */
  get cpu(): HostCpu {
    return this.def.cpu;
  }

  /** The node's schedule plans by name. */
  get schedulePlans(): readonly string[] {
    return this.plans.names;
  }

  /** Compressions the node supports. */
  get compression(): readonly Compression[] {
    return this.def.compression;
  }

  /** Publishes a migration event of `task` at this tick. */
  migrationEvent(task: string, phase: MigrationStep, detail: string, extra: MigrationEventExtra = {}): void {
    this.publish({ kind: 'migration', node: this.name, tick: this.tick, task, phase, detail, ...extra });
  }

  /** The slot holding task `id`, if it is here. */
  findTask(id: string): MigTask | undefined {
    return this.slots.find((s) => s.id === id);
  }

  /** The partition of that name, if the node has it. */
  findPartition(name: string): Partition | undefined {
    return this.partitions.get(name);
  }

  /** The tasks of a partition changed: rebuilds its run queue. */
  tasksChanged(partition: string): void {
    this.syncQueue(partition);
  }

  /** Remembers that a task left for another node (answers `info` and forwards later senders). */
  recordDeparture(taskId: string, to: string): void {
    this.departures.set(taskId, { to, tick: this.tick });
  }

  // --- tasks ----------------------------------------------------------------

  /** The partition of that name (NotFoundError otherwise). */
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

  /** The slot holding task `id` (NotFoundError naming where it went, if it left). */
  task(id: string): MigTask {
    const t = this.findTask(id);
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
    this.taskGates.receiverStarted(slot);
    this.syncQueue(slot.partition.name);
    return slot;
  }

  /** Pause: the task's travelers stop being scheduled (they keep their state). */
  pause(id: string): MigTask {
    const t = this.task(id);
    t.pause();
    return t;
  }

  /** Resume a paused task. */
  resume(id: string): MigTask {
    const t = this.task(id);
    t.resume();
    return t;
  }

  /** Kill: ends the task; its slot is a MigSink again (memory zeroed, handles closed). */
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
    this.runner.sync(partition);
  }

  // --- time -----------------------------------------------------------------

  /** Runs one tick: the window's partition gets the CPU for one instruction budget. */
  step(): void {
    const owner = this.plans.ownerAt(this.tick);
    try {
      if (owner !== undefined) this.runner.runWindow(owner);
    } catch (e: unknown) {
      // A defect outside any one traveler's step: the tick ends, the node goes on.
      this.runner.logInternal(`tick ${this.tick} of partition ${owner}`, e);
    }
    this.tick++;
  }

  /** Runs `n` ticks (see {@link runUntil}). */
  runTicks(n: number): void {
    this.runUntil(this.tick + n);
  }

  /**
   * Runs ticks until the tick count reaches `end`. Idle ticks — in which no
   * traveler of the window's partition can run (all asleep past it, stopped or
   * ended) — change nothing but the tick count, so a stretch of them is passed in
   * one go; the events, their ticks and the final state are exactly those of
   * {@link step} called tick by tick.
   */
  runUntil(end: number): void {
    // Owners by the current plan; never past its next frame boundary, where a pending plan switch takes effect.
    const ownerAt = (t: number): string | undefined => this.plans.ownerAt(t);
    while (this.tick < end) {
      this.tick = this.runner.nextBusyTick(this.tick, end, ownerAt, this.plans.nextBoundary(this.tick + 1));
      if (this.tick < end) this.step();
    }
  }

  /**
   * Paces the node by `scheduler`: each period, run the ticks that are due by the
   * scheduler's clock (catching up after a stall, at most MAX_CATCH_UP at once).
   * With `untilTick`, stops by itself when that tick is reached.
   */
  start(scheduler: SchedulerLike, untilTick?: number): void {
    if (this.pacer) return;
    const tickMs = this.def.tickUs / 1000;
    const period = Math.max(1, tickMs);
    const t0 = scheduler.now();
    const base = this.tick;
    // Each period is a fresh action on the scheduler, not interval(): a
    // VirtualTimeScheduler chains every repetition of an action to the one before,
    // so a long run would build a chain as long as the run (and overflow the stack
    // when it is unsubscribed). One pending action at a time keeps stack and memory flat.
    let action: Subscription;
    const pace = (): void => {
      let due = base + Math.floor((scheduler.now() - t0) / tickMs);
      if (untilTick !== undefined) due = Math.min(due, untilTick);
      this.runUntil(Math.min(due, this.tick + MAX_CATCH_UP));
      if (this.pacer !== action) return; // stopped (or restarted) by a watcher meanwhile
      if (untilTick !== undefined && this.tick >= untilTick) this.stop();
      else this.pacer = action = scheduler.schedule(pace, period);
    };
    this.pacer = action = scheduler.schedule(pace, period);
  }

  /** Stops pacing (the node keeps its state; {@link start} goes on from here). */
  stop(): void {
    this.pacer?.unsubscribe();
    this.pacer = undefined;
  }

  /** Whether a scheduler paces the node. */
  get running(): boolean {
    return this.pacer !== undefined;
  }

  /** Stops pacing, settles the node's migrations and completes the event stream. */
  shutdown(): void {
    this.stop();
    this.migrations.close();
    this.taskGates.close();
    this.ports.close();
    for (const s of this.slots) {
      for (const t of s.travelers) t.handles.closeAll();
      s.thread.complete();
    }
    this.events$.complete();
    this.eventLog.complete();
  }

  /** Hands a traveler's fault to the health monitor, which acts on it; the node goes on. */
  faultTraveler(task: MigTask, t: MigTraveler, e: unknown): void {
    this.runner.fault(task, t, e);
  }

  // --- introspection --------------------------------------------------------

  /** Every slot as ps shows it (`hashes`: with memory hashes). */
  ps(options: { hashes?: boolean } = {}): TaskInfo[] {
    return this.slots.map((s) => taskInfo(s, options.hashes ?? false));
  }
}
