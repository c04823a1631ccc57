/**
 * Registers process management over gRPC: ps, task start, pause, resume, kill,
 * copy, info, gate send and watch. Each takes `--node NAME|HOST:PORT` and
 * `--json`. They run in ./tasks-run.ts, loaded when one of them runs.
 */
import type { Command } from 'commander';
import { EVENT_KINDS, type EventKind } from '../../common/vocabulary.ts';
import { choiceListOption, integer, signedInteger } from '../option-values.ts';
import { withNodeOption, type NodeFlags } from '../remote-options.ts';
import { action } from '../run-command.ts';

/** The options of `ps`. */
export interface PsFlags extends NodeFlags {
  readonly hashes?: boolean;
}

/** The options of `task start`, as commander parsed them. */
export interface TaskStartFlags extends NodeFlags {
  readonly partition: string;
  readonly program: string;
  readonly travelers: number;
  readonly priority: number;
}

/** The options of `info`. */
export interface InfoFlags extends NodeFlags {
  readonly task?: string;
  readonly partition?: string;
}

/** The options of `gate send`. */
export interface GateSendFlags extends NodeFlags {
  readonly hex?: boolean;
}

/** The options of `watch`, as commander parsed them. */
export interface WatchFlags extends NodeFlags {
  readonly kind?: EventKind[];
  readonly task?: string;
  readonly count?: number;
  readonly afterSeq?: number;
}

/** The task commands that are one unary NodeControl call each. */
export const TASK_VERBS = ['pause', 'resume', 'kill', 'copy'] as const;
/** One of {@link TASK_VERBS}. */
export type TaskVerb = (typeof TASK_VERBS)[number];

const run = (): Promise<typeof import('./tasks-run.ts')> => import('./tasks-run.ts');

/** Adds ps, task start, pause, resume, kill, copy, info, gate send and watch to the program. */
export function registerTaskCommands(program: Command): void {
  withNodeOption(program.command('ps').description('list the task slots of a node').option('--hashes', 'include memory hashes')).action(
    action(async (flags: PsFlags) => (await run()).ps(flags)),
  );

  const task = program.command('task').description('start tasks');
  withNodeOption(
    task
      .command('start')
      .description('Initialize: boot a program into a free MigSink slot of a partition; prints the task id')
      .requiredOption('--partition <name>', 'partition to start it in')
      .requiredOption('--program <file>', 'assembly source (.s) or object file from `migvisor asm -o`')
      .option('--travelers <k>', 'number of travelers', integer('--travelers', 1), 1)
      .option('--priority <p>', 'traveler priority (higher runs first)', signedInteger('--priority'), 10),
  ).action(action(async (flags: TaskStartFlags) => (await run()).startTask(flags)));

  for (const verb of TASK_VERBS) {
    withNodeOption(program.command(verb).description(`${verb} a task`).argument('<task>', 'task id')).action(
      action(async (id: string, flags: NodeFlags) => (await run()).taskCommand(verb, id, flags)),
    );
  }

  withNodeOption(
    program
      .command('info')
      .description('Info on the command channel: the node\'s CPU, and a task\'s state (or where it went)')
      .option('--task <task>', 'task id or slot (ctrl/1)')
      .option('--partition <name>', 'describe a free slot of this partition'),
  ).action(action(async (flags: InfoFlags) => (await run()).info(flags)));

  const gate = program.command('gate').description('talk to gates');
  withNodeOption(
    gate
      .command('send')
      .description('put a message on a gate of a node (forwarded if its receiver moved away)')
      .argument('<gate>', 'gate name')
      .argument('<message>', 'message text (or hex bytes with --hex)')
      .option('--hex', 'the message is hex-encoded bytes'),
  ).action(action(async (name: string, message: string, flags: GateSendFlags) => (await run()).gateSend(name, message, flags)));

  withNodeOption(
    program
      .command('watch')
      .description('stream a node\'s events: console lines, transitions, migrations, faults, exits, health-monitor entries, partition mode changes')
      .addOption(choiceListOption('--kind <kind...>', 'only these kinds', EVENT_KINDS))
      .option('--task <task>', 'only this task')
      .option('--count <n>', 'stop after n events', integer('--count', 1))
      .option('--after-seq <n>', 'first replay the events after this sequence number (resume a watch)', integer('--after-seq', 0)),
  ).action(action(async (flags: WatchFlags) => (await run()).watch(flags)));
}
