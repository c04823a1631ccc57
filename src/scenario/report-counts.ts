/**
 * What every rendering of a report counts the same way: the verdicts of one
 * run's expectations, and the first reason a run did not pass.
 */
import type { RunReport } from './report-model.ts';

/** How many of a run's expectations passed, failed, or could not be judged. */
export interface ExpectationCounts {
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
}

/** The verdicts of `run`'s expectations, counted. */
export function expectationCounts(run: RunReport): ExpectationCounts {
  let passed = 0;
  let failed = 0;
  let errors = 0;
  for (const e of run.expectations) {
    if (e.verdict === 'passed') passed++;
    else if (e.verdict === 'failed') failed++;
    else errors++;
  }
  return { passed, failed, errors };
}

/**
 * Why `run` did not pass, in its own words: the error that stopped it, else the
 * reason of its first failed (or, failing that, erroneous) expectation, else the
 * error of its first broken step. Undefined for a run that passed.
 */
export function firstProblem(run: RunReport): string | undefined {
  if (run.verdict === 'passed') return undefined;
  if (run.error) return run.error;
  const expectation = run.expectations.find((e) => e.verdict === 'failed') ?? run.expectations.find((e) => e.verdict === 'error');
  if (expectation) return expectation.reason;
  return run.steps.find((s) => !s.ok)?.error;
}
