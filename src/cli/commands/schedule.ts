/**
 * Registers `migvisor schedule switch --node N PLAN` and `migvisor schedule
 * status --node N [--json]` (README, "Schedule plans"); they run in
 * ./schedule-run.ts, loaded when one of them runs.
 */
import type { Command } from 'commander';
import { withNodeOption, type NodeFlags } from '../remote-options.ts';
import { action } from '../run-command.ts';

const run = (): Promise<typeof import('./schedule-run.ts')> => import('./schedule-run.ts');

/** Adds `schedule switch` and `schedule status` to the program. */
export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description("a node's schedule plans");
  withNodeOption(
    schedule
      .command('switch')
      .description('switch the node to another schedule plan at the next major-frame boundary')
      .argument('<plan>', 'the plan (from the node\'s plans in the cluster file)'),
  ).action(action(async (plan: string, flags: NodeFlags) => (await run()).scheduleSwitch(plan, flags)));
  withNodeOption(schedule.command('status').description('the current plan, a switch pending, the tick of the last switch, and every plan')).action(
    action(async (flags: NodeFlags) => (await run()).scheduleStatus(flags)),
  );
}
