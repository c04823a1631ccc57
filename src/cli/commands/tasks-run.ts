/**
 * Process management over gRPC: ps, task start, pause, resume, kill, copy, info,
 * gate send and watch. What only one command needs (the machine's object file
 * format, the hypervisor's event formatter) is imported by that command when it
 * runs, so that `ps` loads little more than the gRPC client.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serverStream, unary, fileProblem, InvalidArgumentError } from '../../common/index.ts';
import { psTable } from '../format.ts';
import { fromSummary, fromWireEvent } from '../from-wire.ts';
import type { NodeFlags } from '../remote-options.ts';
import { withRemote } from '../remote.ts';
import { printJson } from '../run-command.ts';
import type { GateSendFlags, InfoFlags, PsFlags, TaskStartFlags, TaskVerb, WatchFlags } from './tasks.ts';

/** `ps`: the task slots of a node, as a table. */
export function ps(flags: PsFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.node(flags.node);
    const reply = await unary(c.Ps, c, { hashes: flags.hashes ?? false }, `ps on ${flags.node}`);
    if (flags.json) printJson(reply);
    else process.stdout.write(`${reply.node} at tick ${reply.tick}\n${psTable(reply.tasks.map(fromSummary))}\n`);
  });
}

/** `task start`: boots --program into a free MigSink slot of --partition; prints the task id. */
export function startTask(flags: TaskStartFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(flags.program);
    } catch (e: unknown) {
      throw new InvalidArgumentError(`cannot read ${flags.program}: ${fileProblem(e)}`);
    }
    const { isObjectFile } = await import('../../machine/index.ts');
    const c = await r.migTask(flags.node);
    const summary = await unary(
      c.Initialize,
      c,
      {
        partition: flags.partition,
        programName: path.basename(flags.program),
        ...(isObjectFile(bytes) ? { programObject: bytes } : { programSource: bytes.toString('utf8') }),
        travelers: flags.travelers,
        priority: flags.priority,
      },
      `task start on ${flags.node}`,
    );
    if (flags.json) printJson(summary);
    else process.stdout.write(`${summary.taskId}\n`);
  });
}

const METHODS = { pause: 'Pause', resume: 'Resume', kill: 'Kill', copy: 'Copy' } as const satisfies Record<TaskVerb, string>;
const DONE = { pause: 'paused', resume: 'resumed', kill: 'killed', copy: 'copied' } as const satisfies Record<TaskVerb, string>;

/** `pause`, `resume`, `kill` or `copy` of task `id` (copy prints the new task id). */
export function taskCommand(verb: TaskVerb, id: string, flags: NodeFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.node(flags.node);
    const summary = await unary(c[METHODS[verb]], c, { task: id }, `${verb} ${id} on ${flags.node}`);
    if (flags.json) printJson(summary);
    else if (verb === 'copy') process.stdout.write(`${summary.taskId}\n`);
    else process.stdout.write(`${DONE[verb]} ${id} on ${summary.node} (${summary.slot}: ${summary.state}, ${summary.run})\n`);
  });
}

/** `info`: the node's CPU, and a task's state (or where it went). */
export function info(flags: InfoFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.migTask(flags.node);
    const info = await unary(c.Info, c, { task: flags.task ?? '', partition: flags.partition ?? '' }, `info on ${flags.node}`);
    if (flags.json) return printJson(info);
    const lines = [
      `node ${info.node}: ${info.wordSize}-bit ${info.endian === 'ENDIAN_BIG' ? 'big' : 'little'}-endian, page ${info.pageSize} bytes, tick ${info.tick}, compression ${info.compression.map((x) => x.replace('ENCODING_', '').toLowerCase()).join(', ')}`,
    ];
    for (const f of info.gateForwards) lines.push(`gate forwarding: ${f}`);
    if (info.forwardedTo) lines.push(`task ${info.taskId}: left this node for ${info.forwardedTo}`);
    else if (info.slot) {
      lines.push(`slot ${info.slot}: ${info.state}${info.taskId ? ` (task ${info.taskId})` : ''}, accepts ${info.acceptedCommands.join(', ')}`);
      lines.push(`partition ${info.partition}: ${info.migratable ? 'migratable' : 'fixed'}, fingerprint ${info.fingerprint.slice(0, 16)}, ${info.freeSlots} free slot(s), ${info.slotBytes} bytes per task`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

/** `gate send`: puts `message` on gate `name` of a node. */
export function gateSend(name: string, message: string, flags: GateSendFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    if (flags.hex && !/^([0-9a-fA-F]{2})*$/.test(message)) throw new InvalidArgumentError(`--hex message must be pairs of hex digits, got ${message}`);
    const c = await r.node(flags.node);
    const reply = await unary(c.GateSend, c, { gate: name, message: flags.hex ? Buffer.from(message, 'hex') : Buffer.from(message, 'utf8') }, `gate send ${name} on ${flags.node}`);
    if (flags.json) printJson(reply);
    else process.stdout.write(`queued on ${reply.deliveredTo} (${reply.queued} waiting)\n`);
  });
}

/** `watch`: streams a node's events until --count of them came, or SIGINT. */
export function watch(flags: WatchFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const { formatEvent } = await import('../../hypervisor/index.ts');
    const c = await r.node(flags.node);
    const limit = flags.count ?? Infinity;
    let n = 0;
    const call = c.Watch({ kinds: flags.kind ?? [], task: flags.task ?? '' });
    const stop = (): void => call.cancel();
    process.once('SIGINT', stop);
    try {
      for await (const e of serverStream(call, `watch ${flags.node}`)) {
        process.stdout.write(flags.json ? `${JSON.stringify(e)}\n` : `${formatEvent(fromWireEvent(e))}\n`);
        if (++n >= limit) break;
      }
    } catch (e: unknown) {
      if (!(e instanceof Error && /cancel/i.test(e.message))) throw e;
    } finally {
      process.off('SIGINT', stop);
    }
  });
}
