/**
 * System calls of travelers (`sys N`, arguments in r0..r3, result in r0). A call
 * either completes at once, fails with `-errno` in r0 (the program handles it),
 * or leaves the traveler waiting (sleep, a blocking gate operation); waits are
 * completed later by {@link pollWait}. A bad pointer argument faults the traveler
 * exactly like a bad load or store would.
 */
import type { MigTask, MigTraveler, Wait } from '../migtask/index.ts';
import { SysCallError, type GateQueue, OpenFlag, SysError } from '../partition/index.ts';
import { Sys } from '../machine/index.ts';
import { PORT_PLAN_CALLS, portPlanCall, type PortPlanHost } from './syscalls-ports.ts';

/** What the node offers system calls. */
export interface SysHost extends PortPlanHost {
  readonly tick: number;
  /** The node's gate of that name, if any. */
  gate(name: string): GateQueue | undefined;
  /** Called when a traveler completes a console line. */
  console(task: MigTask, traveler: MigTraveler, text: string): void;
  /** System calls beyond 0..15 (the health monitor's, hm-syscalls.ts); undefined: unknown. */
  extendedCall?(num: number, traveler: MigTraveler, task: MigTask): SysOutcome | undefined;
}

/** How the traveler goes on after a system call. */
export type SysOutcome = 'continue' | 'wait' | 'yield' | 'exit' | 'fault';

/** Longest buffer one call may pass (console, gates, files). */
export const MAX_IO = 65536;

/** An unknown system call number: a program error, reported as a fault. */
export class BadSystemCall {
  constructor(readonly num: number) {}
  get message(): string {
    return `unknown system call ${this.num}`;
  }
}

const utf8 = new TextDecoder();

function arg(t: MigTraveler, i: number): number {
  return Number(t.reg(i));
}

function readString(task: MigTask, addr: number, len: number): string {
  if (len < 0 || len > 4096) throw new SysCallError(SysError.E_INVAL, `string length ${len} out of range`);
  return utf8.decode(task.space.readBytes(addr, len));
}

function checkLength(len: number): void {
  if (len < 0 || len > MAX_IO) throw new SysCallError(SysError.E_INVAL, `length ${len} out of range 0..${MAX_IO}`);
}

function gateFor(task: MigTask, host: SysHost, name: string, right: 'send' | 'receive'): GateQueue {
  const rights = task.partition.gates.get(name);
  const gate = host.gate(name);
  if (rights === undefined || gate === undefined) throw new SysCallError(SysError.E_NOENT, `no gate ${name} in partition ${task.partition.name}`);
  if (!rights[right]) throw new SysCallError(SysError.E_PERM, `partition ${task.partition.name} may not ${right} on gate ${name}`);
  return gate;
}

function emitConsole(task: MigTask, t: MigTraveler, host: SysHost, bytes: Iterable<number>): void {
  for (const line of t.writeConsole(bytes)) host.console(task, t, line);
}

/** Executes system call `num` for traveler `t`. Memory faults propagate to the caller. */
export function systemCall(num: number, t: MigTraveler, task: MigTask, host: SysHost): SysOutcome {
  try {
    return dispatch(num, t, task, host);
  } catch (e: unknown) {
    if (e instanceof SysCallError) {
      t.setReg(0, -e.errno);
      return 'continue';
    }
    throw e;
  }
}

function dispatch(num: number, t: MigTraveler, task: MigTask, host: SysHost): SysOutcome {
  switch (num) {
    case Sys.exit:
      if (t.pendingConsole !== '') emitConsole(task, t, host, [10]);
      t.status = 'exited';
      t.exitCode = arg(t, 0);
      return 'exit';
    case Sys.puts: {
      const len = arg(t, 1);
      checkLength(len);
      emitConsole(task, t, host, task.space.readBytes(arg(t, 0), len));
      t.setReg(0, len);
      return 'continue';
    }
    case Sys.putn:
      emitConsole(task, t, host, Buffer.from(t.reg(0).toString(), 'ascii'));
      return 'continue';
    case Sys.putc:
      emitConsole(task, t, host, [arg(t, 0) & 0xff]);
      return 'continue';
    case Sys.yield:
      t.yieldedAt = host.tick;
      return 'yield';
    case Sys.sleep: {
      const n = arg(t, 0);
      if (n <= 0) {
        t.yieldedAt = host.tick;
        return 'yield';
      }
      return wait(t, { kind: 'sleep', until: host.tick + n });
    }
    case Sys.tick:
      t.setReg(0, host.tick);
      return 'continue';
    case Sys.self:
      t.setReg(0, t.id);
      t.setReg(1, task.travelers.length);
      return 'continue';
    case Sys.gate_send:
    case Sys.gate_sendw: {
      const gate = gateFor(task, host, readString(task, arg(t, 0), arg(t, 1)), 'send');
      const len = arg(t, 3);
      checkLength(len);
      const data = task.space.readBytes(arg(t, 2), len);
      if (num === Sys.gate_sendw && gate.full && data.length <= gate.messageSize) {
        return wait(t, { kind: 'gate_send', gate: gate.name, data });
      }
      gate.send(data);
      t.setReg(0, 0);
      return 'continue';
    }
    case Sys.gate_recv:
    case Sys.gate_tryrecv: {
      const gate = gateFor(task, host, readString(task, arg(t, 0), arg(t, 1)), 'receive');
      const buf = arg(t, 2);
      const max = arg(t, 3);
      checkLength(max);
      if (!gate.deliverable) {
        if (num === Sys.gate_tryrecv) throw new SysCallError(SysError.E_EMPTY, `gate ${gate.name} is empty`);
        return wait(t, { kind: 'gate_recv', gate: gate.name, buf, max });
      }
      deliver(t, task, gate, buf, max);
      return 'continue';
    }
    case Sys.open: {
      const spec = readString(task, arg(t, 0), arg(t, 1));
      const slash = spec.indexOf('/');
      const providerName = slash < 0 ? spec : spec.slice(0, slash);
      const provider = task.partition.files.get(providerName);
      if (!provider) throw new SysCallError(SysError.E_NOENT, `no file provider ${providerName} in partition ${task.partition.name}`);
      t.setReg(0, t.handles.add(provider.open(slash < 0 ? '' : spec.slice(slash + 1), arg(t, 2))));
      return 'continue';
    }
    case Sys.read: {
      const file = t.handles.get(arg(t, 0));
      const len = arg(t, 2);
      checkLength(len);
      // Fault (or wait for a post-copy page) before the file position moves.
      task.space.probe(arg(t, 1), len, true);
      const data = file.read(len);
      task.space.writeBytes(arg(t, 1), data);
      t.setReg(0, data.length);
      return 'continue';
    }
    case Sys.write: {
      const file = t.handles.get(arg(t, 0));
      const len = arg(t, 2);
      checkLength(len);
      t.setReg(0, file.write(task.space.readBytes(arg(t, 1), len)));
      return 'continue';
    }
    case Sys.close:
      t.handles.close(arg(t, 0));
      t.setReg(0, 0);
      return 'continue';
    default: {
      if (PORT_PLAN_CALLS.has(num)) return portPlanCall(num, t, task, host);
      const outcome = host.extendedCall?.(num, t, task);
      if (outcome === undefined) throw new BadSystemCall(num);
      return outcome;
    }
  }
}

function wait(t: MigTraveler, w: Wait): SysOutcome {
  t.status = 'waiting';
  t.wait = w;
  return 'wait';
}

/**
 * Copies the oldest message of `gate` into the traveler's buffer; r0 = its length.
 * A message larger than the buffer stays queued and the call fails with E_TOOBIG
 * (as POSIX mq_receive does), so nothing is cut off silently.
 */
function deliver(t: MigTraveler, task: MigTask, gate: GateQueue, buf: number, max: number): void {
  const next = gate.peekFirst()!;
  if (next.length > max) throw new SysCallError(SysError.E_TOOBIG, `message of ${next.length} bytes does not fit the ${max}-byte buffer`);
  task.space.writeBytes(buf, next);
  gate.receive();
  t.setReg(0, next.length);
}

/**
 * Tries to complete a waiting traveler's system call. Returns true when it is
 * ready to run again. Page waits are completed by the migration layer.
 */
export function pollWait(t: MigTraveler, task: MigTask, host: SysHost): boolean {
  const w = t.wait;
  if (t.status !== 'waiting' || w === undefined) return t.status === 'ready';
  switch (w.kind) {
    case 'sleep':
      if (host.tick < w.until) return false;
      break;
    case 'gate_recv': {
      const gate = host.gate(w.gate);
      if (!gate || !gate.deliverable) return false;
      try {
        deliver(t, task, gate, w.buf, w.max);
      } catch (e: unknown) {
        if (!(e instanceof SysCallError)) throw e;
        t.setReg(0, -e.errno);
      }
      break;
    }
    case 'gate_send': {
      const gate = host.gate(w.gate);
      if (!gate || gate.full) return false;
      gate.send(w.data);
      t.setReg(0, 0);
      break;
    }
    case 'page':
      if (!task.space.pageTable.isPresent(w.page)) return false;
      break;
  }
  t.status = 'ready';
  t.wait = undefined;
  return true;
}

export { OpenFlag };
