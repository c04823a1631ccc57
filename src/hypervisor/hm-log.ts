/**
 * The health monitor's log (README "Health monitor"): the last events it
 * handled, each with where it happened, what was done and why, in a bounded
 * ring. `migvisor hm log` reads it through NodeControl.HmLog.
 */
import type { HmAction, HmEvent, HmLevel } from '../config/index.ts';

/** One handled health-monitor event. */
export interface HmEntry {
  /** Its number on this node, from 1. */
  readonly seq: number;
  readonly tick: number;
  readonly node: string;
  readonly partition: string;
  /** The task's id (its slot's name while it has none). */
  readonly task: string;
  readonly traveler: number;
  readonly event: HmEvent;
  readonly level: HmLevel;
  /** The action taken (which may differ from the table's when it could not be carried out, see details). */
  readonly action: HmAction;
  /** What happened and what was done, in words. */
  readonly details: string;
}

/** Entries kept by default. */
export const DEFAULT_HM_LOG_SIZE = 1000;

/** A bounded log of health-monitor entries: the newest `capacity` are kept, the count of older ones is remembered. */
export class HmLog {
  private readonly entries: HmEntry[] = [];
  private next = 1;
  /** Entries that fell out of the log. */
  dropped = 0;

  constructor(readonly capacity = DEFAULT_HM_LOG_SIZE) {}

  /** Appends an entry (numbered here) and returns it. */
  append(e: Omit<HmEntry, 'seq'>): HmEntry {
    const entry = { seq: this.next++, ...e };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) {
      this.entries.shift();
      this.dropped++;
    }
    return entry;
  }

  /** The kept entries, oldest first; with `limit`, only the newest that many. */
  list(limit?: number): readonly HmEntry[] {
    return limit === undefined || limit <= 0 ? [...this.entries] : this.entries.slice(-limit);
  }

  /** How many entries are kept. */
  get size(): number {
    return this.entries.length;
  }
}
