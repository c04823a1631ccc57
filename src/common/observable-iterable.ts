/**
 * An rxjs Observable as an async iterable with a bounded buffer: what a slow
 * consumer (a gRPC watcher) has not taken yet waits in the buffer; past `limit`
 * items the iteration fails with `overflow()` rather than growing without end.
 * Returning early (a cancelled call) unsubscribes.
 */
import type { Observable, Subscription } from 'rxjs';

/** `source` as an async iterable with at most `limit` items waiting; more fails it with `overflow()`. */
export function bufferedIterable<T>(source: Observable<T>, limit: number, overflow: () => Error): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const buffer: T[] = [];
      let failure: Error | undefined;
      let done = false;
      let wake: (() => void) | undefined;
      const notify = (): void => {
        wake?.();
        wake = undefined;
      };
      let sub: Subscription | undefined;
      sub = source.subscribe({
        next: (v) => {
          if (failure) return;
          buffer.push(v);
          if (buffer.length > limit) {
            failure = overflow();
            sub?.unsubscribe();
          }
          notify();
        },
        error: (e: unknown) => {
          failure = e instanceof Error ? e : new Error(String(e));
          notify();
        },
        complete: () => {
          done = true;
          notify();
        },
      });
      if (failure) sub.unsubscribe();
      return {
        async next(): Promise<IteratorResult<T>> {
          for (;;) {
            if (failure) throw failure;
            if (buffer.length > 0) return { value: buffer.shift()!, done: false };
            if (done) return { value: undefined, done: true };
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
        async return(): Promise<IteratorResult<T>> {
          sub?.unsubscribe();
          done = true;
          return { value: undefined, done: true };
        },
      };
    },
  };
}
