/**
 * A MigTask slot: one MigThread (the command channel's state machine) and, while
 * it is MigSource, the task it holds: an id, 1..n travelers and the slot's address
 * space with the program in it. An empty slot is a MigSink waiting for Initialize
 * or Receive. Process management (pause, resume, kill, copy) happens here.
 */
import { IllegalStateError, InvalidArgumentError } from '../common/errors.ts';
import { CodeCache, loadProgram, stackTop, SP, type Program, type WordSize } from '../hypervisor/index.ts';
import type { AddressSpace, Partition } from '../partition/index.ts';
import { MigThread, type MigState } from './mig-thread.ts';
import { MigTraveler } from './mig-traveler.ts';

export interface InitializeRequest {
  readonly id: string;
  /** Program name shown in ps (usually the file's base name). */
  readonly programName: string;
  readonly program: Program;
  readonly travelers: number;
  readonly priority: number;
}

export class MigTask {
  readonly thread = new MigThread();
  readonly space: AddressSpace;
  id: string | undefined;
  programName: string | undefined;
  travelers: MigTraveler[] = [];
  paused = false;
  /** Translated code of the current task; replaced whenever the slot is (re)loaded. */
  cache: CodeCache;

  constructor(
    readonly partition: Partition,
    readonly slot: number,
    readonly word: WordSize,
  ) {
    this.space = partition.spaces[slot]!;
    this.cache = new CodeCache(this.space, word);
  }

  get state(): MigState {
    return this.thread.state;
  }

  /** The slot's name, e.g. `ctrl/1`. */
  get slotName(): string {
    return `${this.partition.name}/${this.slot}`;
  }

  get occupied(): boolean {
    return this.id !== undefined;
  }

  /** Instructions executed by all travelers. */
  get instructions(): number {
    return this.travelers.reduce((n, t) => n + t.instructions, 0);
  }

  /** ps's run column: what the travelers are doing. */
  get runState(): 'empty' | 'paused' | 'running' | 'exited' | 'faulted' {
    if (!this.occupied) return 'empty';
    if (this.travelers.some((t) => t.runnable)) return this.paused ? 'paused' : 'running';
    return this.travelers.some((t) => t.status === 'faulted') ? 'faulted' : 'exited';
  }

  /** Initialize: first boot of a program into this (MigSink) slot. */
  initialize(req: InitializeRequest): void {
    this.thread.check('Initialize');
    const def = this.partition.def;
    if (req.travelers < 1 || req.travelers > def.maxTravelers) {
      throw new InvalidArgumentError(`travelers must be 1..${def.maxTravelers} in partition ${def.name}, got ${req.travelers}`);
    }
    if (req.program.word !== this.word) {
      throw new InvalidArgumentError(`program assembled for ${req.program.word}-bit, node is ${this.word}-bit`);
    }
    // The id is set first so the transition events name the task.
    this.id = req.id;
    this.thread.apply('Initialize');
    try {
      this.space.reset();
      loadProgram(this.space, req.program, def);
      this.cache = new CodeCache(this.space, this.word);
      this.travelers = Array.from({ length: req.travelers }, (_, i) => {
        const t = new MigTraveler(i, this.word, req.priority);
        t.cpu.pc = req.program.entry;
        t.setReg(SP, stackTop(def, i));
        return t;
      });
      this.id = req.id;
      this.programName = req.programName;
      this.paused = false;
      this.thread.apply('initialized');
    } catch (e: unknown) {
      this.clear();
      this.thread.apply('abort');
      throw e;
    }
  }

  private requireSource(command: string): void {
    if (this.state !== 'MigSource') throw new IllegalStateError(this.state, command);
  }

  pause(): void {
    this.requireSource('Pause');
    this.paused = true;
  }

  resume(): void {
    this.requireSource('Resume');
    this.paused = false;
  }

  /** Ends the task: handles closed, memory zeroed, the slot a MigSink again. */
  kill(): void {
    this.thread.apply('Kill');
    this.clear();
  }

  // --- sink side of a migration, load and restore ---------------------------

  /** Pages installed by the receive in progress (the rest are zeroed when it stages). */
  private received: Uint8Array | undefined;

  /** Receive: reserve this MigSink slot for an incoming container (not yet visible). */
  beginReceive(): void {
    this.thread.apply('Receive');
    this.clear(false);
    this.received = new Uint8Array(this.space.pageCount);
  }

  /** Copies a batch of received pages into the slot's memory. */
  installPages(index: readonly number[], data: Uint8Array): void {
    const size = this.space.pageSize;
    index.forEach((p, k) => {
      this.space.installPage(p, data.subarray(k * size, (k + 1) * size));
      if (this.received) this.received[p] = 1;
    });
  }

  /** The container is complete and verified: the task exists here but does not run until activated. */
  stage(id: string, programName: string, travelers: MigTraveler[], paused: boolean): void {
    // Pages the container did not carry are zero pages (elided); zero them only now,
    // so a large receive does not pay for clearing memory it then overwrites.
    const got = this.received;
    if (got) for (let p = 0; p < got.length; p++) if (!got[p]) this.space.installPage(p, undefined);
    this.received = undefined;
    this.id = id;
    this.programName = programName;
    this.travelers = travelers;
    this.paused = paused;
    this.thread.apply('stage');
  }

  /** Commit reached the sink: the task runs here from now on. */
  activate(): void {
    this.thread.apply('activate');
  }

  /** A receive failed or was aborted: nothing of it stays visible. */
  abortReceive(): void {
    this.thread.apply('abort');
    this.clear();
  }

  // --- source side -----------------------------------------------------------

  /** StopAndTransfer: the travelers stop where they are (the scheduler skips the task). */
  beginTransfer(): void {
    this.thread.apply('StopAndTransfer');
  }

  /** The transfer failed before the commit: the task resumes exactly where it stopped. */
  cancelTransfer(): void {
    this.thread.apply('abort');
  }

  /** The source decided: the sink owns the task now. */
  commitTransfer(): void {
    this.thread.apply('commit');
  }

  /**
   * After the sink activated: drop the task here (handles closed). Its memory is
   * scrubbed by {@link scrub} once the migration is accounted for, not during it.
   */
  release(): void {
    this.thread.apply('release');
    this.clear(false);
  }

  /** Zeroes an empty slot's memory. */
  scrub(): void {
    if (this.state === 'MigSink') this.space.reset();
  }

  /** Empties the slot (no state transition); `scrub` also zeroes its memory. */
  clear(scrub = true): void {
    for (const t of this.travelers) t.handles.closeAll();
    this.travelers = [];
    this.id = undefined;
    this.programName = undefined;
    this.paused = false;
    this.received = undefined;
    if (scrub) this.space.reset();
    this.cache = new CodeCache(this.space, this.word);
  }

  /**
   * Makes this (MigSink) slot an independent copy of `source`: memory and registers
   * are copied; open handles are not shared, so the copy sees them as closed.
   */
  copyFrom(source: MigTask, id: string): void {
    if (source.partition !== this.partition) throw new InvalidArgumentError('copy must stay in the same partition');
    source.requireSource('Copy');
    this.thread.apply('Initialize');
    for (let p = 0; p < this.space.pageCount; p++) {
      this.space.installPage(p, source.space.pageBytes(p));
    }
    this.cache = new CodeCache(this.space, this.word);
    this.travelers = source.travelers.map((s) => {
      const t = new MigTraveler(s.id, this.word, s.priority);
      t.cpu.r.set(s.cpu.r as never);
      t.cpu.pc = s.cpu.pc;
      t.cpu.flags = s.cpu.flags;
      t.status = s.status;
      t.wait = s.wait;
      t.instructions = s.instructions;
      t.exitCode = s.exitCode;
      t.fault = s.fault;
      t.pendingConsole = s.pendingConsole;
      t.handles.markClosedByMigration(s.handles.describe().open.map((h) => h.handle));
      return t;
    });
    this.id = id;
    this.programName = source.programName;
    this.paused = source.paused;
    this.thread.apply('initialized');
  }
}
