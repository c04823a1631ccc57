/**
 * A stream's producer and the promise of its end. A writer (writeAll) lets go of
 * a call that ended even while its producer is still at work on the next item;
 * whoever owns the producer waits for this end before it decides what became of
 * the work (a migration's source asks whether the task stopped only once its
 * chunk producer can no longer stop it).
 */

/** `source`, and `ended()`: settles once it finished, failed or was closed (at once if it never started). */
export function withEnd<T>(source: AsyncIterable<T>): { readonly items: AsyncIterable<T>; ended(): Promise<void> } {
  let started = false;
  let end!: () => void;
  const done = new Promise<void>((resolve) => (end = resolve));
  async function* items(): AsyncGenerator<T> {
    started = true;
    try {
      yield* source;
    } finally {
      end();
    }
  }
  return { items: items(), ended: () => (started ? done : Promise.resolve()) };
}
