/**
 * Process management over gRPC: ps, task start, pause, resume, kill, copy, info
 * and watch. Each takes `--node NAME|HOST:PORT` and `--json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { serverStream, unary, fileProblem, InvalidArgumentError } from '../../common/index.ts';
import type { Event__Output } from '../../generated/migvisor/v1/Event.ts';
import type { TaskSummary__Output } from '../../generated/migvisor/v1/TaskSummary.ts';
import { isObjectFile } from '../../machine/index.ts';
import { type NodeEvent, formatEvent, type TaskInfo } from '../../hypervisor/index.ts';
import { psTable } from '../format.ts';
import { action, printJson } from '../run-command.ts';
import { withClusterOption, withRemote, type ClusterFlags } from '../remote.ts';

interface NodeFlags extends ClusterFlags {
  readonly node: string;
}

/** A wire TaskSummary as the ps table wants it. */
export function fromSummary(t: TaskSummary__Output): TaskInfo {
  return {
    slot: t.slot,
    partition: t.partition,
    task: t.taskId || undefined,
    program: t.program || undefined,
    state: t.state,
    run: t.run,
    instructions: t.instructions,
    pages: t.pages,
    pagesPresent: t.pagesPresent,
    pagesDirty: t.pagesDirty,
    ...(t.memoryHash ? { memoryHash: t.memoryHash } : {}),
    travelers: t.travelers.map((x) => ({
      id: x.id,
      status: x.status,
      priority: x.priority,
      pc: x.pc,
      sp: x.sp,
      flags: x.flags,
      registers: x.registers,
      instructions: x.instructions,
      ...(x.wait ? { wait: x.wait } : {}),
      ...(x.hasExitCode ? { exitCode: x.exitCode } : {}),
      ...(x.fault ? { fault: x.fault } : {}),
      handles: x.handles,
    })),
  };
}

/** A wire event as the terminal formatter wants it. */
export function fromWireEvent(e: Event__Output): NodeEvent {
  const base = { node: e.node, tick: e.tick };
  switch (e.kind) {
    case 'console':
      return { ...base, kind: 'console', task: e.task, traveler: e.traveler, text: e.text };
    case 'transition':
      return { ...base, kind: 'transition', task: e.task || undefined, slot: e.slot, from: e.from, to: e.to, command: e.command };
    case 'fault':
      return { ...base, kind: 'fault', task: e.task, traveler: e.traveler, fault: e.fault, message: e.message, pc: e.pc };
    case 'exit':
      return { ...base, kind: 'exit', task: e.task, traveler: e.traveler, code: e.code };
    default:
      return { ...base, kind: 'migration', task: e.task, phase: e.phase, detail: e.detail };
  }
}

function positive(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer, got ${text}`);
  return n;
}

function nodeOption(cmd: Command): Command {
  return withClusterOption(cmd.requiredOption('--node <node>', 'node name (from the cluster file) or host:port'));
}

export function registerTaskCommands(program: Command): void {
  nodeOption(program.command('ps').description('list the task slots of a node').option('--hashes', 'include memory hashes')).action(
    action((flags: NodeFlags & { hashes?: boolean }) =>
      withRemote(flags, async (r) => {
        const c = r.node(flags.node);
        const reply = await unary(c.Ps, c, { hashes: flags.hashes ?? false }, `ps on ${flags.node}`);
        if (flags.json) printJson(reply);
        else process.stdout.write(`${reply.node} at tick ${reply.tick}\n${psTable(reply.tasks.map(fromSummary))}\n`);
      }),
    ),
  );

  const task = program.command('task').description('start tasks');
  nodeOption(
    task
      .command('start')
      .description('Initialize: boot a program into a free MigSink slot of a partition; prints the task id')
      .requiredOption('--partition <name>', 'partition to start it in')
      .requiredOption('--program <file>', 'assembly source (.s) or object file from `migvisor asm -o`')
      .option('--travelers <k>', 'number of travelers', '1')
      .option('--priority <p>', 'traveler priority (higher runs first)', '10'),
  ).action(
    action((flags: NodeFlags & { partition: string; program: string; travelers: string; priority: string }) =>
      withRemote(flags, async (r) => {
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(flags.program);
        } catch (e: unknown) {
          throw new InvalidArgumentError(`cannot read ${flags.program}: ${fileProblem(e)}`);
        }
        const c = r.migTask(flags.node);
        const summary = await unary(
          c.Initialize,
          c,
          {
            partition: flags.partition,
            programName: path.basename(flags.program),
            ...(isObjectFile(bytes) ? { programObject: bytes } : { programSource: bytes.toString('utf8') }),
            travelers: positive(flags.travelers, '--travelers', 1),
            priority: Number(flags.priority),
          },
          `task start on ${flags.node}`,
        );
        if (flags.json) printJson(summary);
        else process.stdout.write(`${summary.taskId}\n`);
      }),
    ),
  );

  for (const [verb, method, done] of [
    ['pause', 'Pause', 'paused'],
    ['resume', 'Resume', 'resumed'],
    ['kill', 'Kill', 'killed'],
    ['copy', 'Copy', 'copied'],
  ] as const) {
    nodeOption(program.command(verb).description(`${verb} a task`).argument('<task>', 'task id')).action(
      action((id: string, flags: NodeFlags) =>
        withRemote(flags, async (r) => {
          const c = r.node(flags.node);
          const summary = await unary(c[method], c, { task: id }, `${verb} ${id} on ${flags.node}`);
          if (flags.json) printJson(summary);
          else if (verb === 'copy') process.stdout.write(`${summary.taskId}\n`);
          else process.stdout.write(`${done} ${id} on ${summary.node} (${summary.slot}: ${summary.state}, ${summary.run})\n`);
        }),
      ),
    );
  }

  nodeOption(
    program
      .command('info')
      .description('Info on the command channel: the node\'s CPU, and a task\'s state (or where it went)')
      .option('--task <task>', 'task id or slot (ctrl/1)')
      .option('--partition <name>', 'describe a free slot of this partition'),
  ).action(
    action((flags: NodeFlags & { task?: string; partition?: string }) =>
      withRemote(flags, async (r) => {
        const c = r.migTask(flags.node);
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
      }),
    ),
  );

  const gate = program.command('gate').description('talk to gates');
  nodeOption(
    gate
      .command('send')
      .description('put a message on a gate of a node (forwarded if its receiver moved away)')
      .argument('<gate>', 'gate name')
      .argument('<message>', 'message text (or hex bytes with --hex)')
      .option('--hex', 'the message is hex-encoded bytes'),
  ).action(
    action((name: string, message: string, flags: NodeFlags & { hex?: boolean }) =>
      withRemote(flags, async (r) => {
        if (flags.hex && !/^([0-9a-fA-F]{2})*$/.test(message)) throw new InvalidArgumentError(`--hex message must be pairs of hex digits, got ${message}`);
        const c = r.node(flags.node);
        const reply = await unary(c.GateSend, c, { gate: name, message: flags.hex ? Buffer.from(message, 'hex') : Buffer.from(message, 'utf8') }, `gate send ${name} on ${flags.node}`);
        if (flags.json) printJson(reply);
        else process.stdout.write(`queued on ${reply.deliveredTo} (${reply.queued} waiting)\n`);
      }),
    ),
  );

  nodeOption(
    program
      .command('watch')
      .description('stream a node\'s events: console lines, transitions, migrations, faults')
      .option('--kind <kind...>', 'only these kinds (console, transition, fault, exit, migration)')
      .option('--task <task>', 'only this task')
      .option('--count <n>', 'stop after n events'),
  ).action(
    action((flags: NodeFlags & { kind?: string[]; task?: string; count?: string }) =>
      withRemote(flags, async (r) => {
        const c = r.node(flags.node);
        const limit = flags.count === undefined ? Infinity : positive(flags.count, '--count', 1);
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
      }),
    ),
  );
}
