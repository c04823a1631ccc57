/**
 * Registers the control of migrations in flight (README, "Migration control"):
 * `migvisor migrate cancel|set|status TASK --node N` (N: the source) and
 * `migvisor dirty-rate TASK --node N`; the clients are in
 * ./migrate-control-run.ts, loaded when a command runs.
 */
import type { Command } from 'commander';
import { bandwidth, integer } from '../option-values.ts';
import { withNodeOption, type NodeFlags } from '../remote-options.ts';
import { action } from '../run-command.ts';

/** The options of `migrate cancel`. */
export interface CancelFlags extends NodeFlags {
  /** Declare the migration's deadline expired instead (it fails with DEADLINE_EXCEEDED). */
  readonly deadline?: boolean;
}

/** The options of `migrate set`. */
export interface SetFlags extends NodeFlags {
  readonly maxBandwidth?: number;
  readonly unlimited?: boolean;
}

/** The options of `migrate status`. */
export interface StatusFlags extends NodeFlags {
  readonly watch?: boolean;
  /** With --watch: how often, ms. */
  readonly intervalMs: number;
}

/** The options of `dirty-rate`. */
export interface DirtyRateFlags extends NodeFlags {
  readonly ms?: number;
}

const run = () => import('./migrate-control-run.ts');

/** A subcommand's options with those `migrate` itself parsed (--cluster and --json may be given after the subcommand). */
function withParent<T>(cmd: Command): T {
  return cmd.optsWithGlobals() as T;
}

/** Adds `migrate cancel|set|status` under `migrate`, and `dirty-rate` to the program. */
export function registerMigrateControlCommands(program: Command, migrate: Command): void {
  withNodeOption(
    migrate
      .command('cancel')
      .description('cancel the migration of a task in flight from --node (its source): in any phase before the commit the task runs there again, nothing lost')
      .argument('<task>', 'task id')
      .option('--deadline', 'declare its deadline expired (it fails with DEADLINE_EXCEEDED) rather than cancel it'),
  ).action(action(async (task: string, _flags: CancelFlags, cmd: Command) => (await run()).cancel(task, withParent<CancelFlags>(cmd))));
  withNodeOption(
    migrate
      .command('set')
      .description('change the limits of the migration of a task in flight from --node')
      .argument('<task>', 'task id')
      .option('--max-bandwidth <rate>', 'pace the source to this rate from now on, e.g. 100Mbit or 2MiB/s', bandwidth('--max-bandwidth'))
      .option('--unlimited', 'no bandwidth limit from now on'),
  ).action(action(async (task: string, _flags: SetFlags, cmd: Command) => (await run()).set(task, withParent<SetFlags>(cmd))));
  withNodeOption(
    migrate
      .command('status')
      .description('where the migration of a task from --node stands (query-migrate): status, pass, remaining bytes, rates, expected downtime, throttle, why it waits')
      .argument('<task>', 'task id')
      .option('--watch', 'print it again until the migration ends')
      .option('--interval-ms <ms>', 'with --watch: how often', integer('--interval-ms', 10), 250),
  ).action(action(async (task: string, _flags: StatusFlags, cmd: Command) => (await run()).status(task, withParent<StatusFlags>(cmd))));
  withNodeOption(
    program
      .command('dirty-rate')
      .description('measure how fast a running task dirties its memory (pages/s and MiB/s), without migrating it')
      .argument('<task>', 'task id')
      .option('--ms <ms>', 'how long to measure, 10..10000 (default 1000)', integer('--ms', 10)),
  ).action(action(async (task: string, _flags: DirtyRateFlags, cmd: Command) => (await run()).dirtyRate(task, withParent<DirtyRateFlags>(cmd))));
}
