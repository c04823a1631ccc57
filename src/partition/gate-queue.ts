/**
 * A gate: a named, bounded FIFO message queue. Sending to a full gate is an error
 * the sender sees (E_FULL) or, with the blocking variant, a wait; never a silent drop.
 */
import { SysError, SysCallError } from './sys-error.ts';

/** A gate: a bounded FIFO of messages of at most `messageSize` bytes. */
export class GateQueue {
  private readonly messages: Uint8Array[] = [];
  /** Messages being handed to another node: not deliverable here until that settles. */
  private readonly reserved = new Set<Uint8Array>();
  /** Messages accepted since boot (monotonic; lets tests and ps see traffic). */
  sent = 0;
  /** Messages delivered so far. */
  received = 0;
  /** Sends refused because the gate was full (monotonic; the node's metrics read it). */
  refused = 0;
  /** Called after every accepted message (the node's forwarder listens here). */
  onMessage: (() => void) | undefined;

  constructor(
    readonly name: string,
    readonly capacity: number,
    readonly messageSize: number,
  ) {}

  /** Messages queued. */
  get length(): number {
    return this.messages.length;
  }

  /** Whether a send would be refused. */
  get full(): boolean {
    return this.messages.length >= this.capacity;
  }

  /** Checks a message would be accepted, without sending it. */
  checkSend(msg: Uint8Array): void {
    if (msg.length > this.messageSize) {
      throw new SysCallError(SysError.E_TOOBIG, `message of ${msg.length} bytes exceeds gate ${this.name}'s limit of ${this.messageSize}`);
    }
    if (this.full) throw new SysCallError(SysError.E_FULL, `gate ${this.name} is full (${this.capacity} messages)`);
  }

  /** Queues a copy of a message (SysCallError E_FULL or E_TOOBIG when it cannot). */
  send(msg: Uint8Array): void {
    if (this.full && msg.length <= this.messageSize) this.refused++;
    this.checkSend(msg);
    this.messages.push(msg.slice());
    this.sent++;
    this.onMessage?.();
  }

  /** Whether a receiver here can take the oldest message now. */
  get deliverable(): boolean {
    const head = this.messages[0];
    return head !== undefined && !this.reserved.has(head);
  }

  /** The oldest message, unless it is reserved (then undefined: wait). */
  receive(): Uint8Array | undefined {
    if (!this.deliverable) return undefined;
    const m = this.messages.shift()!;
    this.received++;
    return m;
  }

  /** Holds a message back from receivers here while it is being forwarded. */
  reserve(msg: Uint8Array): void {
    this.reserved.add(msg);
  }

  /** The forward did not happen: the message is deliverable here again. */
  release(msg: Uint8Array): void {
    if (this.reserved.delete(msg)) this.onMessage?.();
  }

  /** Removes one particular message (by identity); true if it was queued. */
  remove(msg: Uint8Array): boolean {
    this.reserved.delete(msg);
    const i = this.messages.indexOf(msg);
    if (i < 0) return false;
    this.messages.splice(i, 1);
    return true;
  }

  /** The oldest message without taking it (deliverable or not). */
  peekFirst(): Uint8Array | undefined {
    return this.messages[0];
  }

  /** Takes every queued message (a migrating task carries them along). */
  drain(): Uint8Array[] {
    return this.messages.splice(0, this.messages.length);
  }

  /** Puts carried messages back at the front, in their order, ahead of newer ones. */
  prepend(msgs: readonly Uint8Array[]): void {
    this.messages.unshift(...msgs.map((m) => m.slice()));
    if (msgs.length > 0) this.onMessage?.();
  }

  /** A copy of the queued messages, oldest first. */
  peekAll(): Uint8Array[] {
    return this.messages.map((m) => m.slice());
  }
}
