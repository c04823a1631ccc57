/**
 * One direction of a link (say a→b), shared by every connection whose bytes flow
 * that way: a connection a dials to b loads it with its requests, one b dials to a
 * with its replies.
 *
 * Each connection's direction is a {@link Flow}. A flow's bytes go through three
 * stages:
 *
 * 1. queued: read from the input socket, not yet transmitted. Above
 *    {@link HIGH_WATER_BYTES} the input socket is paused, below half of it resumed.
 * 2. transmitted: a token bucket refilled at the bandwidth from real elapsed time
 *    lets segments of at most {@link SEGMENT_BYTES} go, the flows that have data
 *    taking turns (round robin), in batches: timers are no finer than a
 *    millisecond, so each wake sends what the elapsed time paid for. The bucket
 *    holds at most max(64 KiB, 10 ms of bandwidth), so a late timer loses nothing
 *    and a long run keeps the configured rate.
 * 3. in flight: a transmitted segment is delivered latency ± jitter later (uniform,
 *    seeded), never before the flow's previous segment, and only while the output
 *    socket takes more (a write that returns false waits for 'drain').
 *
 * A lost segment (probability `loss` per transmission) either stalls its flow: it
 * is resent after the retransmission timeout, the flow sending nothing meanwhile
 * while the other flows go on, as TCP would; or, in `drop` mode, resets the
 * connection. A changed profile applies at once: the next batch uses the new
 * bandwidth, and segments in flight are rescheduled with the new latency.
 *
 * A pipe with no bandwidth limit, latency or loss passes bytes straight from the
 * input socket to the output socket (only backpressure between them).
 */
import { systemClock } from '../common/index.ts';
import type { Clock, Timer } from '../common/index.ts';
import type { LinkProfile } from '../config/index.ts';
import type { Prng } from './prng.ts';
import { isUnshaped, retransmitTimeoutMs } from './profile.ts';

/** The largest unit a pipe transmits, delays and loses at once (a burst of TCP segments). */
export const SEGMENT_BYTES = 16 * 1024;
/** Untransmitted bytes a flow holds before its input socket is paused. */
export const HIGH_WATER_BYTES = 256 * 1024;
/** The token bucket holds at least this much... */
export const MIN_BURST_BYTES = 64 * 1024;
/** ...and otherwise this long at the link's bandwidth, ms. */
export const BURST_MS = 10;
/**
 * A segment due this little after a wake is delivered by it, ms. Timers fire on
 * whole milliseconds of a loop time that lags the clock, so a wake comes up to a
 * millisecond early as often as late; re-arming for the rest would add a whole
 * millisecond each time (bench link-migrate, Info round trips over 5 ms each way:
 * 11-16 % more latency than configured before, 1.4 % with this).
 */
const EARLY_MS = 1;

/**
 * The two sockets of one connection as one direction of a pipe sees them: the
 * output it delivers to and the input it reads from.
 */
export interface FlowPort {
  /** Writes to the output; false: the output is full, {@link Flow.drained} says when it takes more. */
  write(data: Buffer): boolean;
  /** Ends the output after the last byte written (the input ended). */
  end(): void;
  /** Stops reading the input. */
  pauseInput(): void;
  /** Reads the input again. */
  resumeInput(): void;
  /** Resets the whole connection (a lost segment in `drop` mode); the flow is closed already. */
  reset(): void;
}

/** One connection's bytes in one direction of a pipe. */
export interface Flow {
  /** Bytes read from the input: queued and carried in order. */
  push(data: Buffer): void;
  /** The input ended: the output is ended once every byte is delivered. */
  end(): void;
  /**
   * Holds the bytes from offset `offset` of this flow (counted from its first byte)
   * on for `ms` from now before they are transmitted; bytes before it go on.
   */
  holdFrom(offset: number, ms: number): void;
  /** The output emitted 'drain': delivery goes on. */
  drained(): void;
  /** The connection is gone: drops what is queued and in flight, never touches the port again. */
  close(): void;
  /** Bytes pushed since the flow opened (the offset of the next byte). */
  readonly offset: number;
  /** Whether the flow is closed. */
  readonly closed: boolean;
}

/** What a pipe has done since it was made. */
export interface PipeCounters {
  /** Bytes delivered to outputs. */
  bytes: number;
  /** Segments lost (each transmission of a segment counts once). */
  lostSegments: number;
  /** Bytes changed on purpose before they entered the pipe (counted by whoever corrupts them). */
  corruptedBytes: number;
}

/** A transmitted segment waiting for its delivery time. */
interface Segment {
  readonly data: Buffer;
  /** When it was transmitted (pipe clock, ms). */
  readonly sentAt: number;
  /** Its jitter draw in [-1, 1): the delay is latency + u × jitter. */
  readonly u: number;
  due: number;
}

/** Bytes from `offset` on wait until `until`. */
interface Hold {
  readonly offset: number;
  readonly until: number;
}

/** What a flow asks of its pipe (the pipe's private handlers). */
interface PipeHooks {
  push(f: FlowState, data: Buffer): void;
  end(f: FlowState): void;
  holdFrom(f: FlowState, offset: number, ms: number): void;
  drained(f: FlowState): void;
  close(f: FlowState): void;
}

/** A flow's state; only its pipe changes it. */
class FlowState implements Flow {
  readonly queue: Buffer[] = [];
  /** Bytes of queue[0] already taken. */
  headOffset = 0;
  /** Untransmitted bytes. */
  queued = 0;
  /** Bytes pushed and bytes transmitted, since the flow opened. */
  pushed = 0;
  transmitted = 0;
  readonly inFlight: Segment[] = [];
  inFlightBytes = 0;
  lastDue = -Infinity;
  /** The output returned false from write; waiting for 'drain'. */
  blocked = false;
  inputPaused = false;
  stalledUntil = 0;
  readonly holds: Hold[] = [];
  ending = false;
  ended = false;
  isClosed = false;

  constructor(
    private readonly pipe: PipeHooks,
    readonly port: FlowPort,
    readonly random: Prng,
  ) {}

  get offset(): number {
    return this.pushed;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  push(data: Buffer): void {
    this.pipe.push(this, data);
  }

  end(): void {
    this.pipe.end(this);
  }

  holdFrom(offset: number, ms: number): void {
    this.pipe.holdFrom(this, offset, ms);
  }

  drained(): void {
    this.pipe.drained(this);
  }

  close(): void {
    this.pipe.close(this);
  }

  /** Takes the next `size` untransmitted bytes (size <= queued), without copying when they lie in one buffer. */
  take(size: number): Buffer {
    const head = this.queue[0]!;
    let out: Buffer;
    if (head.length - this.headOffset >= size) {
      out = head.subarray(this.headOffset, this.headOffset + size);
      this.headOffset += size;
      if (this.headOffset === head.length) {
        this.queue.shift();
        this.headOffset = 0;
      }
    } else {
      out = Buffer.allocUnsafe(size);
      let filled = 0;
      while (filled < size) {
        const b = this.queue[0]!;
        const n = Math.min(size - filled, b.length - this.headOffset);
        b.copy(out, filled, this.headOffset, this.headOffset + n);
        filled += n;
        this.headOffset += n;
        if (this.headOffset === b.length) {
          this.queue.shift();
          this.headOffset = 0;
        }
      }
    }
    this.queued -= size;
    this.transmitted += size;
    return out;
  }

  /** Puts a segment taken last back in front (it was lost and will be resent). */
  giveBack(data: Buffer): void {
    if (this.headOffset > 0) {
      this.queue[0] = this.queue[0]!.subarray(this.headOffset);
      this.headOffset = 0;
    }
    this.queue.unshift(data);
    this.queued += data.length;
    this.transmitted -= data.length;
  }

  /**
   * How many bytes the holds let go now (Infinity: no hold ahead); a hold that
   * has expired is dropped.
   */
  holdLimit(now: number): number {
    while (this.holds.length > 0) {
      const h = this.holds[0]!;
      if (now >= h.until) {
        this.holds.shift();
        continue;
      }
      return Math.max(0, h.offset - this.transmitted);
    }
    return Infinity;
  }
}

/** One direction of a link; see the file comment. */
export class Pipe {
  /** What the pipe has done; the relay adds corrupted bytes. */
  readonly counters: PipeCounters = { bytes: 0, lostSegments: 0, corruptedBytes: 0 };
  private current: LinkProfile;
  private flows: FlowState[] = [];
  private flowsChanged = false;
  private turn = 0;
  private flowSerial = 0;
  private tokens = 0;
  private refilledAt: number;
  /** Bytes the next flow in turn waits for (0: not waiting for tokens). */
  private tokenDebt = 0;
  private held = false;
  private closedPipe = false;
  private timer: Timer | undefined;
  private wakeAt = Infinity;
  private servicing = false;
  private again = false;
  private readonly hooks: PipeHooks = {
    push: (f, data) => this.onPush(f, data),
    end: (f) => this.onEnd(f),
    holdFrom: (f, offset, ms) => this.onHoldFrom(f, offset, ms),
    drained: (f) => this.onDrained(f),
    close: (f) => this.onClose(f),
  };

  /**
   * A pipe named `name` (e.g. `a->b`, for messages) carrying `profile`, drawing
   * losses and jitter from `random` (each flow from its own fork), its time and
   * timers from `clock` (wall-clock time; a test may turn a ManualClock by hand).
   */
  constructor(
    readonly name: string,
    profile: LinkProfile,
    private readonly random: Prng,
    private readonly clock: Clock = systemClock,
  ) {
    this.current = profile;
    this.refilledAt = clock.now();
    this.tokens = this.burst();
  }

  /** The profile in force. */
  get profile(): LinkProfile {
    return this.current;
  }

  /** Bytes read but not yet transmitted, over every flow. */
  get queuedBytes(): number {
    return this.flows.reduce((n, f) => n + f.queued, 0);
  }

  /** Bytes transmitted but not yet delivered, over every flow. */
  get inFlightBytes(): number {
    return this.flows.reduce((n, f) => n + f.inFlightBytes, 0);
  }

  /**
   * Applies `profile` at once: the bandwidth from the next batch on (what the
   * bucket holds is kept up to the new burst size), the latency and jitter to the
   * segments in flight too (order kept).
   */
  setProfile(profile: LinkProfile): void {
    const now = this.clock.now();
    this.refill(now);
    const wasUnlimited = this.current.bandwidth === undefined;
    this.current = profile;
    this.tokens = wasUnlimited ? this.burst() : Math.min(this.tokens, this.burst());
    this.refilledAt = now;
    for (const f of this.flows) {
      let prev = -Infinity;
      for (const s of f.inFlight) {
        s.due = Math.max(s.sentAt + profile.latencyMs + s.u * profile.jitterMs, prev);
        prev = s.due;
      }
      f.lastDue = prev;
    }
    this.service();
  }

  /** Stops transmitting and delivering (a blackhole); what arrives is queued, then inputs pause. */
  hold(): void {
    this.held = true;
    this.service();
  }

  /** Ends {@link hold}: what was held goes on, in order. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.service();
  }

  /** A new flow writing to and reading from `port`. */
  open(port: FlowPort): Flow {
    const flow = new FlowState(this.hooks, port, this.random.fork(this.flowSerial++));
    this.flows.push(flow);
    return flow;
  }

  /** Closes every flow and stops the timer; the pipe does nothing afterwards. */
  close(): void {
    this.closedPipe = true;
    for (const f of this.flows) this.discard(f);
    this.flows = [];
    this.disarm();
  }

  // ---- what flows ask ----

  private onPush(f: FlowState, data: Buffer): void {
    if (f.isClosed || f.ending || data.length === 0) return;
    f.pushed += data.length;
    if (this.passesThrough(f)) {
      f.transmitted += data.length;
      this.counters.bytes += data.length;
      if (!f.port.write(data)) {
        f.blocked = true;
        this.updateInput(f);
      }
      return;
    }
    f.queue.push(data);
    f.queued += data.length;
    this.updateInput(f);
    // While the bucket is empty a timer is due anyway: more data only joins the next batch.
    if (this.tokenDebt === 0 || this.timer === undefined) this.service();
  }

  private onEnd(f: FlowState): void {
    if (f.isClosed || f.ending) return;
    f.ending = true;
    this.maybeEnd(f);
  }

  private onHoldFrom(f: FlowState, offset: number, ms: number): void {
    if (f.isClosed) return;
    f.holds.push({ offset: Math.max(offset, f.transmitted), until: this.clock.now() + ms });
  }

  private onDrained(f: FlowState): void {
    if (f.isClosed || !f.blocked) return;
    f.blocked = false;
    this.updateInput(f);
    this.service();
  }

  private onClose(f: FlowState): void {
    if (f.isClosed) return;
    this.discard(f);
    this.service();
  }

  // ---- the machinery ----

  private discard(f: FlowState): void {
    f.isClosed = true;
    f.queue.length = 0;
    f.queued = 0;
    f.inFlight.length = 0;
    f.inFlightBytes = 0;
    f.holds.length = 0;
    this.flowsChanged = true;
  }

  private burst(): number {
    const rate = this.current.bandwidth;
    return rate === undefined ? Infinity : Math.max(MIN_BURST_BYTES, (rate * BURST_MS) / 1000);
  }

  private refill(now: number): void {
    const rate = this.current.bandwidth;
    if (rate !== undefined) this.tokens = Math.min(this.burst(), this.tokens + (rate * (now - this.refilledAt)) / 1000);
    this.refilledAt = now;
  }

  /** Whether a push can go straight to the output: nothing shapes the pipe and the flow has nothing before it. */
  private passesThrough(f: FlowState): boolean {
    return !this.held && f.queued === 0 && f.inFlight.length === 0 && !f.blocked && f.holds.length === 0 && isUnshaped(this.current);
  }

  private updateInput(f: FlowState): void {
    if (f.isClosed) return;
    if (!f.inputPaused && (f.blocked || f.queued > HIGH_WATER_BYTES)) {
      f.inputPaused = true;
      f.port.pauseInput();
    } else if (f.inputPaused && !f.blocked && f.queued <= HIGH_WATER_BYTES / 2) {
      f.inputPaused = false;
      f.port.resumeInput();
    }
  }

  private maybeEnd(f: FlowState): void {
    if (f.ending && !f.ended && !f.isClosed && f.queued === 0 && f.inFlight.length === 0) {
      f.ended = true;
      f.port.end();
    }
  }

  /** Delivers what is due, transmits what the bucket pays for, and sets the timer for what comes next. */
  private service(): void {
    if (this.closedPipe) return;
    if (this.servicing) {
      this.again = true;
      return;
    }
    this.servicing = true;
    let now = this.clock.now();
    try {
      do {
        this.again = false;
        now = this.clock.now();
        if (this.flowsChanged) {
          this.flows = this.flows.filter((f) => !f.isClosed);
          this.flowsChanged = false;
        }
        if (!this.held) {
          for (const f of this.flows) this.deliverDue(f, now);
          this.transmit(now);
        }
      } while (this.again);
    } finally {
      this.servicing = false;
    }
    this.schedule(now);
  }

  private deliverDue(f: FlowState, now: number): void {
    while (!f.blocked && !f.isClosed && f.inFlight.length > 0 && f.inFlight[0]!.due <= now + EARLY_MS) {
      const s = f.inFlight.shift()!;
      f.inFlightBytes -= s.data.length;
      this.deliver(f, s.data);
    }
    this.maybeEnd(f);
  }

  private deliver(f: FlowState, data: Buffer): void {
    this.counters.bytes += data.length;
    if (!f.port.write(data)) {
      f.blocked = true;
      this.updateInput(f);
    }
  }

  /** Round robin over the flows that may send, one segment a turn, while the bucket pays. */
  private transmit(now: number): void {
    this.refill(now);
    this.tokenDebt = 0;
    const unlimited = this.current.bandwidth === undefined;
    const n = this.flows.length;
    let idle = 0;
    let i = this.turn % Math.max(1, n);
    while (idle < n) {
      const f = this.flows[i]!;
      const limit = f.isClosed || f.blocked || f.queued === 0 || now < f.stalledUntil ? 0 : f.holdLimit(now);
      if (limit === 0) {
        idle++;
        i = (i + 1) % n;
        continue;
      }
      const size = Math.min(SEGMENT_BYTES, f.queued, limit);
      if (!unlimited && this.tokens < size) {
        this.tokenDebt = size - this.tokens;
        break;
      }
      if (!unlimited) this.tokens -= size;
      this.send(f, f.take(size), now);
      this.updateInput(f);
      this.maybeEnd(f);
      idle = 0;
      i = (i + 1) % n;
    }
    this.turn = i;
  }

  /** One transmission of a segment: lost, delivered at once, or put in flight. */
  private send(f: FlowState, data: Buffer, now: number): void {
    const p = this.current;
    if (p.loss > 0 && f.random.chance(p.loss)) {
      this.counters.lostSegments++;
      if (p.lossMode === 'drop') {
        this.discard(f);
        f.port.reset();
        return;
      }
      f.giveBack(data);
      f.stalledUntil = now + retransmitTimeoutMs(p);
      return;
    }
    const u = p.jitterMs > 0 ? f.random.signed() : 0;
    const delay = p.latencyMs + u * p.jitterMs;
    if (delay <= 0 && f.inFlight.length === 0 && !f.blocked) {
      this.deliver(f, data);
      return;
    }
    const due = Math.max(now + delay, f.lastDue);
    f.lastDue = due;
    f.inFlight.push({ data, sentAt: now, u, due });
    f.inFlightBytes += data.length;
  }

  /** Sets the timer for the earliest of: a delivery, the end of a stall or a hold, enough tokens. */
  private schedule(now: number): void {
    if (this.held || this.closedPipe) {
      this.disarm();
      return;
    }
    let at = Infinity;
    for (const f of this.flows) {
      if (f.isClosed) continue;
      if (!f.blocked && f.inFlight.length > 0) at = Math.min(at, f.inFlight[0]!.due);
      if (f.queued > 0 && !f.blocked) {
        if (f.stalledUntil > now) at = Math.min(at, f.stalledUntil);
        else if (f.holds.length > 0 && f.holdLimit(now) === 0) at = Math.min(at, f.holds[0]!.until);
      }
    }
    const rate = this.current.bandwidth;
    if (this.tokenDebt > 0 && rate !== undefined) at = Math.min(at, now + (this.tokenDebt * 1000) / rate);
    this.arm(at, now);
  }

  private arm(at: number, now: number): void {
    if (at === Infinity) {
      this.disarm();
      return;
    }
    if (this.timer !== undefined && this.wakeAt <= at) return;
    this.disarm();
    this.wakeAt = at;
    this.timer = this.clock.timer(Math.max(1, Math.round(at - now)), () => {
      this.timer = undefined;
      this.wakeAt = Infinity;
      this.service();
    });
  }

  private disarm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.wakeAt = Infinity;
  }
}
