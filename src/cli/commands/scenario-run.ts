/**
 * `migvisor scenario run|check`: loads the scenario (every problem as
 * FILE:LINE: message, exit 2), runs its campaign with progress on stderr, writes
 * the reports asked for, prints the summary (or the JSON report) and exits 0
 * when every expectation of every run holds, 1 otherwise. Ctrl-C stops the run
 * in progress, stops the cluster and cleans up.
 */
import { applySecurity, formatDuration } from '../../config/index.ts';
import { loadScenario, prepareReportTargets, runCampaign, summaryTable, writeReports, type ScenarioReport, type StepRecord } from '../../scenario/index.ts';
import { printJson, Exit } from '../run-command.ts';
import type { ScenarioRunFlags } from './scenario.ts';

/** `scenario check FILE`. */
export function check(file: string): number {
  const s = loadScenario(file);
  const steps = s.runs.reduce((n, r) => n + r.steps.length, 0);
  process.stdout.write(`${file}: ok (${s.runs.length} run${s.runs.length === 1 ? '' : 's'}, ${steps} step(s), cluster ${s.clusterFile})\n`);
  return Exit.OK;
}

/** `scenario run FILE`. */
export async function run(file: string, flags: ScenarioRunFlags): Promise<number> {
  const loaded = loadScenario(file, flags.seed !== undefined ? { seed: flags.seed } : {});
  const runs = flags.run?.length ? loaded.runs.filter((r) => flags.run!.some((t) => r.name.includes(t))) : loaded.runs;
  if (runs.length === 0) {
    process.stderr.write(`migvisor: no run of ${file} matches --run ${flags.run?.join(', ')} (runs: ${loaded.runs.map((r) => r.name).join(', ')})\n`);
    return Exit.FAILURE;
  }
  const scenario = { ...loaded, runs };
  // The campaign acts as the testbed of its cluster (README "TLS and roles"): its certificate, and the operator role.
  applySecurity(loaded.cluster, 'testbed');
  const targets = { ...(flags.report ? { dir: flags.report } : {}), ...(flags.junit ? { junit: flags.junit } : {}) };
  prepareReportTargets(targets);
  const stop = new AbortController();
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    process.stderr.write('scenario: interrupted, stopping the cluster\n');
    stop.abort(new Error('interrupted'));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const say = (line: string): boolean => process.stderr.write(`${line}\n`);
  let report: ScenarioReport;
  try {
    report = await runCampaign(scenario, {
      signal: stop.signal,
      ...(flags.verbose ? { log: (l: string) => void say(l) } : {}),
      onRun: (name, i, n) => void (n > 1 && say(`run ${i + 1}/${n}: ${name}`)),
      onStep: (_run, s) => void (flags.verbose || !s.ok ? say(stepLine(s)) : undefined),
      onRunDone: (r) => void say(`  ${r.verdict}${r.error ? ` (${r.error})` : ''} in ${formatDuration(r.durationMs)}`),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const written = writeReports(report, targets);
  for (const f of written.files) say(`wrote ${f}`);
  if (flags.json) printJson(report);
  else process.stdout.write(`${summaryTable(report)}\n`);
  if (interrupted) return 130;
  return report.verdict === 'passed' ? Exit.OK : Exit.FAILURE;
}

/** One line of progress for a step: what it was, where it is written, when it ran, and how it failed. */
function stepLine(s: StepRecord): string {
  const when = `line ${s.line}, +${formatDuration(s.startMs)}, took ${formatDuration(Math.max(0, s.endMs - s.startMs))}`;
  return s.ok ? `  ok: ${s.text} (${when})` : `  step failed: ${s.text} (${when}): ${s.error ?? 'no reason given'}`;
}
