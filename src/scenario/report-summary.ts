/**
 * A scenario report for the terminal: one table row per run (its name, verdict,
 * expectations passed and failed, duration, and the first reason it did not
 * pass, shortened) and a closing line, `3 runs: 2 passed, 1 failed`. Every
 * cell is printable and on one line: a hostile name cannot steer the terminal.
 */
import Table from 'cli-table3';
import { formatDuration } from '../config/index.ts';
import { expectationCounts, firstProblem } from './report-counts.ts';
import type { RunReport, ScenarioReport } from './report-model.ts';
import { oneLine } from './report-text.ts';

/** How long a run name and a reason may be in the table before they are cut with `…`. */
const NAME_WIDTH = 40;
const REASON_WIDTH = 60;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function expectationsCell(run: RunReport): string {
  const c = expectationCounts(run);
  return [`${c.passed} passed`, `${c.failed} failed`, ...(c.errors > 0 ? [plural(c.errors, 'error')] : [])].join(', ');
}

/** The closing line: how many runs there were and how they ended (`1 run: 0 passed, 1 failed`, `, 1 error` when there were errors). */
export function summaryLine(report: ScenarioReport): string {
  const s = report.summary;
  return `${plural(s.runs, 'run')}: ${s.passed} passed, ${s.failed} failed${s.errors > 0 ? `, ${plural(s.errors, 'error')}` : ''}`;
}

/** `report` as a terminal table, one row per run, followed by {@link summaryLine}; ends in a newline. */
export function summaryTable(report: ScenarioReport): string {
  const table = new Table({
    head: ['RUN', 'VERDICT', 'EXPECTATIONS', 'DURATION', 'FIRST PROBLEM'],
    style: { head: [], border: [], compact: true },
  });
  for (const run of report.runs) {
    table.push([oneLine(run.name, NAME_WIDTH), run.verdict, expectationsCell(run), formatDuration(run.durationMs), oneLine(firstProblem(run) ?? '-', REASON_WIDTH)]);
  }
  return `${table.toString()}\n${summaryLine(report)}\n`;
}
