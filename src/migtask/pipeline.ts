/**
 * Prepares work ahead: page batches are copied, compressed (on the thread pool)
 * and hashed a few at a time, while the one before them is on the wire.
 */

/** Batches prepared ahead of the one being sent. */
export const PIPELINE_DEPTH = 4;

/**
 * Starts `prepare` for up to `depth` items ahead and yields the results in order.
 * Items are pulled from `items` only when a slot frees, so whatever producing an
 * item does (copying pages, marking them sent) happens no earlier than it must.
 * `prepare` runs synchronously up to its first await, at the moment it is called.
 */
export async function* pipelined<T, R>(items: Iterable<T>, prepare: (item: T) => Promise<R>, depth = PIPELINE_DEPTH): AsyncGenerator<R> {
  const source = items[Symbol.iterator]();
  const queue: Promise<R>[] = [];
  let exhausted = false;
  const fill = (): void => {
    while (!exhausted && queue.length < depth) {
      const next = source.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      const p = prepare(next.value);
      p.catch(() => undefined); // observed when its turn comes
      queue.push(p);
    }
  };
  fill();
  while (queue.length > 0) {
    const result = await queue.shift()!;
    fill();
    yield result;
  }
}

/** Consecutive slices of `size` items. */
export function* slices<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
