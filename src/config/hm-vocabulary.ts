/**
 * The health monitor's vocabulary (README "Health monitor"): the events it
 * handles, the levels an event is handled at, the actions, which action is
 * legal at which level, and the partition modes and start conditions of
 * ARINC 653. A leaf module: the config checks and the node's health monitor
 * both read these tables, so they can never disagree.
 */

/** What the health monitor hears of. */
export const HM_EVENTS = [
  'bad-opcode',
  'bad-syscall',
  'memory-violation',
  'write-read-only',
  'divide-by-zero',
  'stack-overflow',
  'deadline-overrun',
  'lost-page',
  'gate-overflow',
  'application-error',
  'internal',
] as const;
/** A health-monitor event. */
export type HmEvent = (typeof HM_EVENTS)[number];

/** Who handles an event: the task itself, its partition, or the node (the hypervisor). */
export const HM_LEVELS = ['task', 'partition', 'node'] as const;
/** A health-monitor level. */
export type HmLevel = (typeof HM_LEVELS)[number];

/** What the health monitor can do about an event. */
export const HM_ACTIONS = [
  'ignore',
  'stop-traveler',
  'restart-task',
  'propagate',
  'stop-partition',
  'warm-restart-partition',
  'cold-restart-partition',
] as const;
/** A health-monitor action. */
export type HmAction = (typeof HM_ACTIONS)[number];

/**
 * The actions each level may take (as XtratuM keeps separate tables for what a
 * partition and what the hypervisor may do): only the task itself has a handler
 * to propagate to; only the task and its partition may restart a single task;
 * the node acts on whole partitions.
 */
export const HM_LEGAL: Readonly<Record<HmLevel, readonly HmAction[]>> = {
  task: ['ignore', 'stop-traveler', 'restart-task', 'propagate'],
  partition: ['ignore', 'stop-traveler', 'restart-task', 'stop-partition', 'warm-restart-partition', 'cold-restart-partition'],
  node: ['ignore', 'stop-traveler', 'stop-partition', 'warm-restart-partition', 'cold-restart-partition'],
};

/** Events after which the traveler cannot go on, so `ignore` is not an action for them. */
export const HM_NOT_IGNORABLE: readonly HmEvent[] = ['lost-page', 'internal'];

/** The levels a partition's own table may name (the node's table may name any). */
export const PARTITION_TABLE_LEVELS: readonly HmLevel[] = ['task', 'partition'];

/** One entry of a health-monitor table: an event, the level that handles it, the action, whether it is logged. */
export interface HmRule {
  readonly event: HmEvent;
  readonly level: HmLevel;
  readonly action: HmAction;
  /** Whether the event goes into the HM log (and on `watch`). */
  readonly log: boolean;
  readonly line: number;
}

/** ARINC 653 operating modes of a partition, with their ARINC codes. */
export const PARTITION_MODES = ['IDLE', 'COLD_START', 'WARM_START', 'NORMAL'] as const;
/** A partition's operating mode. */
export type PartitionMode = (typeof PARTITION_MODES)[number];

/** Why a partition (or a task) last started; `MIGRATED` (migvisor's): the task arrived by migration. */
export const START_CONDITIONS = ['NORMAL_START', 'PARTITION_RESTART', 'HM_MODULE_RESTART', 'HM_PARTITION_RESTART', 'MIGRATED'] as const;
/** A start condition. */
export type StartCondition = (typeof START_CONDITIONS)[number];

/** How a partition leaves its start mode: at once (`auto`), or when told to enter NORMAL (`manual`). */
export type StartPolicy = 'auto' | 'manual';
