/**
 * `migvisor migrate recover TASK --node N` (README, "Post-copy recovery"): a
 * post-copy migration paused because its link or its source failed tries to
 * reach the other side now, instead of at its next retry. N is either side.
 */
import type { Command } from 'commander';
import { withNodeOption, type NodeFlags } from '../remote-options.ts';
import { action } from '../run-command.ts';

/** Adds `recover` under `migrate`. */
export function registerMigrateRecover(migrate: Command): void {
  // A subcommand of `migrate` is not a migration: commander would ask it for
  // migrate's own required options (--from, --to) too.
  migrate.hook('preSubcommand', () => {
    for (const o of migrate.options) o.mandatory = false;
  });
  withNodeOption(
    migrate
      .command('recover')
      .description('post-copy: a paused migration (postcopy-paused) tries to reach its peer now; N is its sink or its source')
      .argument('<task>', 'task id'),
  ).action(action(async (task: string, flags: NodeFlags) => (await import('./migrate-recover-run.ts')).recover(task, flags)));
}
