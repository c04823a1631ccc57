/**
 * Process management over gRPC: ps, task start, pause, resume, kill, copy, info,
 * gate send and watch. What only one command needs (the machine's object file
 * format, the hypervisor's event formatter) is imported by that command when it
 * runs, so that `ps` loads little more than the gRPC client.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMPRESSION_WIRE, endianFromWire, EVENT_KIND_WIRE, fileProblem, InvalidArgumentError, serverStream, unary } from '../../common/index.ts';
import { commandName, psTable, stateName, words } from '../format.ts';
import { printMessage, printMessageLine } from '../print.ts';
import type { NodeFlags } from '../remote-options.ts';
import { withRemote } from '../remote.ts';
import type { GateSendFlags, InfoFlags, PsFlags, TaskStartFlags, TaskVerb, WatchFlags } from './tasks.ts';

/** `ps`: the task slots of a node, as a table. */
export function ps(flags: PsFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.node(flags.node);
    const reply = await unary(c.Ps, c, { hashes: flags.hashes ?? false }, `ps on ${flags.node}`);
    if (flags.json) printMessage('PsResponse', reply);
    else process.stdout.write(`${reply.node} at tick ${reply.tick}\n${psTable(reply.tasks)}\n`);
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
    const { decodeObject, isObjectFile } = await import('../../machine/index.ts');
    // A damaged object file is refused here, as an invalid input file (exit 2), before it travels.
    if (isObjectFile(bytes)) decodeObject(bytes, flags.program);
    const c = await r.migTask(flags.node);
    const reply = await unary(
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
    if (flags.json) printMessage('InitializeResponse', reply);
    else process.stdout.write(`${reply.task?.taskId ?? ''}\n`);
  });
}

const METHODS = { pause: 'Pause', resume: 'Resume', kill: 'Kill', copy: 'Copy' } as const satisfies Record<TaskVerb, string>;
const DONE = { pause: 'paused', resume: 'resumed', kill: 'killed', copy: 'copied' } as const satisfies Record<TaskVerb, string>;

/** `pause`, `resume`, `kill` or `copy` of task `id` (copy prints the new task id). */
export function taskCommand(verb: TaskVerb, id: string, flags: NodeFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.node(flags.node);
    const reply = await unary(c[METHODS[verb]], c, { taskId: id }, `${verb} ${id} on ${flags.node}`);
    const t = reply.task;
    if (flags.json) printMessage(`${METHODS[verb]}Response`, reply);
    else if (verb === 'copy') process.stdout.write(`${t?.taskId ?? ''}\n`);
    // KillResponse is the slot as it was just before the kill; the kill left it empty.
    else if (verb === 'kill') process.stdout.write(`killed ${id} on ${t?.node} (${t?.slot}: MigSink, empty)\n`);
    else process.stdout.write(`${DONE[verb]} ${id} on ${t?.node} (${t?.slot}: ${stateName(t?.state)}, ${words(t?.run, 'RUN_STATE_')})\n`);
  });
}

/** `info`: the node's CPU, and a task's state (or where it went). */
export function info(flags: InfoFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.migTask(flags.node);
    const request = flags.task ? (/^[^/]+\/\d+$/.test(flags.task) ? { slot: flags.task } : { taskId: flags.task }) : flags.partition ? { partition: flags.partition } : {};
    const info = await unary(c.Info, c, request, `info on ${flags.node}`);
    if (flags.json) return printMessage('InfoResponse', info);
    const compression = info.compression.map((x) => COMPRESSION_WIRE.fromWire(x) ?? x).join(', ');
    const lines = [
      `node ${info.node}: ${info.wordSize}-bit ${endianFromWire(info.endian)}-endian, page ${info.pageSize} bytes, tick ${info.tick} (${info.tickUs} µs each), compression ${compression}`,
    ];
    if (info.schedulePlans.length > 1) lines.push(`schedule plans: ${info.schedulePlans.map((p) => (p === info.currentPlan ? `${p} (current)` : p)).join(', ')}`);
    for (const p of info.samplingPorts) {
      const latest = p.written ? `latest ${p.age} tick(s) old, ${p.valid ? 'valid' : 'invalid'}` : 'no message yet';
      lines.push(`sampling port ${p.name}: ${p.messageSize}-byte messages valid ${p.refresh} ticks; ${latest} (${p.writes} written)`);
    }
    for (const f of info.gateForwards) lines.push(`gate forwarding: ${f.gate} -> ${f.node}`);
    if (info.departed) lines.push(`task ${info.departed.taskId}: left this node for ${info.departed.toNode} at tick ${info.departed.tick}`);
    const s = info.slot;
    if (s) {
      const accepts = s.acceptedCommands.map(commandName).join(', ');
      lines.push(`slot ${s.slot}: ${stateName(s.state)}${s.taskId ? ` (task ${s.taskId})` : ''}, accepts ${accepts}`);
      if (s.migration) lines.push(`migration ${s.migration.migrationId} with ${s.migration.peer}: ${words(s.migration.status, 'MIGRATION_STATUS_')}`);
      lines.push(`partition ${s.partition}: ${s.migratable ? 'migratable' : 'fixed'}, fingerprint ${s.fingerprint.slice(0, 16)}, ${s.freeSlots} free slot(s), ${s.slotBytes ?? 'any number of'} bytes per task`);
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
    if (flags.json) printMessage('GateSendResponse', reply);
    else process.stdout.write(`queued on ${reply.deliveredTo} (${reply.queued} waiting)\n`);
  });
}

/** `watch`: streams a node's events until --count of them came, or SIGINT. */
export function watch(flags: WatchFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const { formatEvent, fromWireEvent } = await import('../../hypervisor/index.ts');
    const c = await r.node(flags.node);
    const limit = flags.count ?? Infinity;
    let n = 0;
    const call = c.Watch({
      kinds: (flags.kind ?? []).map((k) => EVENT_KIND_WIRE.toWire(k)),
      taskId: flags.task ?? '',
      ...(flags.afterSeq !== undefined ? { afterSeq: flags.afterSeq } : {}),
    });
    const stop = (): void => call.cancel();
    process.once('SIGINT', stop);
    // A task the node does not hold now may still arrive (a migration, a restore): say so, then wait for it.
    if (flags.task) {
      const held = await unary(c.Ps, c, { hashes: false }, `ps on ${flags.node}`).catch(() => undefined);
      if (held && !held.tasks.some((t) => t.taskId === flags.task)) process.stderr.write(`migvisor: task ${flags.task} is not on ${flags.node} now; waiting for its events (Ctrl-C ends the watch)\n`);
    }
    try {
      for await (const m of serverStream(call, `watch ${flags.node}`, c)) {
        const e = m.event;
        if (!e) continue;
        if (flags.json) printMessageLine('WatchResponse', m);
        else {
          const ne = fromWireEvent(e);
          process.stdout.write(ne ? `${formatEvent(ne)}\n` : `[${e.node} tick ${e.tick}] GAP: events ${e.gap?.firstSeq}..${e.gap?.lastSeq} are no longer held\n`);
        }
        if (++n >= limit) break;
      }
    } catch (e: unknown) {
      if (!(e instanceof Error && /cancel/i.test(e.message))) throw e;
    } finally {
      process.off('SIGINT', stop);
    }
  });
}
