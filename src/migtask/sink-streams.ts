/**
 * The sink's side of parallel streams (README, "Parallel streams"): a container
 * whose header asks for N streams gets its PAGES chunks on Receive (stream 0)
 * and on N-1 ReceiveStream calls. {@link SideStreams} is what one container
 * expects of its other streams; the container stages only when all of them
 * verified, and one that fails fails the container.
 */
import { Code, MigvisorError } from '../common/index.ts';
import { ContainerError } from './container-codec.ts';
import type { StreamTotals } from './side-stream.ts';

/** Most streams a container may use. */
export const MAX_STREAMS = 16;

/** How long a side stream that arrived before its container's header waits for it (ms). */
export const SIDE_WAIT_MS = 10_000;

interface Expected {
  claimed: boolean;
  readonly done: Promise<StreamTotals>;
  resolve(t: StreamTotals): void;
  reject(e: unknown): void;
}

/** The side streams one container expects (1..count-1). */
export class SideStreams {
  private readonly expected = new Map<number, Expected>();
  private failure: unknown;

  constructor(readonly count: number) {
    if (count > MAX_STREAMS) throw new ContainerError(`the container asks for ${count} streams, at most ${MAX_STREAMS} are taken`, Code.INVALID_ARGUMENT);
    for (let i = 1; i < count; i++) {
      let resolve!: (t: StreamTotals) => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<StreamTotals>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      done.catch(() => undefined);
      this.expected.set(i, { claimed: false, done, resolve, reject });
    }
  }

  /** Stream `index` arrived: its slot, refused when out of range or already taken. */
  claim(index: number, migrationId: string): Expected {
    const e = this.expected.get(index);
    if (!e) throw new MigvisorError(`stream ${index} of migration ${migrationId}: the container has streams 1..${this.count - 1} besides Receive`, Code.INVALID_ARGUMENT);
    if (e.claimed) throw new MigvisorError(`stream ${index} of migration ${migrationId} is already open`, Code.ALREADY_EXISTS);
    e.claimed = true;
    return e;
  }

  /** A stream failed (or the container did): every stream and the container fail with it. */
  fail(e: unknown): void {
    this.failure ??= e;
    for (const x of this.expected.values()) x.reject(e);
  }

  /** Whether every side stream has opened. */
  allClaimed(): boolean {
    for (const e of this.expected.values()) if (!e.claimed) return false;
    return true;
  }

  /** Throws the first stream's failure, if any. */
  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for every side stream to verify; totals over them. */
  async all(): Promise<{ pages: number; bytes: number }> {
    let pages = 0;
    let bytes = 0;
    for (const e of this.expected.values()) {
      const t = await e.done;
      pages += t.pages;
      bytes += t.bytes;
    }
    return { pages, bytes };
  }
}
