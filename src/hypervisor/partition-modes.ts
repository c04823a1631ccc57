/**
 * Partition operating modes as ARINC 653 has them (README "Partition modes"):
 * IDLE, COLD_START, WARM_START and NORMAL, each partition's start condition, and
 * each task's own (MIGRATED for a task that arrived by migration). The mode
 * decides what the partition's windows run: nothing while IDLE, only traveler 0
 * of each task (its initialisation thread) in COLD_START and WARM_START, every
 * traveler in NORMAL. Entering COLD_START or WARM_START restarts the partition's
 * tasks; a partition with `start: auto` then enters NORMAL at once.
 */
import type { PartitionDef, PartitionMode, StartCondition, StartPolicy } from '../config/index.ts';
import type { MigTask, MigTraveler } from '../migtask/index.ts';
import type { ArincResultName } from '../partition/index.ts';

/** Who asked for a mode change. */
export type ModeRequester = 'partition' | 'operator' | 'hm';

/** What the modes need of the node. */
export interface ModesHost {
  readonly tick: number;
  /** The partition's occupied slots. */
  tasksOf(partition: string): readonly MigTask[];
  /** Restarts the partition's tasks (cold: from their entry); returns what was done, in words. */
  restartTasks(partition: string, warm: boolean): string;
  /** Publishes a mode change. */
  modeChanged(change: ModeChange): void;
}

/** One mode change, as published. */
export interface ModeChange {
  readonly partition: string;
  readonly from: PartitionMode;
  readonly to: PartitionMode;
  readonly condition: StartCondition;
  /** Why, in words. */
  readonly reason: string;
}

/** A partition's status, as `partition status` shows it. */
export interface PartitionStatus {
  readonly partition: string;
  readonly mode: PartitionMode;
  /** Why the partition last started. */
  readonly startCondition: StartCondition;
  readonly start: StartPolicy;
  /** Tick of the last mode change (0: since boot). */
  readonly lastChangeTick: number;
  /** Mode changes since boot. */
  readonly modeChanges: number;
  /** Each task's own start condition. */
  readonly tasks: readonly { readonly task: string; readonly slot: string; readonly startCondition: StartCondition }[];
}

/**
 * Whether a traveler may run in a partition of this live mode ({@link PartitionModes.live}):
 * all in NORMAL, only traveler 0 of each task while starting, none while IDLE.
 */
export function mayRunIn(state: { readonly mode: PartitionMode } | undefined, traveler: MigTraveler): boolean {
  const mode = state?.mode;
  return mode === 'NORMAL' || mode === undefined || (mode !== 'IDLE' && traveler.id === 0);
}

interface State {
  mode: PartitionMode;
  condition: StartCondition;
  readonly policy: StartPolicy;
  since: number;
  changes: number;
}

/** The modes of a node's partitions and the start conditions of its tasks. */
export class PartitionModes {
  private readonly states = new Map<string, State>();
  private readonly taskConditions = new Map<string, StartCondition>();

  constructor(
    private readonly host: ModesHost,
    partitions: readonly PartitionDef[],
  ) {
    for (const p of partitions) {
      const policy = p.start ?? 'auto';
      this.states.set(p.name, { mode: policy === 'auto' ? 'NORMAL' : 'COLD_START', condition: 'NORMAL_START', policy, since: 0, changes: 0 });
    }
  }

  /** The partition's mode (undefined: no such partition). */
  mode(partition: string): PartitionMode | undefined {
    return this.states.get(partition)?.mode;
  }

  /** The partition's live mode (for the run loop, which asks per traveler and keeps this instead of the name). */
  live(partition: string): { readonly mode: PartitionMode } | undefined {
    return this.states.get(partition);
  }

  /** A task started here from its program (Initialize, Copy). */
  taskStarted(id: string): void {
    this.taskConditions.set(id, 'NORMAL_START');
  }

  /** A task arrived by migration (or was restored from a container) and was activated here. */
  taskArrived(id: string): void {
    this.taskConditions.set(id, 'MIGRATED');
  }

  /** A task ended or left. */
  taskGone(id: string): void {
    this.taskConditions.delete(id);
  }

  /** A task's own start condition (its partition's when it has none of its own). */
  conditionOf(task: MigTask): StartCondition {
    return (task.id !== undefined ? this.taskConditions.get(task.id) : undefined) ?? this.states.get(task.partition.name)?.condition ?? 'NORMAL_START';
  }

  /** The status of one partition. */
  status(partition: string): PartitionStatus | undefined {
    const s = this.states.get(partition);
    if (!s) return undefined;
    const tasks = this.host.tasksOf(partition).map((t) => ({ task: t.id ?? '', slot: t.slotName, startCondition: this.conditionOf(t) }));
    return { partition, mode: s.mode, startCondition: s.condition, start: s.policy, lastChangeTick: s.since, modeChanges: s.changes, tasks };
  }

  /** Every partition's status, in configuration order. */
  statuses(): PartitionStatus[] {
    return [...this.states.keys()].map((p) => this.status(p)!);
  }

  /**
   * SET_PARTITION_MODE: NORMAL from a start mode, IDLE, or a restart (COLD_START,
   * WARM_START). NO_ACTION when already NORMAL (or IDLE); INVALID_MODE for
   * NORMAL from IDLE (it must start first) and WARM_START from COLD_START
   * (ARINC 653); INVALID_PARAM for an unknown partition.
   */
  setMode(partition: string, mode: PartitionMode, by: ModeRequester, reason = ''): ArincResultName {
    const s = this.states.get(partition);
    if (!s) return 'INVALID_PARAM';
    const why = reason || `set by the ${by === 'hm' ? 'health monitor' : by}`;
    switch (mode) {
      case 'NORMAL':
        if (s.mode === 'NORMAL') return 'NO_ACTION';
        if (s.mode === 'IDLE') return 'INVALID_MODE';
        this.enter(partition, s, 'NORMAL', why);
        return 'NO_ERROR';
      case 'IDLE':
        if (s.mode === 'IDLE') return 'NO_ACTION';
        this.enter(partition, s, 'IDLE', why);
        return 'NO_ERROR';
      case 'COLD_START':
      case 'WARM_START': {
        if (mode === 'WARM_START' && s.mode === 'COLD_START') return 'INVALID_MODE';
        const condition: StartCondition = by === 'hm' ? 'HM_PARTITION_RESTART' : 'PARTITION_RESTART';
        const done = this.host.restartTasks(partition, mode === 'WARM_START');
        s.condition = condition;
        for (const t of this.host.tasksOf(partition)) if (t.id !== undefined) this.taskConditions.set(t.id, condition);
        this.enter(partition, s, mode, `${why}${done ? `: ${done}` : ''}`);
        if (s.policy === 'auto') this.enter(partition, s, 'NORMAL', 'start: auto');
        return 'NO_ERROR';
      }
    }
  }

  private enter(partition: string, s: State, to: PartitionMode, reason: string): void {
    const from = s.mode;
    s.mode = to;
    s.since = this.host.tick;
    s.changes++;
    this.host.modeChanged({ partition, from, to, condition: s.condition, reason });
  }
}
