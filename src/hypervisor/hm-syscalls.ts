/**
 * The system calls of the health monitor and the partition modes (README
 * "System calls", numbers 16..21): hm_raise, hm_handler, hm_checkpoint,
 * deadline, partition_status and partition_set_mode. The mode calls answer with
 * ARINC 653 return codes in r0 (NO_ERROR, NO_ACTION, INVALID_PARAM,
 * INVALID_MODE), not with -errno.
 */
import { Sys } from '../machine/index.ts';
import type { MigTask, MigTraveler } from '../migtask/index.ts';
import { ArincResult, conditionCode, modeCode, modeOfCode, SysCallError, SysError } from '../partition/index.ts';
import type { HealthMonitor } from './health-monitor.ts';
import type { PartitionModes } from './partition-modes.ts';
import type { SysOutcome } from './syscalls.ts';
import type { TaskImages } from './task-images.ts';

/** What these calls need of the node. */
export interface HmSysHost {
  readonly tick: number;
  readonly hm: HealthMonitor;
  readonly modes: PartitionModes;
  readonly images: TaskImages;
}

const utf8 = new TextDecoder();

/** Longest message of hm_raise. */
const MAX_MESSAGE = 256;

function arg(t: MigTraveler, i: number): number {
  return Number(t.reg(i));
}

/** After an HM action the traveler may have been stopped, restarted or sent to its handler. */
function outcomeOf(t: MigTraveler): SysOutcome {
  return t.status === 'faulted' ? 'fault' : 'continue';
}

/**
 * Executes one of the calls 16..21; undefined for any other number. Memory
 * faults (a bad message pointer) propagate like any system call's.
 */
export function hmSystemCall(num: number, t: MigTraveler, task: MigTask, host: HmSysHost): SysOutcome | undefined {
  switch (num) {
    case Sys.hm_raise: {
      // r0 = application error code, r1/r2 = message (r2 = 0: none).
      const code = arg(t, 0);
      const len = arg(t, 2);
      if (len < 0 || len > MAX_MESSAGE) throw new SysCallError(SysError.E_INVAL, `message length ${len} out of range 0..${MAX_MESSAGE}`);
      const text = len > 0 ? utf8.decode(task.space.readBytes(arg(t, 1), len)) : '';
      t.setReg(0, 0);
      host.hm.raise(task, t, 'application-error', `application error ${code}${text ? `: ${text}` : ''}`);
      return outcomeOf(t);
    }
    case Sys.hm_handler:
      // r0 = handler address (0: remove) -> r0 = the previous one.
      t.setReg(0, host.hm.setHandler(task, arg(t, 0) >>> 0));
      return 'continue';
    case Sys.hm_checkpoint:
      // -> r0 = 0 now, 1 when the task is restarted from this checkpoint.
      if (task.postcopy) throw new SysCallError(SysError.E_INVAL, `${task.postcopy.missing} page(s) are still arriving (post-copy)`);
      t.setReg(0, 0);
      host.images.checkpoint(task, t, host.tick);
      return 'continue';
    case Sys.deadline:
      // r0 = ticks from now (0: none).
      host.hm.setDeadline(task, t, arg(t, 0));
      t.setReg(0, 0);
      return 'continue';
    case Sys.partition_status: {
      // -> r0 = mode, r1 = this task's start condition, r2 = tick of the last mode change, r3 = mode changes.
      const s = host.modes.status(task.partition.name)!;
      t.setReg(0, modeCode(s.mode));
      t.setReg(1, conditionCode(host.modes.conditionOf(task)));
      t.setReg(2, s.lastChangeTick);
      t.setReg(3, s.modeChanges);
      return 'continue';
    }
    case Sys.partition_set_mode: {
      // r0 = mode -> r0 = NO_ERROR, NO_ACTION, INVALID_MODE or INVALID_PARAM.
      const mode = modeOfCode(arg(t, 0));
      if (mode === undefined) {
        t.setReg(0, ArincResult.INVALID_PARAM);
        return 'continue';
      }
      // A restart resets this traveler too: its r0 then comes from the restart image.
      t.setReg(0, ArincResult.NO_ERROR);
      const result = host.modes.setMode(task.partition.name, mode, 'partition', `set by ${task.id ?? task.slotName}/${t.id}`);
      if (result !== 'NO_ERROR') t.setReg(0, ArincResult[result]);
      return 'continue';
    }
    default:
      return undefined;
  }
}
