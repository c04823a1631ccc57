/**
 * `scenario run`: one live cluster for all the runs of a scenario (its matrix
 * cells one after another), reset between runs (processes back up, slots and
 * the archive emptied, links set by the next run), and one report for all. The
 * cluster's registry, store and route tables live in a temporary folder that is
 * removed at the end, also when the campaign is interrupted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { describeError } from '../common/index.ts';
import { LiveCluster } from '../testbed/index.ts';
import { ClusterAccess } from './cluster-access.ts';
import type { RunPlan, Scenario } from './model.ts';
import type { RunReport, ScenarioReport, StepRecord, Verdict } from './report-model.ts';
import { executeRun } from './run.ts';

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  /** Where the children's stderr lines go (default: kept, the last ones shown when a run errs). */
  readonly log?: (line: string) => void;
  /** Called before each run. */
  readonly onRun?: (name: string, index: number, count: number) => void;
  /** Called with each step as it ends. */
  readonly onStep?: (run: string, step: StepRecord) => void;
  /** Called after each run. */
  readonly onRunDone?: (run: RunReport) => void;
  /** Aborts the campaign: the run in progress ends with verdict error, the others do not start. */
  readonly signal?: AbortSignal;
}

/** Runs every run of `scenario` on one cluster and reports them all. */
export async function runCampaign(scenario: Scenario, options: CampaignOptions = {}): Promise<ScenarioReport> {
  const started = new Date();
  const t0 = performance.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-scenario-'));
  const recent: string[] = [];
  const log = options.log ?? ((line: string) => void (recent.push(line) > 50 && recent.shift()));
  /** What the cluster's processes said last, to add to an error. */
  const lastLines = (): string => (recent.length ? `; last lines of the cluster: ${recent.slice(-5).join(' | ')}` : '');
  const runs: RunReport[] = [];
  const boot = scenario.runs.some((r) => r.bootTasks);
  let cluster: LiveCluster | undefined;
  let access: ClusterAccess | undefined;
  let failure: string | undefined;
  try {
    cluster = await LiveCluster.start({
      file: scenario.clusterFile,
      seed: scenario.runs[0]?.seed ?? 1,
      ...(boot ? {} : { nodeArgs: ['--no-boot'] }),
      ...(scenario.cluster.middleware ? { store: `file://${path.join(work, 'store')}` } : {}),
      registry: path.join(work, 'registry'),
      stateDir: path.join(work, 'state'),
      // Warnings and errors only (the test bed's default): the report tells what happened, these explain a run that broke.
      logLevel: 'warn',
      log,
    });
    access = new ClusterAccess(cluster);
    for (const [i, plan] of scenario.runs.entries()) {
      if (options.signal?.aborted) break;
      options.onRun?.(plan.name, i, scenario.runs.length);
      if (i > 0) await reset(cluster, access, boot);
      const report = await executeRun(plan, {
        scenario,
        access,
        ...(options.onStep ? { onStep: (s: StepRecord) => options.onStep?.(plan.name, s) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const withLog = report.verdict === 'error' && recent.length ? { ...report, error: `${report.error}${lastLines()}` } : report;
      runs.push(withLog);
      options.onRunDone?.(withLog);
    }
  } catch (e: unknown) {
    // The cluster did not start, or could not be reset: the runs not made are errors, with what its processes said last.
    failure = `${describeError(e)}${lastLines()}`;
  } finally {
    access?.close();
    await cluster?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const why = failure ?? (options.signal?.aborted ? describeError(options.signal.reason) : 'not run');
  for (const plan of scenario.runs.slice(runs.length)) runs.push(notRun(plan, why));
  return summarise(scenario, started, performance.now() - t0, runs);
}

/** The report of a run that could not be made. */
function notRun(plan: RunPlan, error: string): RunReport {
  return {
    name: plan.name,
    params: plan.params,
    verdict: 'error',
    error,
    durationMs: 0,
    seed: plan.seed,
    lanes: [],
    tasks: plan.tasks.map((t) => t.name),
    residences: [],
    moves: [],
    faults: [],
    links: [],
    steps: [],
    expectations: [],
  };
}
/** Back to a clean cluster: every process up and thawed, no task on any node, an empty archive. */
async function reset(cluster: LiveCluster, access: ClusterAccess, boot: boolean): Promise<void> {
  await Promise.all(cluster.processes().map((p) => cluster.revive(p.name)));
  await Promise.all(
    cluster
      .processes()
      .filter((p) => p.kind === 'node')
      .map(async (p) => {
        // With boot tasks a fresh process is the clean state; else emptying the slots is enough, when it works.
        const clean = !boot && (await access.clearNode(p.name).catch(() => false));
        if (!clean) await cluster.restart(p.name);
      }),
  );
  if (cluster.endpoints().middleware) await access.clearArchive();
  await access.ready();
}

function summarise(scenario: Scenario, started: Date, durationMs: number, runs: readonly RunReport[]): ScenarioReport {
  const count = (v: Verdict): number => runs.filter((r) => r.verdict === v).length;
  const all = runs.flatMap((r) => r.expectations);
  const verdict: Verdict = count('error') > 0 ? 'error' : count('failed') > 0 ? 'failed' : 'passed';
  return {
    format: 'migvisor-scenario-report',
    version: 1,
    file: scenario.file,
    name: scenario.name,
    started: started.toISOString(),
    durationMs,
    verdict,
    runs,
    summary: {
      runs: runs.length,
      passed: count('passed'),
      failed: count('failed'),
      errors: count('error'),
      expectations: {
        passed: all.filter((e) => e.verdict === 'passed').length,
        failed: all.filter((e) => e.verdict === 'failed').length,
        errors: all.filter((e) => e.verdict === 'error').length,
      },
    },
  };
}
