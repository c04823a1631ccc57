/**
 * `--max-bandwidth` (README, "Migration control"): a token bucket that paces what
 * a migration's source sends to a rate in payload bytes per second, changeable
 * while it runs (SetMigration). A burst of one tenth of a second (at least one
 * chunk) passes at once; after that each chunk waits for its bytes to be earned.
 * A wait is slept in slices of at most {@link SLICE_MS}, so a new rate, a cancel
 * or the end of the call (the signal) takes effect within one slice, whatever
 * debt a large chunk at a low rate ran up.
 */
import type { Clock } from '../common/index.ts';

/** How much may be sent at once beyond the rate, as seconds of it. */
export const BURST_S = 0.1;
/** The longest single sleep of a wait (ms). */
export const SLICE_MS = 100;

/** Paces payload bytes to {@link Pacer.rate} bytes per second (0: unlimited). */
export class Pacer {
  private tokens = 0;
  private last: number;

  constructor(
    private readonly clock: Clock,
    /** Bytes per second; 0 or less: unlimited. */
    public rate = 0,
  ) {
    this.last = clock.now();
    this.tokens = this.burst();
  }

  /** Changes the rate from now on (0: unlimited). */
  setRate(rate: number): void {
    this.refill();
    const was = this.rate;
    this.rate = Math.max(0, rate);
    this.tokens = was <= 0 ? this.burst() : Math.min(this.tokens, this.burst());
  }

  /** Resolves once `bytes` may be sent at the rate (at once when unlimited); rejects with the signal's reason once it aborts. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      if (this.rate <= 0) return;
      this.refill();
      // A chunk larger than the burst goes once the bucket is full, into debt.
      if (this.tokens >= Math.min(bytes, this.burst())) {
        this.tokens -= bytes;
        return;
      }
      const need = Math.min(bytes, this.burst()) - this.tokens;
      await this.clock.sleep(Math.min(SLICE_MS, Math.max(1, (need / this.rate) * 1000)));
    }
  }

  private burst(): number {
    return this.rate * BURST_S;
  }

  private refill(): void {
    const now = this.clock.now();
    if (this.rate > 0) this.tokens = Math.min(this.burst(), this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}

/** `chunks`, each let through once `pacer` allows its payload's bytes; a wait ends with the signal's reason once it aborts. */
export async function* paced<T extends { readonly payload: Uint8Array }>(chunks: AsyncIterable<T>, pacer: Pacer, signal?: AbortSignal): AsyncGenerator<T> {
  for await (const c of chunks) {
    await pacer.take(c.payload.length, signal);
    yield c;
  }
}
