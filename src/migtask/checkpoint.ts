/**
 * Saving a task to a container (the JOS `save`, CRIU's dump). The task is stopped
 * while its container streams out, so the snapshot is consistent. Afterwards it
 * either resumes (leave running) or stays stopped until the client confirms that
 * it stored the container; only then is the slot freed. A client that vanishes
 * or cancels leaves the task running where it was: nothing is lost.
 */
import { randomUUID } from 'node:crypto';
import { IllegalStateError, NotFoundError } from '../common/index.ts';
import type { Node } from '../hypervisor/index.ts';
import type { Compression, RawChunk } from './container-codec.ts';
import { containerChunks, snapshotOf } from './container-snapshot.ts';
import type { MigTask } from './mig-task.ts';

interface Held {
  readonly task: MigTask;
  readonly timer: NodeJS.Timeout;
}

export class Checkpointer {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly node: Node,
    /** How long a stopped task waits for ConfirmSave before it resumes. */
    private readonly holdMs = 30_000,
  ) {}

  /** Streams a task's container. `leaveRunning`: resume as soon as it is out. */
  async *save(taskId: string, compression: Compression, leaveRunning: boolean): AsyncGenerator<RawChunk> {
    const task = this.node.task(taskId);
    if (task.state !== 'MigSource') throw new IllegalStateError(task.state, 'Save');
    task.requireComplete('Save');
    const id = randomUUID();
    task.beginTransfer();
    let complete = false;
    try {
      const snap = snapshotOf(task, { node: this.node.name, tick: this.node.tick, endian: this.node.def.cpu.endian, migrationId: id, mode: 'save' });
      for await (const p of containerChunks(task, snap, compression)) yield p.chunk;
      complete = true;
    } finally {
      if (!complete || leaveRunning) task.cancelTransfer();
      else this.hold(id, task);
    }
  }

  private hold(id: string, task: MigTask): void {
    const timer = setTimeout(() => this.cancel(id), this.holdMs).unref();
    this.held.set(id, { task, timer });
  }

  private take(id: string, command: string): MigTask {
    const h = this.held.get(id);
    if (!h) throw new NotFoundError('save', id, `waiting for ${command} on ${this.node.name}`);
    clearTimeout(h.timer);
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
    this.node.syncQueue(task.partition.name);
    this.node.publish({ kind: 'migration', node: this.node.name, tick: this.node.tick, task: taskId ?? '', phase: 'saved', detail: 'stopped after its container was stored' });
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
