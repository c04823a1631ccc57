/**
 * Registers `migvisor scenario run FILE` and `migvisor scenario check FILE`: a
 * migration test with its own cluster, steps, faults, expectations and reports;
 * the runner is in ./scenario-run.ts, loaded when the command runs.
 */
import type { Command } from 'commander';
import { integer } from '../option-values.ts';
import { action } from '../run-command.ts';

/** The options of `scenario run`. */
export interface ScenarioRunFlags {
  readonly seed?: number;
  readonly report?: string;
  readonly junit?: string;
  readonly json?: boolean;
  readonly run?: string[];
  readonly verbose?: boolean;
}

/** Adds the `scenario` command group to the program. */
export function registerScenarioCommands(program: Command): void {
  const scenario = program.command('scenario').description('migration tests: a cluster, steps, faults and expectations, with reports');
  scenario
    .command('run')
    .description('start the scenario\'s cluster, carry out every run, judge the expectations; exit 0 when all hold, 1 when one does not, 2 for an invalid file')
    .argument('<file>', 'scenario file (YAML; see config/scenario.schema.json)')
    .option('--seed <n>', 'seed of task ids, loss and jitter (default: the file\'s)', integer('--seed'))
    .option('--report <dir>', 'write report.json and report.html (the timeline) there')
    .option('--junit <file>', 'write JUnit XML there (one test case per expectation)')
    .option('--run <text>', 'only the runs whose name contains this (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--json', 'print the whole report as JSON on stdout')
    .option('--verbose', 'show the cluster\'s processes\' output')
    .action(action(async (file: string, flags: ScenarioRunFlags) => (await import('./scenario-run.ts')).run(file, flags)));
  scenario
    .command('check')
    .description('check a scenario file without running it (FILE:LINE: message per problem, exit 2)')
    .argument('<file>', 'scenario file')
    .action(action(async (file: string) => (await import('./scenario-run.ts')).check(file)));
}
