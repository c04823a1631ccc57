/**
 * A MigTask slot: one MigThread (the command channel's state machine) and, while
 * it is MigSource, the task it holds: an id, 1..n travelers and the slot's address
 * space with the program in it. An empty slot is a MigSink waiting for Initialize
 * or Receive. Process management (pause, resume, kill, copy) happens here.
 */
import { Code, IllegalStateError, InvalidArgumentError } from '../common/index.ts';
import { CodeCache, loadProgram, stackTop, SP, type Program } from '../machine/index.ts';
import type { WordSize } from '../config/index.ts';
import { Pte, type AddressSpace, type Partition } from '../partition/index.ts';
import { ContainerError } from './container-error.ts';
import { CONTAINER_LIMITS, nameProblem } from './container-rules.ts';
import { PAGE_ZERO } from './page-map.ts';
import { MigThread } from './mig-thread.ts';
import type { MigState } from './vocabulary.ts';
import { MigTraveler } from './mig-traveler.ts';
import type { MigrationStatus, RunState } from './vocabulary.ts';


/** A migration a slot takes part in while its task is in transit. */
export interface Transit {
  readonly migrationId: string;
  /** The other side: the sink's name for a source, the source node for a sink. */
  readonly peer: string;
  status: MigrationStatus;
}

/** Initialize: the program and its travelers. */
export interface InitializeRequest {
  readonly id: string;
  /** Program name shown in ps (usually the file's base name). */
  readonly programName: string;
  readonly program: Program;
  readonly travelers: number;
  readonly priority: number;
}

/**
 * One MigTask slot of a partition: its MigThread (the command channel's state
 * machine, see mig-thread.ts), its address space, and while it is MigSource the
 * task it holds. The protocols drive its states through the methods below:
 * Initialize (first boot), the sink side (beginReceive → installPages → stage →
 * activate, or abortReceive), the source side (beginTransfer → commitTransfer →
 * release, or cancelTransfer), and process management (pause, resume, kill, copy).
 */
export class MigTask {
  /** The slot's command-channel state machine. */
  readonly thread = new MigThread();
  /** The slot's address space (fixed at boot). */
  readonly space: AddressSpace;
  /** The task's id (kept wherever it migrates); undefined while the slot is empty. */
  id: string | undefined;
  /** The program's name as ps shows it. */
  programName: string | undefined;
  /** The task's travelers (empty while the slot is empty). */
  travelers: MigTraveler[] = [];
  /** Pause: the scheduler skips the travelers. */
  /** Percent of its travelers' instruction budget withheld (a migration's auto-converge; 0: none). */
  throttle = 0;
  paused = false;
  /** Translated code of the current task; replaced whenever the slot is (re)loaded. */
  cache: CodeCache;
  /** The migration the slot's task is part of while it is in transit (source or sink side). */
  transit: Transit | undefined;
  /** Post-copy in progress on this (sink) slot: fetches the pages still absent. */
  postcopy: { fault(page: number): void; readonly missing: number; close(): void } | undefined;

  constructor(
    readonly partition: Partition,
    readonly slot: number,
    readonly word: WordSize,
  ) {
    this.space = partition.spaces[slot]!;
    this.cache = new CodeCache(this.space, word);
  }

  /** The MigThread state. */
  get state(): MigState {
    return this.thread.state;
  }

  /** The slot's name, e.g. `ctrl/1`. */
  get slotName(): string {
    return `${this.partition.name}/${this.slot}`;
  }

  /** Whether the slot holds a task (in any state). */
  get occupied(): boolean {
    return this.id !== undefined;
  }

  /** Instructions executed by all travelers. */
  get instructions(): number {
    return this.travelers.reduce((n, t) => n + t.instructions, 0);
  }

  /** ps's run column: what the travelers are doing. */
  get runState(): RunState {
    if (!this.occupied) return 'empty';
    if (this.travelers.some((t) => t.runnable)) {
      // Travelers run only in MigSource: in Transferring and Committing the migration holds them, staged they wait for the commit.
      if (this.thread.state !== 'MigSource') return 'stopped';
      return this.paused ? 'paused' : 'running';
    }
    return this.travelers.some((t) => t.status === 'faulted') ? 'faulted' : 'exited';
  }

  /** Initialize: first boot of a program into this (MigSink) slot. */
  initialize(req: InitializeRequest): void {
    this.thread.check('Initialize');
    const def = this.partition.def;
    if (req.travelers < 1 || req.travelers > def.maxTravelers) {
      throw new InvalidArgumentError(`travelers must be 1..${def.maxTravelers} in partition ${def.name}, got ${req.travelers}`);
    }
    const name = nameProblem(req.programName, 'program_name', false, CONTAINER_LIMITS.maxProgramLength);
    if (name) throw new InvalidArgumentError(name);
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

  /** Refuses commands that need every page while a post-copy migration still delivers some. */
  requireComplete(command: string): void {
    if (this.postcopy) throw new IllegalStateError('MigSource', command, `${this.postcopy.missing} page(s) of task ${this.id} are still arriving (post-copy)`);
  }

  /** Pause (MigSource only). */
  pause(): void {
    this.requireSource('Pause');
    this.paused = true;
  }

  /** Resume (MigSource only). */
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

  /**
   * Copies a batch of received pages into the slot's memory (`zero`: pages sent as
   * all-zero). With `onlyMissing`, pages already present are left alone (post-copy:
   * a page may arrive both by fault and by push). Returns how many were installed.
   */
  installPages(index: readonly number[], data: Uint8Array, zero: readonly number[] = [], onlyMissing = false): number {
    const size = this.space.pageSize;
    const pt = this.space.pageTable;
    let n = 0;
    const put = (p: number, bytes: Uint8Array | undefined): void => {
      if (onlyMissing && pt.isPresent(p)) return;
      this.space.installPage(p, bytes);
      if (this.received) this.received[p] = 1;
      n++;
    };
    if (onlyMissing) index.forEach((p, k) => put(p, data.subarray(k * size, (k + 1) * size)));
    else {
      // Consecutive pages (a full migration sends little else) go in one copy a run.
      this.space.installBatch(index, data);
      if (this.received) for (const p of index) this.received[p] = 1;
      n += index.length;
    }
    for (const p of zero) put(p, undefined);
    return n;
  }

  /**
   * The container is complete and verified: the task exists here but does not run
   * until activated. `pageMap` is the source's page map (container header): zero
   * pages are zero-filled now (so a large receive does not clear memory it then
   * overwrites); with `lazy`, present pages that did not arrive stay absent and are
   * fetched on fault (post-copy). Otherwise a missing page is an error.
   */
  stage(id: string, programName: string, travelers: MigTraveler[], paused: boolean, pageMap?: Uint8Array, lazy = false): void {
    const got = this.received;
    // Only the pages that did not arrive are looked at (indexOf finds them without
    // a step of JavaScript a page: this runs once a migration, while the task is stopped).
    if (got && pageMap) {
      for (let p = got.indexOf(0); p !== -1; p = got.indexOf(0, p + 1)) {
        const f = pageMap[p] ?? 0;
        if (f & PAGE_ZERO || !(f & Pte.PRESENT)) this.space.installPage(p, undefined);
        else if (lazy) this.space.pageTable.setPresent(p, false);
        else throw new ContainerError(`page ${p} is neither in the container nor marked zero`, Code.INVALID_ARGUMENT);
      }
    } else if (got) {
      for (let p = got.indexOf(0); p !== -1; p = got.indexOf(0, p + 1)) this.space.installPage(p, undefined);
    }
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
    this.transit = undefined;
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
    this.transit = undefined;
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
    this.throttle = 0;
    this.received = undefined;
    this.transit = undefined;
    this.postcopy?.close();
    this.postcopy = undefined;
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
    source.requireComplete('Copy');
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
