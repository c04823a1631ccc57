/**
 * A node's events, numbered: every event gets the next sequence number (from 1)
 * and the last {@link DEFAULT_REPLAY} stay in a replay buffer, so a watcher that
 * reconnects can ask for what followed the last number it saw. Events that fell
 * out of the buffer are reported as one gap, never skipped silently.
 */
import { Subject, type Observable } from 'rxjs';
import type { NodeEvent } from './events.ts';

/** Events a node keeps for watchers that resume. */
export const DEFAULT_REPLAY = 10_000;

/** An event with its number on the node. */
export interface Sequenced {
  readonly seq: number;
  readonly event: NodeEvent;
}

/** What a resuming watcher gets: the events it missed that are still held, and the ones that are not. */
export interface Replay {
  /** Numbers no longer held (first..last), when any. */
  readonly gap?: { readonly first: number; readonly last: number };
  readonly events: readonly Sequenced[];
}

/** A node's numbered events, the last ones kept in a ring for Watch to replay from a number. */
export class EventLog {
  private readonly ring: (Sequenced | undefined)[];
  private next = 1;
  private readonly stream$ = new Subject<Sequenced>();

  constructor(readonly capacity = DEFAULT_REPLAY) {
    this.ring = new Array<Sequenced | undefined>(Math.max(1, capacity));
  }

  /** Numbers the next event. */
  append(event: NodeEvent): Sequenced {
    const s = { seq: this.next++, event };
    this.ring[s.seq % this.ring.length] = s;
    this.stream$.next(s);
    return s;
  }

  /** The number of the last event (0 before the first). */
  get last(): number {
    return this.next - 1;
  }

  /** Every event as it is numbered. */
  get stream(): Observable<Sequenced> {
    return this.stream$.asObservable();
  }

  /** The events numbered above `seq` that are still held, and the gap before them. */
  after(seq: number): Replay {
    const last = this.last;
    const oldest = Math.max(1, last - this.ring.length + 1);
    const from = Math.max(seq + 1, 1);
    const events: Sequenced[] = [];
    for (let n = Math.max(from, oldest); n <= last; n++) events.push(this.ring[n % this.ring.length]!);
    return from < oldest && from <= last ? { gap: { first: from, last: oldest - 1 }, events } : { events };
  }

  complete(): void {
    this.stream$.complete();
  }
}
