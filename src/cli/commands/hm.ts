/**
 * Registers the health-monitor and partition-mode commands (README "Health
 * monitor", "Partition modes"): `hm log`, `partition status [PARTITION]` and
 * `partition mode PARTITION MODE`, each with `--node NAME|HOST:PORT` and
 * `--json`. They run in ./hm-run.ts, loaded when one of them runs.
 */
import { Argument, type Command } from 'commander';
import { integer, oneOf } from '../option-values.ts';
import { withNodeOption, type NodeFlags } from '../remote-options.ts';
import { action } from '../run-command.ts';

/** The modes `partition mode` accepts (ARINC 653 names). */
export const MODE_NAMES = ['IDLE', 'COLD_START', 'WARM_START', 'NORMAL'] as const;

/** The options of `hm log`. */
export interface HmLogFlags extends NodeFlags {
  readonly limit?: number;
}

const run = (): Promise<typeof import('./hm-run.ts')> => import('./hm-run.ts');

/** Adds `hm log`, `partition status` and `partition mode` to the program. */
export function registerHmCommands(program: Command): void {
  const hm = program.command('hm').description('the health monitor of a node');
  withNodeOption(
    hm
      .command('log')
      .description('the events the health monitor handled: tick, partition, task, traveler, event, level, action taken, details')
      .option('--limit <n>', 'only the newest n entries', integer('--limit', 1)),
  ).action(action(async (flags: HmLogFlags) => (await run()).hmLog(flags)));

  const partition = program.command('partition').description('partition operating modes (ARINC 653)');
  withNodeOption(
    partition
      .command('status')
      .description("a node's partitions: mode, start condition, last mode change, and each task's start condition")
      .argument('[partition]', 'only this partition'),
  ).action(action(async (name: string | undefined, flags: NodeFlags) => (await run()).partitionStatus(name, flags)));
  withNodeOption(
    partition
      .command('mode')
      .description('set a partition\'s mode: IDLE stops it, COLD_START/WARM_START restart it, NORMAL ends a manual start')
      .argument('<partition>', 'the partition')
      .addArgument(new Argument('<mode>', 'the mode').choices(MODE_NAMES).argParser(oneOf('MODE', MODE_NAMES))),
  ).action(action(async (name: string, mode: string, flags: NodeFlags) => (await run()).partitionMode(name, mode, flags)));
}
