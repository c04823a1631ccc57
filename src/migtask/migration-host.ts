/**
 * What the migration protocols need of the node they run on, and nothing more.
 * The node runtime implements it (hypervisor's `Node`); the protocols never see
 * the node itself, so they stay below it in the layers and can be driven by a
 * test host.
 */
import type { Clock, Compression, Endian, WordSize } from '../common/index.ts';
import type { MemoryFault, Partition } from '../partition/index.ts';
import type { MigTask } from './mig-task.ts';
import type { MigTraveler } from './mig-traveler.ts';
import type { MigrationEventExtra } from './migration-status.ts';
import type { MigrationStep } from './vocabulary.ts';


/** Messages queued on one gate, in order (they travel with a task in its container). */
export interface GateMessages {
  readonly gate: string;
  readonly messages: Uint8Array[];
}

/** The CPU facts a migration compares (and writes into containers). */
export interface HostCpu {
  readonly word: WordSize;
  readonly endian: Endian;
  readonly pageSize: number;
}

/** The node, as the migration protocols see it. */
export interface MigrationHost {
  /** The node's name (in events, statistics and refusals). */
  readonly name: string;
  /** The node's current tick. */
  readonly tick: number;
  readonly cpu: HostCpu;
  /** Page compressions this node supports. */
  readonly compression: readonly Compression[];
  /** The clock of protocol timers: staging timeouts, holds, retries and backoff. */
  readonly clock: Clock;
  /** The node's schedule plans by name (a partition may require one; absent: not checked). */
  readonly schedulePlans?: readonly string[];

  /** Publishes a migration event of `task` (`phase`: staged, activated, released, ...; `status` and `pass` for those steps). */
  migrationEvent(task: string, phase: MigrationStep, detail: string, extra?: MigrationEventExtra): void;

  /** The task with this id (NotFoundError naming where it went, if it left). */
  task(id: string): MigTask;
  /** The task with this id, if it is here. */
  findTask(id: string): MigTask | undefined;
  /** The partition of this name, if the node has it. */
  findPartition(name: string): Partition | undefined;
  /** A free MigSink slot of the partition (ResourceExhaustedError when none is). */
  freeSlot(partition: string): MigTask;
  /** The tasks of a partition changed (one arrived, left or resumed): reschedule them. */
  tasksChanged(partition: string): void;
  /** A task left for `to`: later questions about it (and its senders) are told so. */
  recordDeparture(taskId: string, to: string): void;
  /** Faults a traveler (a page it needs is lost): it stops, the health monitor reports it. */
  faultTraveler(task: MigTask, traveler: MigTraveler, fault: MemoryFault): void;

  /** The node's gates, as far as the messages of a moving task are concerned. */
  readonly taskGates: TaskGates;
}

/** How a node's gate messages follow a task that moves (README, "Migration", step 5: redirect). */
export interface TaskGates {
  /** Gates whose messages belong to `task` (they follow it when it moves). */
  receivedBy(task: MigTask): string[];
  /** Takes the queued messages of `gates`. */
  take(gates: readonly string[]): GateMessages[];
  /** A migration did not happen: taken messages go back in front, in order. */
  restore(carried: readonly GateMessages[]): void;
  /** A task arrived: its carried messages go first, and its gates stop being forwarded away. */
  accept(carried: readonly GateMessages[], gates: readonly string[]): void;
  /** A task left: later messages on its gates are forwarded to `address` (node `name`). */
  forward(gates: readonly string[], address: string, name: string): void;
}
