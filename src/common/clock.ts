/**
 * Time for protocol timers (staging timeouts, holds, retries, backoff), injected
 * so that tests can turn it by hand. {@link systemClock} is wall-clock time and
 * never keeps the process alive; {@link ManualClock} moves only when told to.
 *
 * This is not the simulation's tick clock (an rxjs scheduler drives the ticks of
 * a node): it measures the milliseconds that network protocols wait for.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToIo, setTimeout as sleepFor } from 'node:timers/promises';
import { log } from './log.ts';

/** A pending timer; cancelling a fired or cancelled timer does nothing. */
export interface Timer {
  cancel(): void;
}

/** A source of time and timers (ms); see {@link systemClock} and {@link ManualClock}. */
export interface Clock {
  /** Milliseconds on this clock's time line (only differences mean anything). */
  now(): number;
  /** Calls `fn` once, `ms` from now. */
  timer(ms: number, fn: () => void): Timer;
  /** Resolves `ms` from now. */
  sleep(ms: number): Promise<void>;
}

/** Wall-clock time; its timers never keep the process alive, and one that throws is logged, not fatal. */
export const systemClock: Clock = {
  now: () => performance.now(),
  timer(ms, fn) {
    const t = setTimeout(() => {
      try {
        fn();
      } catch (e: unknown) {
        // A defect in a protocol timer (a staging timeout, a retry) must not end the process.
        log().error({ err: e }, `internal error in a timer: ${e instanceof Error ? e.message : String(e)}`);
      }
    }, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  sleep: (ms) => sleepFor(ms, undefined, { ref: false }),
};

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  done: boolean;
}

/**
 * A clock that stands still until {@link advance} moves it: due timers fire in
 * time order (ties in the order they were set), and between two of them the event
 * loop runs once, so the promise chains a timer starts get to go on first.
 */
export class ManualClock implements Clock {
  private time = 0;
  private seq = 0;
  private pending: Pending[] = [];

  now(): number {
    return this.time;
  }

  timer(ms: number, fn: () => void): Timer {
    const p: Pending = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, done: false };
    this.pending.push(p);
    return {
      cancel: () => {
        p.done = true;
      },
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timer(ms, resolve));
  }

  /** Timers not yet fired or cancelled. */
  get waiting(): number {
    return this.pending.filter((p) => !p.done).length;
  }

  /** Moves the clock `ms` ahead, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      await yieldToIo();
      this.pending = this.pending.filter((p) => !p.done);
      const next = this.pending.reduce<Pending | undefined>((a, p) => (p.at <= until && (!a || p.at < a.at || (p.at === a.at && p.seq < a.seq)) ? p : a), undefined);
      if (!next) break;
      this.time = next.at;
      next.done = true;
      next.fn();
    }
    this.time = until;
    await yieldToIo();
  }
}
