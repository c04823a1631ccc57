/**
 * The system calls of sampling ports and schedule plans (README, "The MV
 * instruction set", calls 24..26): `port_write` from the port's source,
 * `port_read` by a destination (r0 the length, r1 1 when the message is valid,
 * r2 its age in this node's ticks), and `plan_switch`, which only tasks of a
 * system partition may call; it takes effect at the next major-frame boundary.
 */
import type { MigTask, MigTraveler } from '../migtask/index.ts';
import { SysCallError, SysError, type SampledMessage, type SamplingPort } from '../partition/index.ts';
import { Sys } from '../machine/index.ts';

/** What the node offers these calls. */
export interface PortPlanHost {
  /** The node's sampling port of that name, if any. */
  samplingPort(name: string): SamplingPort | undefined;
  /** The port's source wrote a message (stored here, pushed to its destinations' nodes). */
  writePort(name: string, message: Uint8Array): void;
  /** The port's latest message at the node's tick. */
  readPort(name: string): SampledMessage | undefined;
  /** Asks for a plan switch; returns the tick it takes effect at (undefined: no such plan). */
  switchPlan(plan: string): number | undefined;
}

/** The system call numbers handled here. */
export const PORT_PLAN_CALLS: ReadonlySet<number> = new Set([Sys.port_write, Sys.port_read, Sys.plan_switch]);

const utf8 = new TextDecoder();

function arg(t: MigTraveler, i: number): number {
  return Number(t.reg(i));
}

function readName(task: MigTask, addr: number, len: number): string {
  if (len < 0 || len > 4096) throw new SysCallError(SysError.E_INVAL, `string length ${len} out of range`);
  return utf8.decode(task.space.readBytes(addr, len));
}

function portFor(task: MigTask, host: PortPlanHost, name: string, right: 'source' | 'destination'): SamplingPort {
  const rights = task.partition.ports.get(name);
  const port = host.samplingPort(name);
  if (rights === undefined || port === undefined) throw new SysCallError(SysError.E_NOENT, `no sampling port ${name} in partition ${task.partition.name}`);
  if (!rights[right]) {
    throw new SysCallError(SysError.E_PERM, `partition ${task.partition.name} may not ${right === 'source' ? 'write' : 'read'} sampling port ${name}`);
  }
  return port;
}

/**
 * Executes call `num` (one of {@link PORT_PLAN_CALLS}) for traveler `t`; a
 * SysCallError becomes `-errno` in the caller. Memory faults propagate.
 */
export function portPlanCall(num: number, t: MigTraveler, task: MigTask, host: PortPlanHost): 'continue' {
  switch (num) {
    case Sys.port_write: {
      const port = portFor(task, host, readName(task, arg(t, 0), arg(t, 1)), 'source');
      const len = arg(t, 3);
      port.checkLength(len);
      host.writePort(port.name, task.space.readBytes(arg(t, 2), len));
      t.setReg(0, 0);
      return 'continue';
    }
    case Sys.port_read: {
      const port = portFor(task, host, readName(task, arg(t, 0), arg(t, 1)), 'destination');
      const buf = arg(t, 2);
      const max = arg(t, 3);
      const m = host.readPort(port.name);
      if (!m) throw new SysCallError(SysError.E_EMPTY, `sampling port ${port.name} has no message yet`);
      if (m.message.length > max) throw new SysCallError(SysError.E_TOOBIG, `message of ${m.message.length} bytes does not fit the ${max}-byte buffer`);
      task.space.writeBytes(buf, m.message);
      t.setReg(0, m.message.length);
      t.setReg(1, m.valid ? 1 : 0);
      t.setReg(2, m.age);
      return 'continue';
    }
    case Sys.plan_switch: {
      const plan = readName(task, arg(t, 0), arg(t, 1));
      if (task.partition.def.system !== true) {
        throw new SysCallError(SysError.E_PERM, `partition ${task.partition.name} is not a system partition and may not switch the schedule plan`);
      }
      const at = host.switchPlan(plan);
      if (at === undefined) throw new SysCallError(SysError.E_NOENT, `no schedule plan ${plan}`);
      t.setReg(0, 0);
      return 'continue';
    }
    default:
      throw new SysCallError(SysError.E_INVAL, `system call ${num} is not a port or plan call`);
  }
}
