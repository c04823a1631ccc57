/**
 * Guards for the client streams a server receives (Receive, Load, PushPages,
 * Discard): an idle timeout on every stream, after which the stream is failed
 * with DEADLINE_EXCEEDED (so a sink slot held by it is freed), and a budget of
 * streams open at once, past which a new one is refused with RESOURCE_EXHAUSTED.
 * A stream the client breaks off ends with one log line, not a stack.
 * README "## Limits" lists the defaults.
 */
import { Code, describeError, MigvisorError } from './errors.ts';
import { log as processLog } from './log.ts';

/** Default idle timeout of an inbound stream: no message for this long fails it (ms; the help of `node start` and `middleware start` says 30s). */
export const DEFAULT_STREAM_IDLE_MS = 30_000;
/** Default number of inbound client streams a server holds open at once (the help of `node start` and `middleware start` says 16). */
export const DEFAULT_MAX_INBOUND_STREAMS = 16;

/** The limits of a server's inbound client streams. */
export interface InboundStreamLimits {
  /** A stream with no message for this long is failed with DEADLINE_EXCEEDED (ms). */
  readonly idleMs: number;
  /** Most client streams open at once; one more is refused with RESOURCE_EXHAUSTED. */
  readonly maxConcurrent: number;
}

/** The inbound stream limits with their defaults filled in. */
export function inboundStreamLimits(o: Partial<InboundStreamLimits> = {}): InboundStreamLimits {
  return { idleMs: o.idleMs ?? DEFAULT_STREAM_IDLE_MS, maxConcurrent: o.maxConcurrent ?? DEFAULT_MAX_INBOUND_STREAMS };
}

/** What a guard needs of a server call: its messages, and who sent them. */
export interface GuardedCall<T> extends AsyncIterable<T> {
  getPeer(): string;
  getPath?(): string;
}

/**
 * The budget and idle timeout one server applies to all its inbound client
 * streams. `open` takes a place in the budget (or refuses), `messages` reads a
 * stream under the idle timeout.
 */
export class StreamGuard {
  /** Streams open now. */
  active = 0;

  constructor(
    readonly limits: InboundStreamLimits,
    private readonly log: (line: string) => void = (l) => processLog().warn(l),
  ) {}

  /** Takes a place for one more stream; returns its release, or throws RESOURCE_EXHAUSTED naming the limit. */
  open(method: string): () => void {
    if (this.active >= this.limits.maxConcurrent) {
      throw new MigvisorError(`${method}: ${this.active} inbound streams are open, the limit is ${this.limits.maxConcurrent}; try again later`, Code.RESOURCE_EXHAUSTED);
    }
    this.active++;
    let released = false;
    return () => {
      if (!released) this.active--;
      released = true;
    };
  }

  /**
   * The messages of `call`: fails with DEADLINE_EXCEEDED when none arrives within
   * the idle timeout, with CANCELLED (logged in one line) when the client breaks
   * the stream off. Time spent by the consumer between messages does not count.
   */
  async *messages<T>(call: GuardedCall<T>, method: string): AsyncGenerator<T> {
    const it = call[Symbol.asyncIterator]();
    const idleMs = this.limits.idleMs;
    let finished = false;
    try {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const idle = new Promise<'idle'>((resolve) => {
          timer = setTimeout(() => resolve('idle'), idleMs);
          timer.unref();
        });
        let n: IteratorResult<T> | 'idle';
        try {
          const next = it.next();
          // Left behind when the idle timer wins: its late failure is not news.
          next.catch(() => {});
          n = await Promise.race([next, idle]);
        } catch (e: unknown) {
          finished = true;
          this.log(`${method} from ${peerOf(call)}: the client broke off the stream (${describeError(e)})`);
          throw new MigvisorError(`${method}: the client broke off the stream`, Code.CANCELLED);
        } finally {
          clearTimeout(timer);
        }
        if (n === 'idle') {
          this.log(`${method} from ${peerOf(call)}: no message for ${idleMs} ms, stream closed`);
          throw new MigvisorError(`${method}: no message for ${idleMs} ms (the stream idle timeout); the stream is closed`, Code.DEADLINE_EXCEEDED);
        }
        if (n.done) {
          finished = true;
          return;
        }
        yield n.value;
      }
    } finally {
      // Stop reading a stream left before its end; a pending read must not throw later.
      if (!finished) it.return?.().catch(() => {});
    }
  }
}

function peerOf(call: GuardedCall<unknown>): string {
  try {
    return call.getPeer();
  } catch {
    return 'unknown peer';
  }
}
