/**
 * Saving a task to a container (the JOS `save`, CRIU's dump). The task is stopped
 * while its container streams out, so the snapshot is consistent. Afterwards it
 * either resumes (leave running) or stays stopped until the client confirms that
 * it stored the container; only then is the slot freed. A client that vanishes
 * or cancels leaves the task running where it was: nothing is lost.
 */
import { randomUUID } from 'node:crypto';
import { IllegalStateError, NotFoundError, type Compression, type Timer } from '../common/index.ts';
import type { RawChunk } from './container-codec.ts';
import { containerChunks, snapshotOf } from './container-snapshot.ts';
import type { MigTask } from './mig-task.ts';
import type { MigrationHost } from './migration-host.ts';

interface Held {
  readonly task: MigTask;
  readonly timer: Timer;
}

/** The node's saves in progress: tasks held stopped until their container is stored. */
export class Checkpointer {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly host: MigrationHost,
    /** How long a stopped task waits for ConfirmSave before it resumes (ms). @default 30000 */
    private readonly holdMs = 30_000,
  ) {}

  /** Streams a task's container. `leaveRunning`: resume as soon as it is out. */
  async *save(taskId: string, compression: Compression, leaveRunning: boolean): AsyncGenerator<RawChunk> {
    const task = this.host.task(taskId);
    if (task.state !== 'MigSource') throw new IllegalStateError(task.state, 'Save');
    task.requireComplete('Save');
    const id = randomUUID();
    task.beginTransfer();
    let complete = false;
    try {
      const snap = snapshotOf(task, { node: this.host.name, tick: this.host.tick, endian: this.host.cpu.endian, migrationId: id, mode: 'save' });
      for await (const p of containerChunks(task, snap, compression)) yield p.chunk;
      complete = true;
    } finally {
      if (!complete || leaveRunning) task.cancelTransfer();
      else this.hold(id, task);
    }
  }

  private hold(id: string, task: MigTask): void {
    const timer = this.host.clock.timer(this.holdMs, () => this.cancel(id));
    this.held.set(id, { task, timer });
  }

  private take(id: string, command: string): MigTask {
    const h = this.held.get(id);
    if (!h) throw new NotFoundError('save', id, `waiting for ${command} on ${this.host.name}`);
    h.timer.cancel();
    this.held.delete(id);
    return h.task;
  }

  /** The container is stored: the task ends here. */
  confirm(id: string): MigTask {
    const task = this.take(id, 'ConfirmSave');
    task.commitTransfer();
    const taskId = task.id;
    task.release();
    task.scrub();
    this.host.tasksChanged(task.partition.name);
    this.host.migrationEvent(taskId ?? '', 'saved', 'stopped after its container was stored');
    return task;
  }

  /** The save was abandoned: the task runs on. */
  cancel(id: string): MigTask | undefined {
    const h = this.held.get(id);
    if (!h) return undefined;
    const task = this.take(id, 'CancelSave');
    if (task.state === 'Transferring') task.cancelTransfer();
    return task;
  }

  close(): void {
    for (const id of [...this.held.keys()]) this.cancel(id);
  }
}
