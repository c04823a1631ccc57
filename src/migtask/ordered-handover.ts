/**
 * Page batches verified in parallel, handed over in stream order (README,
 * "Parallel streams"): a page that a later pre-copy round sends again is placed
 * after its earlier copy, whatever order the verifications finish in. Used by the
 * container's own stream ({@link ChunkVerifier}) and by each side stream
 * ({@link SideStreamVerifier}).
 */

/** A chain of batches: each is delivered once it verified and every earlier one was delivered. */
export class OrderedHandover<B> {
  /** Settles once the last batch pushed was delivered (rejects once a batch failed: later ones fail alike). */
  private last: Promise<void> = Promise.resolve();

  /**
   * Queues a batch being verified. `deliver` receives it after every earlier
   * batch was delivered; what `deliver` does with it may overlap the next
   * batch's delivery. The promise returned resolves to the batch once the
   * promise `deliver` returned settled too; it rejects with the first failure
   * of this batch or an earlier one (verification or delivery).
   */
  push(verified: Promise<B>, deliver: (b: B) => void | Promise<void>): Promise<B> {
    verified.catch(() => undefined);
    const handed = Promise.all([this.last, verified]).then(([, b]) => ({ b, placed: deliver(b) }));
    this.last = handed.then(() => undefined);
    this.last.catch(() => undefined);
    const done = handed.then(async ({ b, placed }) => {
      await placed;
      return b;
    });
    done.catch(() => undefined);
    return done;
  }
}
