/** Registers `migvisor dashboard`; the server is in ../../dashboard, loaded by ./dashboard-run.ts when the command runs. */
import type { Command } from 'commander';
import { withClusterOption, type ClusterFlags } from '../remote-options.ts';
import { action } from '../run-command.ts';

/** The options of `dashboard`. */
export interface DashboardFlags extends ClusterFlags {
  readonly listen: string;
}

/** Adds the `dashboard` command to the program. */
export function registerDashboardCommand(program: Command): void {
  withClusterOption(
    program
      .command('dashboard')
      .description('serve a live web page of the cluster (nodes, schedules, partitions, tasks, migrations, HM events, console, timeline) with pause, resume and migrate; --json prints {"dashboard", "url", "nodes"} as one line once it serves')
      .option('--listen <host:port>', 'where the page is served', '127.0.0.1:0'),
  ).action(action(async (flags: DashboardFlags) => (await import('./dashboard-run.ts')).dashboard(flags)));
}
