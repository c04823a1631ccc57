/**
 * The MigThread: a task slot's command-channel state machine (README, "The
 * command channel"). All transitions live in the one table below; a command that
 * the current state does not accept throws an IllegalStateError naming both.
 *
 *   MigSink ──Initialize──▶ Initializing ──▶ MigSource
 *   MigSink ──Receive─────▶ Receiving ──stage──▶ Staged ──activate──▶ MigSource
 *   MigSource ──StopAndTransfer──▶ Transferring ──commit──▶ Committing ──release──▶ MigSink
 *   failures: Initializing/Receiving/Staged ─▶ MigSink, Transferring/Committing ─▶ MigSource
 */
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { IllegalStateError } from '../common/index.ts';
import type { ChannelCommand, MigCommand, MigState } from './vocabulary.ts';



const TRANSITIONS: Readonly<Record<MigState, Partial<Record<MigCommand, MigState>>>> = {
  MigSink: { Initialize: 'Initializing', Receive: 'Receiving' },
  Initializing: { initialized: 'MigSource', abort: 'MigSink' },
  Receiving: { stage: 'Staged', abort: 'MigSink' },
  Staged: { activate: 'MigSource', abort: 'MigSink' },
  MigSource: { StopAndTransfer: 'Transferring', Kill: 'MigSink' },
  Transferring: { commit: 'Committing', abort: 'MigSource' },
  // abort here only when the sink, asked about the migration, reports it aborted or unknown
  Committing: { release: 'MigSink', abort: 'MigSource' },
};

/** Commands each state accepts (for messages and Info). */
export function acceptedCommands(state: MigState): MigCommand[] {
  return Object.keys(TRANSITIONS[state]) as MigCommand[];
}


/** The commands a client may send to a slot in `state` now (Copy only when the partition has a free slot). */
export function channelCommands(state: MigState, freeSlot: boolean): ChannelCommand[] {
  if (state === 'MigSink') return ['Info', 'Initialize', 'Receive'];
  if (state === 'MigSource') return ['Info', 'StopAndTransfer', 'Kill', 'Pause', 'Resume', 'Save', ...(freeSlot ? (['Copy'] as const) : [])];
  return ['Info'];
}

/** One transition taken, as published. */
export interface Transition {
  readonly from: MigState;
  readonly to: MigState;
  readonly command: MigCommand;
}

/** The state machine of one slot: its state as a BehaviorSubject, its transitions as a Subject. */
export class MigThread {
  private readonly state$: BehaviorSubject<MigState>;
  private readonly transitions$ = new Subject<Transition>();

  constructor(initial: MigState = 'MigSink') {
    this.state$ = new BehaviorSubject<MigState>(initial);
  }

  /** The current state. */
  get state(): MigState {
    return this.state$.value;
  }

  /** The state as it changes (replays the current one). */
  get states(): Observable<MigState> {
    return this.state$.asObservable();
  }

  /** Every transition taken, as it happens. */
  get transitions(): Observable<Transition> {
    return this.transitions$.asObservable();
  }

  /** Throws unless `command` is accepted in the current state. */
  check(command: MigCommand): MigState {
    const to = TRANSITIONS[this.state][command];
    if (to === undefined) {
      const accepted = acceptedCommands(this.state).filter((c) => /^[A-Z]/.test(c));
      throw new IllegalStateError(
        this.state,
        command,
        accepted.length ? `${this.state} accepts ${accepted.join(', ')}` : 'a transition is in progress',
      );
    }
    return to;
  }

  /** Applies a command; returns the transition taken. */
  apply(command: MigCommand): Transition {
    const from = this.state;
    const to = this.check(command);
    this.state$.next(to);
    const t = { from, to, command };
    this.transitions$.next(t);
    return t;
  }

  /** Completes both streams (node shutdown). */
  complete(): void {
    this.state$.complete();
    this.transitions$.complete();
  }
}
