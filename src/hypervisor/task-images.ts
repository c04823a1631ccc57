/**
 * Restart images of the node's tasks (README "Health monitor"): what a task is
 * restarted from. A task started here (Initialize, Copy) has an `entry` image,
 * taken before its first instruction; once it called `hm_checkpoint` it has a
 * `checkpoint` image too. A warm restart uses the checkpoint when there is one,
 * a cold restart never does. Images keep only the pages that are not all zero,
 * and stay on their node: a task that arrived by migration has none here until
 * it calls `hm_checkpoint` (no copy of its memory is taken while it activates,
 * which would add to the migration's downtime).
 */
import { CodeCache } from '../machine/index.ts';
import type { MigTask, MigTraveler, Wait } from '../migtask/index.ts';
import { Pte } from '../partition/index.ts';

/** Where a restart image comes from. */
export type ImageKind = 'entry' | 'checkpoint';

interface TravelerImage {
  readonly r: Int32Array | BigInt64Array;
  readonly pc: number;
  readonly flags: number;
  readonly status: MigTraveler['status'];
  readonly wait: Wait | undefined;
  readonly pendingConsole: string;
}

interface Image {
  readonly kind: ImageKind;
  readonly tick: number;
  /** The bytes of every page that is not all zero, by page number. */
  readonly pages: ReadonlyMap<number, Uint8Array>;
  readonly travelers: readonly TravelerImage[];
}

/** What a restart used, for the HM log. */
export interface Restarted {
  readonly kind: ImageKind;
  readonly tick: number;
}

/** The restart images of a node's tasks, by task id. */
export class TaskImages {
  private readonly start = new Map<string, Image>();
  private readonly checkpoints = new Map<string, Image>();

  /** Records the image a task starts from (before its first instruction). */
  captureEntry(task: MigTask, tick: number): void {
    if (task.id === undefined) return;
    this.start.set(task.id, capture(task, 'entry', tick));
    this.checkpoints.delete(task.id);
  }

  /**
   * `hm_checkpoint`: records the task as it is now. `caller`'s r0 reads 1 when
   * the task is later restarted from this image (the call itself returns 0).
   */
  checkpoint(task: MigTask, caller: MigTraveler, tick: number): void {
    if (task.id === undefined) return;
    const image = capture(task, 'checkpoint', tick);
    const mine = image.travelers[caller.id];
    if (mine) mine.r[0] = (mine.r instanceof BigInt64Array ? 1n : 1) as never;
    this.checkpoints.set(task.id, image);
  }

  /** Forgets a task's images (it ended or left the node). */
  forget(id: string): void {
    this.start.delete(id);
    this.checkpoints.delete(id);
  }

  /** Whether the task has a checkpoint, and of which tick. */
  checkpointTick(id: string): number | undefined {
    return this.checkpoints.get(id)?.tick;
  }

  /**
   * Restarts a task in place (the same travelers, so the run queues stay valid):
   * warm from its checkpoint if it has one, else (and always when cold) from its
   * start image. Undefined when it has neither (nothing was changed).
   */
  restart(task: MigTask, warm: boolean): Restarted | undefined {
    if (task.id === undefined) return undefined;
    const image = (warm ? this.checkpoints.get(task.id) : undefined) ?? this.start.get(task.id);
    if (!image || image.travelers.length !== task.travelers.length) return undefined;
    const space = task.space;
    for (let p = 0; p < space.pageCount; p++) {
      space.installPage(p, image.pages.get(p));
      // Restored pages count as written (a pre-copy in progress must send them again).
      space.pageTable.flags[p] = space.pageTable.flags[p]! | Pte.DIRTY;
    }
    task.cache = new CodeCache(space, task.word);
    if (image.kind !== 'checkpoint') for (const t of task.travelers) t.handles.closeAll();
    task.travelers.forEach((t, i) => {
      const s = image.travelers[i]!;
      t.cpu.r.set(s.r as never);
      t.cpu.pc = s.pc;
      t.cpu.flags = s.flags;
      t.cpu.trap = -1;
      t.cpu.fault = undefined;
      t.status = s.status;
      t.wait = s.wait;
      t.fault = undefined;
      t.exitCode = undefined;
      t.yieldedAt = -1;
      t.pendingConsole = s.pendingConsole;
    });
    return { kind: image.kind, tick: image.tick };
  }
}

function capture(task: MigTask, kind: ImageKind, tick: number): Image {
  const space = task.space;
  const pages = new Map<number, Uint8Array>();
  for (let p = 0; p < space.pageCount; p++) if (!space.isZeroPage(p)) pages.set(p, space.pageBytes(p).slice());
  const travelers = task.travelers.map((t) => ({
    r: t.cpu.r.slice(),
    pc: t.cpu.pc,
    flags: t.cpu.flags,
    // A traveler that had stopped comes back ready; a sleeping one sleeps on.
    status: t.runnable ? t.status : ('ready' as const),
    wait: t.runnable ? t.wait : undefined,
    pendingConsole: t.pendingConsole,
  }));
  return { kind, tick, pages, travelers };
}
