/**
 * A scenario report as JUnit XML, the dialect Jenkins (junit plugin) and GitLab
 * (`artifacts:reports:junit`) read: one `<testsuite>` per run, one `<testcase>`
 * per expectation with a `<failure>` for a failed one and an `<error>` for one
 * that could not be judged, the run's seed and matrix values as properties, and
 * its steps with their times in `<system-out>`.
 *
 * The classname is `SCENARIO.RUN`. Jenkins splits a classname at its last dot
 * into package and class, so a dot inside either name (`loss=0.5%`,
 * `smoke.yaml`) is written as U+2024 ONE DOT LEADER, which looks the same and
 * does not split. A run that stopped with an error no expectation carries gets
 * one more testcase, `(run)`, holding that error, so a CI never shows it green.
 * Every text goes through {@link escapeMarkup}: the document is well-formed
 * XML 1.0 whatever the names and messages hold.
 */
import { escapeMarkup } from './report-text.ts';
import type { ExpectationResult, RunReport, ScenarioReport, StepRecord } from './report-model.ts';

const text = (s: string): string => escapeMarkup(s);
const attr = (s: string): string => `"${escapeMarkup(s, true)}"`;
const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);
const undotted = (s: string): string => s.replaceAll('.', '\u2024');

/** One `<testcase>`: its verdict, name, and the element that says why when it did not pass. */
interface Case {
  readonly verdict: ExpectationResult['verdict'];
  readonly name: string;
  readonly type: string;
  readonly reason: string;
  readonly where: string;
}

function casesOf(report: ScenarioReport, run: RunReport): Case[] {
  const cases: Case[] = run.expectations.map((e) => ({
    verdict: e.verdict,
    name: e.text,
    type: e.kind,
    reason: e.reason,
    where: `${report.file}:${e.line}: expect ${e.kind}${e.task === undefined ? '' : ` (task ${e.task})`}`,
  }));
  if (run.verdict === 'error' && !run.expectations.some((e) => e.verdict === 'error')) {
    cases.push({ verdict: 'error', name: '(run)', type: 'run', reason: run.error ?? 'the run could not be carried out', where: report.file });
  }
  return cases;
}

function testcase(classname: string, c: Case): string {
  const open = `    <testcase classname=${attr(classname)} name=${attr(c.name)} time="0.000"`;
  if (c.verdict === 'passed') return `${open}/>`;
  const element = c.verdict === 'failed' ? 'failure' : 'error';
  return [`${open}>`, `      <${element} message=${attr(c.reason)} type=${attr(c.type)}>${text(`${c.reason}\n${c.where}`)}</${element}>`, '    </testcase>'].join('\n');
}

/** A step as one line of `<system-out>`: `  2.000 s –   3.400 s  ok     line 14  migrate c to field-b (precopy)`. */
function stepLine(step: StepRecord): string {
  const times = `${seconds(step.startMs).padStart(8)} s – ${seconds(step.endMs).padStart(8)} s`;
  const status = step.ok ? 'ok   ' : 'ERROR';
  return `${times}  ${status}  line ${String(step.line).padEnd(4)}  ${step.text}${step.ok || !step.error ? '' : `: ${step.error}`}`;
}

function systemOut(run: RunReport): string {
  const lines = [`run ${run.name}, seed ${run.seed}, ${seconds(run.durationMs)} s`];
  if (run.error) lines.push(`error: ${run.error}`);
  lines.push(`steps (${run.steps.length}):`, ...run.steps.map(stepLine));
  return `    <system-out>${text(`${lines.join('\n')}\n`)}</system-out>`;
}

function properties(report: ScenarioReport, run: RunReport): string {
  const props: [string, string][] = [
    ['file', report.file],
    ['seed', String(run.seed)],
    ...Object.entries(run.params).map(([k, v]): [string, string] => [`param.${k}`, v]),
  ];
  return ['    <properties>', ...props.map(([k, v]) => `      <property name=${attr(k)} value=${attr(v)}/>`), '    </properties>'].join('\n');
}

function testsuite(report: ScenarioReport, run: RunReport): { xml: string; tests: number; failures: number; errors: number } {
  const cases = casesOf(report, run);
  const failures = cases.filter((c) => c.verdict === 'failed').length;
  const errors = cases.filter((c) => c.verdict === 'error').length;
  const classname = `${undotted(report.name)}.${undotted(run.name)}`;
  const open = `  <testsuite name=${attr(run.name)} tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds(run.durationMs)}">`;
  const xml = [open, properties(report, run), ...cases.map((c) => testcase(classname, c)), systemOut(run), '  </testsuite>'].join('\n');
  return { xml, tests: cases.length, failures, errors };
}

/** `report` as a JUnit XML document (UTF-8, ending in a newline): one testsuite per run, one testcase per expectation. */
export function renderJUnit(report: ScenarioReport): string {
  const suites = report.runs.map((run) => testsuite(report, run));
  const sum = (f: (s: (typeof suites)[number]) => number): number => suites.reduce((n, s) => n + f(s), 0);
  const open =
    `<testsuites name=${attr(report.name)} tests="${sum((s) => s.tests)}" failures="${sum((s) => s.failures)}" errors="${sum((s) => s.errors)}"` +
    ` time="${seconds(report.durationMs)}" timestamp=${attr(report.started)}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', open, ...suites.map((s) => s.xml), '</testsuites>', ''].join('\n');
}
