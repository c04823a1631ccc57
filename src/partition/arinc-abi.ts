/**
 * The ARINC 653 side of the system-call ABI (README "System calls"): the return
 * codes of the partition-mode calls, the codes of the operating modes and start
 * conditions, and the code of each health-monitor event (what a propagated
 * event puts in r0). Programs name them in assembly, e.g. `cmpi r0, NO_ACTION`.
 */
import { HM_EVENTS, PARTITION_MODES, START_CONDITIONS, type HmEvent, type PartitionMode, type StartCondition } from '../config/index.ts';

/** ARINC 653 return codes (r0 of partition_set_mode). */
export const ArincResult = {
  NO_ERROR: 0,
  NO_ACTION: 1,
  NOT_AVAILABLE: 2,
  INVALID_PARAM: 3,
  INVALID_CONFIG: 4,
  INVALID_MODE: 5,
  TIMED_OUT: 6,
} as const;
/** An ARINC 653 return code's name. */
export type ArincResultName = keyof typeof ArincResult;

/** The code of an operating mode (ARINC: IDLE 0, COLD_START 1, WARM_START 2, NORMAL 3). */
export function modeCode(mode: PartitionMode): number {
  return PARTITION_MODES.indexOf(mode);
}

/** The operating mode of a code, if it is one. */
export function modeOfCode(code: number): PartitionMode | undefined {
  return Number.isInteger(code) ? PARTITION_MODES[code] : undefined;
}

/** The code of a start condition (ARINC's 0..3, then MIGRATED 4). */
export function conditionCode(c: StartCondition): number {
  return START_CONDITIONS.indexOf(c);
}

/** The code of a health-monitor event (its position in HM_EVENTS, from 1). */
export function hmEventCode(e: HmEvent): number {
  return HM_EVENTS.indexOf(e) + 1;
}

/** Every ARINC constant a program may name in assembly: results, MODE_*, START_*, HM_*. */
export const ARINC_CONSTANTS: ReadonlyMap<string, number> = new Map<string, number>([
  ...Object.entries(ArincResult),
  ...PARTITION_MODES.map((m): [string, number] => [`MODE_${m}`, modeCode(m)]),
  ...START_CONDITIONS.map((c): [string, number] => [`START_${c}`, conditionCode(c)]),
  ...HM_EVENTS.map((e): [string, number] => [`HM_${e.replace(/-/g, '_').toUpperCase()}`, hmEventCode(e)]),
]);
