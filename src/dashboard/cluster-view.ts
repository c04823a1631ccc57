/**
 * What the dashboard knows of the cluster (README, "Dashboard"): each node's
 * CPU, memory, schedule, partitions and task slots as last polled, the
 * migrations in flight and recently ended, recent events, HM entries and
 * console lines, and the timeline of the last minutes (task residence per node,
 * moves between nodes). Every buffer is bounded; {@link ClusterView.snapshot}
 * is the JSON the page renders. Pure: the feeds and the actions write into it.
 */
import type { HmEntry__Output } from '../generated/migvisor/v1/HmEntry.ts';
import type { PartitionState__Output } from '../generated/migvisor/v1/PartitionState.ts';
import type { ScheduleStatusResponse__Output } from '../generated/migvisor/v1/ScheduleStatusResponse.ts';
import type { TaskSummary__Output } from '../generated/migvisor/v1/TaskSummary.ts';

/** How long the timeline reaches back, ms. */
export const TIMELINE_WINDOW_MS = 5 * 60_000;
/** Lines kept of each list (events, console lines, HM entries). */
export const LIST_LIMIT = 200;
/** Ended migrations kept. */
export const ENDED_MIGRATIONS_LIMIT = 20;
/** Timeline segments and moves kept. */
export const TIMELINE_LIMIT = 500;

/** A node as the cluster file describes it, and where it serves. */
export interface NodeTarget {
  readonly name: string;
  readonly address: string;
  /** Physical memory in bytes (from the cluster file), when known. */
  readonly memory?: number;
  /** Instructions per tick (from the cluster file), when known. */
  readonly instructionsPerTick?: number;
}

/** The Info of a node the dashboard shows. */
export interface CpuView {
  readonly word: number;
  readonly endian: string;
  readonly pageSize: number;
  readonly tickUs: number;
  readonly instructionsPerTick?: number;
}

/** One traveler of a slot. */
export interface TravelerView {
  readonly id: number;
  readonly status: string;
  readonly instructions: number;
}

/** One task slot of a node. */
export interface SlotView {
  readonly slot: string;
  readonly partition: string;
  readonly taskId: string;
  readonly program: string;
  /** MigThread state (MIG_SOURCE, MIG_SINK, TRANSFERRING, ...). */
  readonly state: string;
  /** What the travelers do (RUNNING, PAUSED, ...). */
  readonly run: string;
  readonly instructions: number;
  readonly pages: number;
  readonly pagesPresent: number;
  readonly travelers: readonly TravelerView[];
  /** Set while the task is in transit: the peer and how far it got. */
  readonly migration?: { readonly id: string; readonly peer: string; readonly status: string };
}

/** One node on the page. */
export interface NodeView {
  readonly name: string;
  readonly address: string;
  readonly reachable: boolean;
  /** Why the node could not be asked, while it cannot. */
  readonly error?: string;
  readonly tick: number;
  readonly cpu?: CpuView;
  /** Instructions per second of wall time over the last polls. */
  readonly instructionsPerSecond: number;
  readonly memory: { readonly total?: number; readonly used: number };
  readonly schedule?: {
    readonly current: string;
    readonly next: string;
    readonly plans: readonly { readonly name: string; readonly majorFrame: number; readonly windows: readonly { readonly partition: string; readonly start: number; readonly duration: number }[] }[];
  };
  readonly partitions: readonly { readonly name: string; readonly mode: string; readonly startCondition: string; readonly modeChanges: number }[];
  readonly slots: readonly SlotView[];
}

/** A migration the dashboard saw: started from the page (with progress) or seen in the nodes' events. */
export interface MigrationView {
  readonly key: number;
  readonly task: string;
  readonly from: string;
  to: string;
  readonly mode: string;
  /** Where it is: a MigrationPhase (page) or a MigrationStep (events), in words. */
  phase: string;
  pagesSent: number;
  pagesTotal: number;
  bytesSent: number;
  readonly startedAt: number;
  endedAt?: number;
  /** How it ended: completed, failed, refused, resumed. */
  outcome?: string;
  /** Why it failed. */
  error?: string;
  readonly origin: 'page' | 'events';
}

/** One line of a list on the page. */
export interface LineView {
  readonly seq: number;
  readonly at: number;
  readonly node: string;
  readonly kind: string;
  readonly task: string;
  readonly text: string;
}

/** A stretch of time a task spent on a node in one run state. */
export interface ResidenceView {
  readonly task: string;
  readonly node: string;
  readonly run: string;
  readonly from: number;
  to: number;
}

/** A task seen on one node, then on another. */
export interface MoveView {
  readonly task: string;
  readonly from: string;
  readonly to: string;
  /** Last seen on the source, first seen on the sink (ms). */
  readonly left: number;
  readonly arrived: number;
}

/** Everything the page shows, as JSON. */
export interface DashboardState {
  readonly version: number;
  readonly now: number;
  readonly windowMs: number;
  readonly nodes: readonly NodeView[];
  readonly migrations: readonly MigrationView[];
  readonly events: readonly LineView[];
  readonly console: readonly LineView[];
  readonly hm: readonly LineView[];
  readonly timeline: { readonly since: number; readonly residences: readonly ResidenceView[]; readonly moves: readonly MoveView[] };
}

const strip = (value: string | undefined, prefix: string): string => (value ?? '').replace(prefix, '');

/** Turns a wire slot into what the page shows of it. */
export function slotView(t: TaskSummary__Output): SlotView {
  return {
    slot: t.slot,
    partition: t.partition,
    taskId: t.taskId,
    program: t.program,
    state: strip(t.state, 'MIG_STATE_'),
    run: strip(t.run, 'RUN_STATE_'),
    instructions: Number(t.instructions),
    pages: t.pages,
    pagesPresent: t.pagesPresent,
    travelers: t.travelers.map((v) => ({ id: v.id, status: strip(v.status, 'TRAVELER_STATUS_'), instructions: Number(v.instructions) })),
    ...(t.migration ? { migration: { id: t.migration.migrationId, peer: t.migration.peer, status: strip(t.migration.status, 'MIGRATION_STATUS_') } } : {}),
  };
}

/** A bounded list, oldest first. */
function pushBounded<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

interface NodeState {
  target: NodeTarget;
  reachable: boolean;
  error?: string;
  tick: number;
  cpu?: CpuView;
  ips: number;
  lastInstructions?: { at: number; total: number };
  schedule?: NodeView['schedule'];
  partitions: NodeView['partitions'];
  slots: SlotView[];
}

/** The dashboard's picture of the cluster; see the file header. */
export class ClusterView {
  private readonly nodes = new Map<string, NodeState>();
  private readonly migrations: MigrationView[] = [];
  private readonly events: LineView[] = [];
  private readonly consoleLines: LineView[] = [];
  private readonly hmLines: LineView[] = [];
  private readonly residences: ResidenceView[] = [];
  private readonly current = new Map<string, ResidenceView>();
  /** Tasks last seen running on a node that no longer lists them, until they show up elsewhere (bounded by the trim). */
  private readonly departed = new Map<string, ResidenceView>();
  private readonly moves: MoveView[] = [];
  private seq = 0;
  private nextKey = 1;
  private changes = 0;
  private readonly since: number;

  /** @param now the clock (ms), turned by hand in tests */
  constructor(
    targets: readonly NodeTarget[],
    private readonly now: () => number = Date.now,
  ) {
    for (const target of targets) this.nodes.set(target.name, { target, reachable: false, tick: 0, ips: 0, partitions: [], slots: [] });
    this.since = now();
  }

  /** Bumped by every change: the SSE stream sends a state only when it moved. */
  get version(): number {
    return this.changes;
  }

  /** The names of the nodes, in cluster-file order. */
  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** The target of node `name`, if the dashboard watches it. */
  target(name: string): NodeTarget | undefined {
    return this.nodes.get(name)?.target;
  }

  private node(name: string): NodeState {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`the dashboard does not watch node ${name}`);
    return n;
  }

  /** Node `name` could not be asked: why. */
  unreachable(name: string, error: string): void {
    const n = this.node(name);
    if (n.reachable || n.error !== error) this.changes++;
    n.reachable = false;
    n.error = error;
  }

  /** Info of node `name`. */
  setCpu(name: string, cpu: CpuView): void {
    this.node(name).cpu = cpu;
    this.changes++;
  }

  /** ScheduleStatus of node `name`. */
  setSchedule(name: string, s: ScheduleStatusResponse__Output): void {
    this.node(name).schedule = {
      current: s.currentPlan,
      next: s.nextPlan,
      plans: s.plans.map((p) => ({ name: p.name, majorFrame: p.majorFrame, windows: p.windows.map((w) => ({ partition: w.partition, start: w.start, duration: w.duration })) })),
    };
    this.changes++;
  }

  /** PartitionStatus of node `name`. */
  setPartitions(name: string, partitions: readonly PartitionState__Output[]): void {
    this.node(name).partitions = partitions.map((p) => ({ name: p.partition, mode: p.mode, startCondition: p.startCondition, modeChanges: p.modeChanges }));
    this.changes++;
  }

  /** Ps of node `name` at its tick `tick`: the slots, and the task residences of the timeline. */
  setSlots(name: string, tick: number, slots: readonly SlotView[]): void {
    const n = this.node(name);
    const at = this.now();
    n.reachable = true;
    delete n.error;
    n.tick = tick;
    n.slots = [...slots];
    const total = slots.reduce((sum, s) => sum + s.instructions, 0);
    if (n.lastInstructions && at > n.lastInstructions.at) n.ips = Math.max(0, Math.round(((total - n.lastInstructions.total) * 1000) / (at - n.lastInstructions.at)));
    n.lastInstructions = { at, total };
    for (const s of slots) if (s.taskId && s.state === 'MIG_SOURCE') this.reside(s.taskId, name, s.run, at);
    // A task this node held and no longer runs ends its residence here; where it shows up next, a move starts.
    for (const [task, r] of this.current) {
      if (r.node === name && !slots.some((s) => s.taskId === task && s.state === 'MIG_SOURCE')) {
        this.current.delete(task);
        this.departed.set(task, r);
      }
    }
    this.trim(at);
    this.changes++;
  }

  private reside(task: string, node: string, run: string, at: number): void {
    const r = this.current.get(task);
    if (r && r.node === node && r.run === run) {
      r.to = at;
      return;
    }
    const left = r ?? this.departed.get(task);
    this.departed.delete(task);
    if (left && left.node !== node) pushBounded(this.moves, { task, from: left.node, to: node, left: left.to, arrived: at }, TIMELINE_LIMIT);
    // A change of run state on the same node continues the bar without a gap.
    const next: ResidenceView = { task, node, run, from: r && r.node === node ? r.to : at, to: at };
    pushBounded(this.residences, next, TIMELINE_LIMIT);
    this.current.set(task, next);
  }

  private trim(at: number): void {
    const oldest = at - TIMELINE_WINDOW_MS;
    while (this.residences.length && this.residences[0]!.to < oldest) this.residences.shift();
    while (this.moves.length && this.moves[0]!.arrived < oldest) this.moves.shift();
    for (const [task, r] of this.departed) if (r.to < oldest) this.departed.delete(task);
  }

  /** An event of node `name` (from its Watch stream), in words. */
  addEvent(name: string, kind: string, task: string, text: string): void {
    const line: LineView = { seq: ++this.seq, at: this.now(), node: name, kind, task, text };
    if (kind === 'console') pushBounded(this.consoleLines, line, LIST_LIMIT);
    else if (kind === 'hm') pushBounded(this.hmLines, line, LIST_LIMIT);
    else pushBounded(this.events, line, LIST_LIMIT);
    this.changes++;
  }

  /** An entry of node `name`'s HM log (HmLog at start, or a Watch event of kind hm). */
  addHm(name: string, e: HmEntry__Output): void {
    this.addEvent(name, 'hm', e.taskId, `${e.partition}${e.taskId ? ` ${e.taskId}` : ''}/${e.traveler}: ${e.event} at ${e.level} level, ${e.action}${e.details ? `: ${e.details}` : ''}`);
  }

  /** A migration step a node reported (MigrationStep without its prefix): starts, follows or ends a migration seen in the events. */
  migrationStep(name: string, task: string, step: string): void {
    const at = this.now();
    const open = this.migrations.find((m) => m.task === task && m.endedAt === undefined);
    if (!open) {
      if (step !== 'STOPPED') return;
      this.migrations.push({ key: this.nextKey++, task, from: name, to: '', mode: '', phase: step, pagesSent: 0, pagesTotal: 0, bytesSent: 0, startedAt: at, origin: 'events' });
    } else {
      if (open.origin === 'events') open.phase = step;
      if (step === 'ACTIVATED' && name !== open.from) open.to = name;
      if (open.origin === 'events' && (step === 'RELEASED' || step === 'RESUMED' || step === 'ABORTED')) this.endMigration(open, step === 'RELEASED' ? 'completed' : step.toLowerCase());
    }
    this.changes++;
  }

  /** A migration the page started; returns the handle its progress is reported on. */
  startMigration(task: string, from: string, to: string, mode: string): MigrationView {
    const m: MigrationView = { key: this.nextKey++, task, from, to, mode, phase: 'NEGOTIATE', pagesSent: 0, pagesTotal: 0, bytesSent: 0, startedAt: this.now(), origin: 'page' };
    // One the events opened for the same task is this one.
    const seen = this.migrations.findIndex((x) => x.task === task && x.endedAt === undefined && x.origin === 'events');
    if (seen >= 0) this.migrations.splice(seen, 1);
    this.migrations.push(m);
    this.changes++;
    return m;
  }

  /** Progress of a migration the page started. */
  progress(m: MigrationView, phase: string, pagesSent: number, pagesTotal: number, bytesSent: number): void {
    Object.assign(m, { phase, pagesSent, pagesTotal, bytesSent });
    this.changes++;
  }

  /** The end of a migration: `outcome` (completed, failed, ...) and why it failed. */
  endMigration(m: MigrationView, outcome: string, error?: string): void {
    m.endedAt = this.now();
    m.outcome = outcome;
    if (error !== undefined) m.error = error;
    const ended = this.migrations.filter((x) => x.endedAt !== undefined);
    if (ended.length > ENDED_MIGRATIONS_LIMIT) this.migrations.splice(this.migrations.indexOf(ended[0]!), 1);
    this.changes++;
  }

  /** The whole picture, as the page renders it. */
  snapshot(): DashboardState {
    const now = this.now();
    return {
      version: this.changes,
      now,
      windowMs: Math.min(TIMELINE_WINDOW_MS, Math.max(30_000, now - this.since)),
      nodes: [...this.nodes.values()].map((n) => ({
        name: n.target.name,
        address: n.target.address,
        reachable: n.reachable,
        ...(n.error !== undefined ? { error: n.error } : {}),
        tick: n.tick,
        ...(n.cpu ? { cpu: n.cpu } : {}),
        instructionsPerSecond: n.ips,
        memory: { ...(n.target.memory !== undefined ? { total: n.target.memory } : {}), used: n.slots.reduce((sum, s) => sum + (s.taskId ? s.pagesPresent : 0), 0) * (n.cpu?.pageSize ?? 0) },
        ...(n.schedule ? { schedule: n.schedule } : {}),
        partitions: n.partitions,
        slots: n.slots,
      })),
      migrations: this.migrations.map((m) => ({ ...m })),
      events: [...this.events],
      console: [...this.consoleLines],
      hm: [...this.hmLines],
      timeline: { since: this.since, residences: this.residences.map((r) => ({ ...r })), moves: [...this.moves] },
    };
  }
}
