/**
 * Time partitioning: a major frame of windows, each owned by one partition. The
 * window active at a tick decides which partition's travelers may run; inside it
 * they run by priority (higher first), round robin at equal priority, within the
 * node's instruction budget per tick.
 */
import type { ScheduleDef } from '../config/index.ts';

/** The major frame as a table of owners, one per tick offset. */
export class TimePartitionSchedule {
  /** Owner partition per tick offset in the major frame (undefined = idle). */
  private readonly owners: (string | undefined)[];

  constructor(readonly def: ScheduleDef) {
    this.owners = new Array<string | undefined>(def.majorFrame).fill(undefined);
    for (const w of def.windows) {
      for (let t = w.start; t < w.start + w.duration && t < def.majorFrame; t++) this.owners[t] = w.partition;
    }
  }

  /** The partition owning the CPU at absolute tick `tick`. */
  ownerAt(tick: number): string | undefined {
    return this.owners[tick % this.def.majorFrame];
  }
}

/** Something the round-robin queue can hold. */
export interface Schedulable {
  readonly priority: number;
}

/**
 * A round-robin run queue with priorities: {@link pick} returns the first entry of
 * the highest priority that `eligible` accepts; {@link rotate} sends an entry to
 * the back after its turn, so equal priorities take turns.
 */
export class RunQueue<T extends Schedulable> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Replaces the contents, keeping the relative order of entries that stay. */
  sync(current: readonly T[]): void {
    const keep = this.items.filter((x) => current.includes(x));
    const added = current.filter((x) => !keep.includes(x));
    this.items = [...keep, ...added];
  }

  pick(eligible: (x: T) => boolean): T | undefined {
    let best: T | undefined;
    for (const x of this.items) {
      if ((best === undefined || x.priority > best.priority) && eligible(x)) best = x;
    }
    return best;
  }

  /** The smallest `key` of the entries (Infinity when empty). */
  earliest(key: (x: T) => number): number {
    let min = Infinity;
    for (const x of this.items) min = Math.min(min, key(x));
    return min;
  }

  rotate(x: T): void {
    const i = this.items.indexOf(x);
    if (i >= 0) {
      this.items.splice(i, 1);
      this.items.push(x);
    }
  }
}
