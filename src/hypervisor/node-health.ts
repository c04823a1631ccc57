/**
 * A node's health monitor, partition modes and restart images together (README
 * "Health monitor", "Partition modes"): what the node hands its scheduler and
 * system calls, and how they reach back into the node. It follows every slot's
 * MigThread to know when a task started (its entry image, NORMAL_START), arrived
 * by migration (MIGRATED, no image) or ended.
 */
import type { MigTask, MigTraveler, Transition, TravelerFault } from '../migtask/index.ts';
import { HealthMonitor, type HmHost } from './health-monitor.ts';
import { hmSystemCall, type HmSysHost } from './hm-syscalls.ts';
import type { Node } from './node.ts';
import { PartitionModes, type ModeChange, type ModesHost } from './partition-modes.ts';
import type { SysOutcome } from './syscalls.ts';
import { TaskImages } from './task-images.ts';

/** The health side of one node. */
export class NodeHealth implements HmSysHost {
  /** The tasks' restart images. */
  readonly images = new TaskImages();
  /** The partitions' operating modes and start conditions. */
  readonly modes: PartitionModes;
  /** The health monitor and its log. */
  readonly hm: HealthMonitor;

  constructor(
    private readonly node: Node,
    stopTraveler: (task: MigTask, t: MigTraveler, fault: TravelerFault) => void,
  ) {
    const modesHost: ModesHost = {
      get tick() {
        return node.tick;
      },
      tasksOf: (partition) => node.slots.filter((s) => s.partition.name === partition && s.occupied),
      restartTasks: (partition, warm) => this.restartTasks(partition, warm),
      modeChanged: (c: ModeChange) =>
        node.publish({ kind: 'partition', node: node.name, tick: node.tick, partition: c.partition, from: c.from, to: c.to, condition: c.condition, detail: c.reason }),
    };
    this.modes = new PartitionModes(modesHost, node.def.partitions);
    const hmHost: HmHost = {
      name: node.name,
      get tick() {
        return node.tick;
      },
      def: node.def,
      publish: (e) => node.publish(e),
      stopTraveler,
    };
    this.hm = new HealthMonitor(hmHost, this.modes, this.images);
    for (const slot of node.slots) slot.thread.transitions.subscribe((t) => this.transition(slot, t));
  }

  /** The node's tick. */
  get tick(): number {
    return this.node.tick;
  }

  /** System calls 16..21 (undefined for any other number). */
  systemCall(num: number, t: MigTraveler, task: MigTask): SysOutcome | undefined {
    return hmSystemCall(num, t, task, this);
  }

  private transition(slot: MigTask, t: Transition): void {
    const id = slot.id;
    if (id === undefined) return;
    if (t.to === 'MigSource' && t.command === 'initialized') {
      this.images.captureEntry(slot, this.node.tick);
      this.modes.taskStarted(id);
    } else if (t.to === 'MigSource' && t.command === 'activate') {
      this.images.forget(id);
      this.modes.taskArrived(id);
    } else if (t.to === 'MigSink') {
      this.images.forget(id);
      this.hm.forget(id);
      this.modes.taskGone(id);
    }
  }

  /** Restarts every running task of a partition; says what was done to each. */
  private restartTasks(partition: string, warm: boolean): string {
    const done: string[] = [];
    for (const slot of this.node.slots) {
      if (slot.partition.name !== partition || slot.state !== 'MigSource' || slot.id === undefined) continue;
      const r = this.images.restart(slot, warm);
      if (r) this.hm.restarted(slot);
      done.push(`${slot.id} ${r ? (r.kind === 'checkpoint' ? `from its checkpoint of tick ${r.tick}` : 'from its entry') : 'not restarted (no restart image: it arrived by migration and took no checkpoint here)'}`);
    }
    this.node.syncQueue(partition);
    return done.join(', ');
  }
}
