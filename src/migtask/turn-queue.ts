/**
 * Concurrency limits of migrations (README, "Migration control": many at once):
 * at most `limit` holders at a time, the others wait in arrival order with a
 * reason anyone can read (QueryMigrate, `migrate status`, the `waiting` event),
 * and a wait can be given up (a cancel) without losing a turn for the rest. A
 * node keeps one for its outbound migrations, the middleware one for the cluster.
 */
import { Code, MigvisorError } from '../common/index.ts';

/** One who waits for a turn. */
export interface Waiter {
  readonly key: string;
  readonly since: number;
  /** Why it waits, in words. */
  reason: string;
  readonly admit: () => void;
  readonly reject: (e: Error) => void;
}

/** At most `limit` turns at once; the rest wait in order. */
export class TurnQueue {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    /** Most turns at once (0 or less: unlimited). */
    public limit: number,
    /** What the limit is, for the waiting reason (e.g. "outbound migrations of field-a (max_outbound 2)"). */
    private readonly what: string,
  ) {}

  /** Turns held now. */
  get inFlight(): number {
    return this.active;
  }

  /** Those waiting, in order. */
  get waiting(): readonly Waiter[] {
    return this.queue;
  }

  /** The waiter of `key`, if it waits. */
  waiterOf(key: string): Waiter | undefined {
    return this.queue.find((w) => w.key === key);
  }

  /** Why a newcomer would wait now. */
  private reasonNow(position: number): string {
    return `waiting for a turn: ${this.active} of ${this.limit} ${this.what} in flight (${position} ahead)`;
  }

  /**
   * Resolves with a release function once `key` has a turn (at once while fewer
   * than `limit` are held); `onWait` is told why when it has to wait first.
   */
  acquire(key: string, onWait: (reason: string) => void = () => {}): Promise<() => void> {
    const release = this.releaser();
    if (this.limit <= 0 || (this.active < this.limit && this.queue.length === 0)) {
      this.active++;
      return Promise.resolve(release);
    }
    return new Promise<() => void>((resolve, reject) => {
      const w: Waiter = {
        key,
        since: Date.now(),
        reason: this.reasonNow(this.queue.length),
        admit: () => resolve(release),
        reject,
      };
      this.queue.push(w);
      onWait(w.reason);
    });
  }

  /** Gives up the wait of `key` with `error`; false when it does not wait. */
  cancel(key: string, error: Error = new MigvisorError(`the wait of ${key} was cancelled`, Code.CANCELLED)): boolean {
    const i = this.queue.findIndex((w) => w.key === key);
    if (i < 0) return false;
    const [w] = this.queue.splice(i, 1);
    this.refreshReasons();
    w!.reject(error);
    return true;
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      this.next();
    };
  }

  private next(): void {
    while ((this.limit <= 0 || this.active < this.limit) && this.queue.length > 0) {
      const w = this.queue.shift()!;
      this.active++;
      w.admit();
    }
    this.refreshReasons();
  }

  private refreshReasons(): void {
    this.queue.forEach((w, i) => (w.reason = this.reasonNow(i)));
  }
}
