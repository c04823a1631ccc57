/**
 * A sampling port as one node holds it (README, "Sampling ports"): the latest
 * message of the port's single source and the tick it arrived at on this node.
 * A read returns that message with its age in this node's ticks and whether it
 * is still valid (age at most the refresh period), so a reader that migrates is
 * judged by the clock of the node it runs on. Writes replace the message; a
 * message from another node that is older than one already held is ignored.
 */
import { SysCallError, SysError } from './sys-error.ts';

/** What a read of a sampling port returns. */
export interface SampledMessage {
  readonly message: Uint8Array;
  /** Ticks of this node since the message arrived here. */
  readonly age: number;
  /** Whether age ≤ the port's refresh period. */
  readonly valid: boolean;
}

/** The latest message of one sampling port on one node. */
export class SamplingPort {
  private latest: Uint8Array | undefined;
  private arrivedAt = 0;
  /** Newest sequence number taken from each writing node (older ones arrive late and are dropped). */
  private readonly newest = new Map<string, number>();
  /** Messages written here or taken from other nodes. */
  writes = 0;

  constructor(
    readonly name: string,
    /** Bytes of every message. */
    readonly messageSize: number,
    /** Refresh period in ticks. */
    readonly refresh: number,
  ) {}

  /** Whether a message was ever written. */
  get written(): boolean {
    return this.latest !== undefined;
  }

  /** The tick the latest message arrived at here (0 before any). */
  get arrived(): number {
    return this.arrivedAt;
  }

  /** Checks a message length is the port's size (SysCallError E_INVAL otherwise). */
  checkLength(length: number): void {
    if (length !== this.messageSize) {
      throw new SysCallError(SysError.E_INVAL, `sampling port ${this.name} takes messages of exactly ${this.messageSize} bytes, not ${length}`);
    }
  }

  /**
   * Stores a copy of `msg` as the latest, arrived at `tick` of this node. With
   * `origin` and `seq` (a message written on node `origin`), a sequence number
   * not above the newest taken from that node is ignored; returns whether the
   * message was stored.
   */
  write(msg: Uint8Array, tick: number, origin?: string, seq?: number): boolean {
    this.checkLength(msg.length);
    if (origin !== undefined && seq !== undefined) {
      if (seq <= (this.newest.get(origin) ?? -1)) return false;
      this.newest.set(origin, seq);
    }
    this.latest = msg.slice();
    this.arrivedAt = tick;
    this.writes++;
    return true;
  }

  /** The latest message at `tick` of this node, its age and validity; undefined before any write. */
  read(tick: number): SampledMessage | undefined {
    if (!this.latest) return undefined;
    const age = Math.max(0, tick - this.arrivedAt);
    return { message: this.latest.slice(), age, valid: age <= this.refresh };
  }
}
