/**
 * Registers `migvisor fault KIND ...`: one subcommand per fault kind of the
 * testbed (`fault --help` lists them all), each a call to the Testbed service of
 * a running `cluster up`; the client is in ./fault-run.ts.
 */
import type { Command } from 'commander';
import { FAULT_HELP } from '../../testbed/fault-kinds.ts';
import { choiceOption, duration, integer } from '../option-values.ts';
import { action } from '../run-command.ts';
import { withTestbedOption, type LinkCutFlags, type TestbedFlags } from './link.ts';

/** The options of the fault subcommands. */
export interface FaultFlags extends TestbedFlags {
  readonly node?: string;
  readonly middleware?: string;
  readonly for?: number;
  readonly bytes?: number;
  readonly chunk?: boolean;
  readonly by?: number;
  readonly gate?: string;
  readonly task?: string;
}

type Run = (flags: FaultFlags, ...args: string[]) => Promise<void>;

/** Adds the `fault` command group to the program. */
export function registerFaultCommands(program: Command): void {
  const fault = program.command('fault').description('inject a fault into a running `cluster up` (a process or a link)');
  const kind = (name: keyof typeof FAULT_HELP): Command => withTestbedOption(fault.command(name).description(FAULT_HELP[name]));
  // commander calls an action with the positional arguments, the options and the command itself.
  const run = (name: Exclude<keyof typeof FAULT_HELP, 'cut' | 'heal'>) =>
    action(async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const impl = (await import('./fault-run.ts')).FAULTS[name] as Run;
      return impl(cmd.opts<FaultFlags>(), ...(cmd.processedArgs as string[]));
    });
  kind('kill-node').requiredOption('--node <name>', 'the node').action(run('kill-node'));
  kind('restart-node').requiredOption('--node <name>', 'the node').action(run('restart-node'));
  kind('kill-middleware').action(run('kill-middleware'));
  kind('restart-middleware').action(run('restart-middleware'));
  kind('freeze').option('--node <name>', 'the node (or --middleware)').option('--middleware', 'the middleware').option('--for <duration>', 'thaw it again after this long', duration('--for')).action(run('freeze'));
  kind('thaw').option('--node <name>', 'the node (or --middleware)').option('--middleware', 'the middleware').action(run('thaw'));
  kind('cut')
    .argument('<a>', 'endpoint')
    .argument('<b>', 'endpoint')
    .addOption(choiceOption('--mode <mode>', 'reset or blackhole', ['reset', 'blackhole'] as const).default('reset'))
    .option('--for <duration>', 'heal it again after this long', duration('--for'))
    .action(action(async (a: string, b: string, flags: LinkCutFlags) => (await import('./link-run.ts')).cut(a, b, flags)));
  kind('heal')
    .argument('<a>', 'endpoint')
    .argument('<b>', 'endpoint')
    .action(action(async (a: string, b: string, flags: TestbedFlags) => (await import('./link-run.ts')).heal(a, b, flags)));
  kind('corrupt')
    .argument('<from>', 'the sending endpoint')
    .argument('<to>', 'the receiving endpoint')
    .option('--bytes <n>', 'corrupt the next N payload bytes', integer('--bytes', 1))
    .option('--chunk', 'corrupt one byte of the next chunk (message of at least 1 KiB)')
    .action(run('corrupt'));
  kind('delay').argument('<from>', 'the sending endpoint').argument('<to>', 'the receiving endpoint').requiredOption('--by <duration>', 'how much longer, e.g. 500ms', duration('--by')).action(run('delay'));
  kind('fill-gate').requiredOption('--node <name>', 'the node').requiredOption('--gate <name>', 'the gate provider').action(run('fill-gate'));
  kind('expire-deadline').requiredOption('--node <name>', 'the source node').requiredOption('--task <id>', 'the task in flight').action(run('expire-deadline'));
}
