/** Registers `migvisor demo` (what `npm start` runs); the demo itself is in ./demo-run.ts, loaded when it runs. */
import type { Command } from 'commander';
import { integer } from '../option-values.ts';
import { action } from '../run-command.ts';

/** Adds the `demo` command to the program. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the main demo (npm start): a counter migrates between real node processes')
    .option('--json', 'end with the statistics as JSON on stdout')
    .option('--hold <seconds>', 'keep the cluster and its dashboard up this long after the last step', integer('--hold', 0), 0)
    .action(action(async (flags: { json?: boolean; hold: number }) => (await import('./demo-run.ts')).demo(flags.json ?? false, flags.hold)));
}
