/**
 * Registers `migvisor simulate [FILE] --node NAME --ticks N`; the simulation is in
 * ./simulate-run.ts, loaded when the command runs.
 */
import * as path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { integer } from '../option-values.ts';
import { action } from '../run-command.ts';

/** A task to start at boot, from `--task PARTITION:PROGRAM[:TRAVELERS]`. */
export interface TaskSpec {
  readonly partition: string;
  readonly program: string;
  readonly travelers: number;
}

/** The options of `simulate`, as commander parsed them. */
export interface SimulateFlags {
  readonly node: string;
  readonly ticks: number;
  readonly task: TaskSpec[];
  readonly seed: number;
  readonly json?: boolean;
}

/** Parses one more `PARTITION:PROGRAM[:TRAVELERS]`. */
function taskSpec(spec: string, previous: TaskSpec[]): TaskSpec[] {
  const m = /^([^:]+):(.+?)(?::(\d+))?$/.exec(spec);
  if (!m) throw new InvalidArgumentError(`--task must be PARTITION:PROGRAM[:TRAVELERS], got ${spec}`);
  return [...previous, { partition: m[1]!, program: path.resolve(m[2]!), travelers: m[3] ? Number(m[3]) : 1 }];
}

/** Adds the `simulate` command to the program. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('run one node in virtual time (no network): console lines, then ps')
    .argument('[file]', 'cluster file (default config/cluster.yaml)')
    .requiredOption('--node <name>', 'node to boot')
    .requiredOption('--ticks <n>', 'ticks to run', integer('--ticks'))
    .option('--task <partition:program[:travelers]>', 'also start this task at boot (repeatable)', taskSpec, [])
    .option('--seed <n>', 'seed for task ids', integer('--seed'), 1)
    .option('--json', 'machine-readable output')
    .action(action(async (file: string | undefined, flags: SimulateFlags) => (await import('./simulate-run.ts')).simulate(file, flags)));
}
