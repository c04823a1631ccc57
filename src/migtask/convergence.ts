/**
 * When pre-copy stops its live rounds, and auto-converge (README, "Migration
 * control": stop rules). After each round, in this order:
 *
 * - `few-dirty`: at most `precopy_stop_pages` pages are dirty;
 * - `downtime-limit`: the dirty pages, at the compression seen so far, would
 *   cross the link at the measured transfer rate within the downtime limit;
 * - `max-rounds`: `precopy_max_rounds` live rounds were made;
 * - `no-progress`: the round did not shrink the dirty set (with auto-converge,
 *   only once the throttle is at its most: until then each round throttles more).
 *
 * Auto-converge: while the task dirties memory faster than half the transfer
 * rate, its travelers lose a share of their instruction budget: 20 % at first,
 * 10 % more each round, at most 99 %. The throttle is lifted at the stop (the
 * sink runs the task unthrottled) and when the migration ends any other way.
 */
import { performance } from 'node:perf_hooks';
import type { MigrationRun } from './migration-run.ts';
import { publishPass } from './migration-status.ts';
import type { PrecopyStop } from './vocabulary.ts';

/** The throttle auto-converge starts at, percent. */
export const THROTTLE_INITIAL = 20;
/** What it adds each round the task still dirties too fast, percent. */
export const THROTTLE_STEP = 10;
/** The most it withholds, percent. */
export const THROTTLE_MAX = 99;
/** Auto-converge throttles when the dirty rate exceeds this share of the transfer rate. */
export const DIRTY_SHARE = 0.5;

/** What the stop rules look at after a round. */
export interface RoundFacts {
  /** Live rounds made so far. */
  readonly rounds: number;
  /** Pages dirty now. */
  readonly dirtyPages: number;
  /** Pages that were dirty after the round before (undefined after the first). */
  readonly previousDirtyPages: number | undefined;
  /** The downtime sending the dirty pages would take now, ms. */
  readonly expectedDowntimeMs: number;
  readonly stopPages: number;
  readonly maxRounds: number;
  readonly downtimeLimitMs: number;
  /** Auto-converge is on and the throttle can still grow. */
  readonly canThrottleMore: boolean;
}

/** The rule that ends the live rounds after a round with these facts, or undefined to go on. */
export function stopRule(f: RoundFacts): PrecopyStop | undefined {
  if (f.dirtyPages <= f.stopPages) return 'few-dirty';
  if (f.expectedDowntimeMs <= f.downtimeLimitMs) return 'downtime-limit';
  if (f.rounds >= f.maxRounds) return 'max-rounds';
  if (f.previousDirtyPages !== undefined && f.dirtyPages >= f.previousDirtyPages && !f.canThrottleMore) return 'no-progress';
  return undefined;
}

/** The throttle for the next round: raised while the dirty rate exceeds half the transfer rate, else kept. */
export function nextThrottle(current: number, dirtyBytesPerS: number, transferBytesPerS: number): number {
  if (transferBytesPerS <= 0 || dirtyBytesPerS <= DIRTY_SHARE * transferBytesPerS) return current;
  return current === 0 ? THROTTLE_INITIAL : Math.min(THROTTLE_MAX, current + THROTTLE_STEP);
}

/** The time `bytes` take at `bytesPerS`, ms (infinite at no rate, 0 for nothing). */
export function transferMs(bytes: number, bytesPerS: number): number {
  if (bytes <= 0) return 0;
  return bytesPerS > 0 ? (bytes / bytesPerS) * 1000 : Infinity;
}

/** Runs the stop rules and auto-converge of one pre-copy migration, round by round. */
export class PrecopyGovernor {
  private readonly t0 = performance.now();
  private readonly bytes0: number;
  private roundStart = 0;
  private previousDirty: number | undefined;
  /** The pages dirty after the round before the last (what confirmStop compares with). */
  private beforeRound: number | undefined;

  constructor(
    private readonly run: MigrationRun,
    private readonly pageSize: number,
    private readonly stopPages: number,
    private readonly maxRounds: number,
  ) {
    this.bytes0 = run.stats.bytes;
  }

  /** A round of `pages` pages begins. */
  beginRound(pages: number): void {
    const c = this.run.control;
    this.roundStart = performance.now();
    c.pass = this.run.stats.rounds;
    c.remainingBytes = pages * this.pageSize;
    this.run.stats.throttlePerRound.push(c.throttle);
  }

  /** The round ended with `dirtyPages` dirty: the rule that stops the live rounds, or undefined (the throttle set for the next). */
  endRound(dirtyPages: number): PrecopyStop | undefined {
    const { run } = this;
    const c = run.control;
    const now = performance.now();
    const elapsedS = Math.max(1e-3, (now - this.t0) / 1000);
    const measured = (run.stats.bytes - this.bytes0) / elapsedS;
    const rate = c.maxBandwidth > 0 ? Math.min(measured, c.maxBandwidth) : measured;
    const roundS = Math.max(1e-3, (now - this.roundStart) / 1000);
    c.transferBytesPerS = rate;
    c.dirtyRatePagesPerS = dirtyPages / roundS;
    c.remainingBytes = dirtyPages * this.pageSize;
    c.expectedDowntimeMs = this.sendingMs(dirtyPages, rate);
    const stop = this.rule(dirtyPages, this.previousDirty, c.expectedDowntimeMs);
    this.beforeRound = this.previousDirty;
    this.previousDirty = dirtyPages;
    const expected = Number.isFinite(c.expectedDowntimeMs) ? `${Math.round(c.expectedDowntimeMs)} ms` : 'unbounded';
    publishPass(
      run.host,
      run.options.task,
      run.stats.rounds,
      `${run.stats.pagesPerRound.at(-1) ?? 0} page(s) sent, ${dirtyPages} dirty, ${mib(rate)} MiB/s, expected downtime ${expected}, throttle ${c.throttle}%${stop ? `; stop: ${stop}` : ''}`,
    );
    if (!stop && c.autoConverge) this.throttle(nextThrottle(c.throttle, c.dirtyRatePagesPerS * this.pageSize, rate));
    if (stop) {
      run.stats.precopyStop = stop;
      run.stats.transferBytesPerS = rate;
      run.stats.expectedDowntimeMs = Number.isFinite(c.expectedDowntimeMs) ? c.expectedDowntimeMs : 0;
    }
    return stop;
  }

  /**
   * After the sink caught up with what is in flight: the stop rules again, on
   * the pages dirty now (those of the last round and those dirtied while
   * waiting). A round's pages are queued on the streams faster than they
   * cross, so a short round can end before the task ran at all and look clean
   * (`few-dirty`), or fit a downtime limit that what was dirtied meanwhile no
   * longer fits. The rule that holds now stops the rounds (it may differ from
   * the first: a set that did not shrink is `no-progress`); if none does, the
   * stop is taken back and another round is made (auto-converge throttles more).
   */
  confirmStop(dirtyPages: number): boolean {
    const { run } = this;
    const c = run.control;
    if (!run.stats.precopyStop) return true;
    const expected = this.sendingMs(dirtyPages, c.transferBytesPerS);
    const stop = this.rule(dirtyPages, this.beforeRound, expected);
    this.previousDirty = dirtyPages;
    if (stop) {
      run.stats.precopyStop = stop;
      run.stats.expectedDowntimeMs = Number.isFinite(expected) ? expected : 0;
      return true;
    }
    run.stats.precopyStop = undefined;
    publishPass(run.host, run.options.task, run.stats.rounds, `${dirtyPages} dirty once the sink caught up: the stop is taken back`);
    if (c.autoConverge) this.throttle(nextThrottle(c.throttle, c.dirtyRatePagesPerS * this.pageSize, c.transferBytesPerS));
    return false;
  }

  /** The time sending `pages` dirty pages takes at `bytesPerS`, ms: they cost what pages cost so far on the wire (compression included). */
  private sendingMs(pages: number, bytesPerS: number): number {
    const { run } = this;
    const ratio = run.raw > 0 && run.sent > 0 ? run.sent / run.raw : 1;
    return transferMs(pages * this.pageSize * ratio, bytesPerS);
  }

  /** The stop rules for `dirtyPages` dirty now, `previous` after the round before, and the downtime sending them would take. */
  private rule(dirtyPages: number, previous: number | undefined, expectedDowntimeMs: number): PrecopyStop | undefined {
    const c = this.run.control;
    return stopRule({
      rounds: this.run.stats.rounds,
      dirtyPages,
      previousDirtyPages: previous,
      expectedDowntimeMs,
      stopPages: this.stopPages,
      maxRounds: this.maxRounds,
      downtimeLimitMs: c.downtimeLimitMs,
      canThrottleMore: c.autoConverge && c.throttle < THROTTLE_MAX,
    });
  }

  /** Sets the throttle of the task's travelers, percent. */
  throttle(percent: number): void {
    this.run.control.throttle = percent;
    this.run.task.throttle = percent;
  }
}

function mib(bytesPerS: number): string {
  return (bytesPerS / 1024 / 1024).toFixed(1);
}
