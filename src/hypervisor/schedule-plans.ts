/**
 * A node's schedule plans (README, "Schedule plans"): several major frames of
 * windows, one of them current. A switch asked for at any tick takes effect at
 * the next boundary of the current plan's major frame; the new plan's frame then
 * starts at that tick. Status tells the current plan, the next one (while a
 * switch waits) and the tick of the last switch.
 */
import { NotFoundError } from '../common/index.ts';
import { DEFAULT_PLAN, type NodeDef, type SchedulePlanDef } from '../config/index.ts';
import { TimePartitionSchedule } from './scheduler.ts';

/** What `schedule status` shows. */
export interface PlanStatus {
  readonly current: string;
  /** The plan a pending switch goes to, and the tick it takes effect at. */
  readonly next?: { readonly plan: string; readonly at: number };
  /** Tick the current plan took over at (undefined: never switched since boot). */
  readonly lastSwitchTick?: number;
  /** Every plan, in configuration order. */
  readonly plans: readonly SchedulePlanDef[];
}

/** The plans of one node and which one owns the CPU at each tick. */
export class SchedulePlans {
  private readonly tables = new Map<string, TimePartitionSchedule>();
  private readonly defs: readonly SchedulePlanDef[];
  private current: string;
  /** Tick the current plan's first major frame started at. */
  private frameStart = 0;
  private pending: { plan: string; at: number } | undefined;
  private lastSwitch: number | undefined;

  constructor(def: NodeDef) {
    this.defs = def.plans ?? [{ name: DEFAULT_PLAN, ...def.schedule, line: def.line }];
    for (const p of this.defs) this.tables.set(p.name, new TimePartitionSchedule(p));
    const initial = def.initialPlan ?? DEFAULT_PLAN;
    this.current = this.tables.has(initial) ? initial : (this.defs[0]?.name ?? DEFAULT_PLAN);
    if (!this.tables.has(this.current)) this.tables.set(this.current, new TimePartitionSchedule(def.schedule));
  }

  /** Plan names, in configuration order. */
  get names(): string[] {
    return this.defs.map((p) => p.name);
  }

  /** Whether the node has a plan of that name. */
  has(plan: string): boolean {
    return this.tables.has(plan);
  }

  /** The table of the current plan. */
  get table(): TimePartitionSchedule {
    return this.tables.get(this.current)!;
  }

  /** The first major-frame boundary of the current plan at or after `tick`. */
  nextBoundary(tick: number): number {
    const frame = this.table.def.majorFrame;
    const into = (tick - this.frameStart) % frame;
    return into === 0 ? tick : tick + frame - into;
  }

  /**
   * Asks for a switch to `plan` at the next major-frame boundary (from `tick`,
   * the next tick to run); returns the tick it takes effect at. NotFoundError
   * for an unknown plan; asking again replaces a switch still pending.
   */
  request(plan: string, tick: number): number {
    if (!this.tables.has(plan)) throw new NotFoundError('schedule plan', plan, `(plans: ${this.names.join(', ')})`);
    const at = this.nextBoundary(tick);
    this.pending = { plan, at };
    return at;
  }

  /** The partition owning the CPU at `tick` (ticks run in order; a due switch happens first). */
  ownerAt(tick: number): string | undefined {
    if (this.pending && tick >= this.pending.at) {
      this.current = this.pending.plan;
      this.frameStart = this.pending.at;
      this.lastSwitch = this.pending.at;
      this.pending = undefined;
    }
    return this.table.ownerAt(tick - this.frameStart);
  }

  /** Current plan, the pending switch and the last switch. */
  status(): PlanStatus {
    return {
      current: this.current,
      ...(this.pending ? { next: { ...this.pending } } : {}),
      ...(this.lastSwitch !== undefined ? { lastSwitchTick: this.lastSwitch } : {}),
      plans: this.defs,
    };
  }
}
