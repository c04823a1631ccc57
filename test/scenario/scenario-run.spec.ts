/**
 * `migvisor scenario run` end to end, as a test engineer runs it: real node and
 * middleware processes behind shaped links, started and stopped by the runner.
 * The shipped scenarios of config/scenarios/ pass; scenarios built to fail do
 * fail and say why; an invalid file exits 2 with FILE:LINE; the reports (JSON,
 * JUnit, HTML) describe what happened, the HTML timeline renders in a real
 * Chromium; Ctrl-C stops the cluster and leaves nothing behind.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { expect } from 'chai';
import type { ScenarioReport } from '../../src/scenario/index.ts';
import { debianChromium, launchChromium, openFile } from '../support/chromium.ts';
import { fixture, pidAlive, poll, ROOT, runCli, spawnCli, tempDir } from '../support/processes.ts';

const SCENARIOS = path.join(ROOT, 'config', 'scenarios');

/** Runs of the shipped scenarios, kept so later tests look at the same run. */
const shipped = new Map<string, Promise<Awaited<ReturnType<typeof run>>>>();

/** The run of a shipped scenario (made once). */
function shippedRun(name: string): Promise<Awaited<ReturnType<typeof run>>> {
  let r = shipped.get(name);
  if (!r) shipped.set(name, (r = run(path.join(SCENARIOS, name))));
  return r;
}

/** Runs a scenario with a report folder; the result, the report and the folder. */
async function run(file: string, extra: string[] = [], timeoutMs = 180_000): Promise<{ code: number | null; stdout: string; stderr: string; report: ScenarioReport; dir: string }> {
  const dir = tempDir('migvisor-scenario-it-');
  const r = await runCli(['scenario', 'run', file, '--report', dir, '--junit', path.join(dir, 'junit.xml'), ...extra], { timeoutMs });
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as ScenarioReport;
  return { ...r, report, dir };
}

/** Descendant pids of `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const ppid = Number(/PPid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${e}/status`, 'utf8'))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

describe('scenario run', function () {
  this.timeout(240_000);

  describe('the shipped scenarios pass', () => {
    for (const name of fs.readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml')).sort()) {
      it(name, async () => {
        const r = await shippedRun(name);
        const failing = r.report.runs.flatMap((x) => x.expectations.filter((e) => e.verdict !== 'passed').map((e) => `${x.name}: ${e.text}: ${e.reason}`));
        const errors = r.report.runs.filter((x) => x.verdict === 'error').map((x) => `${x.name}: ${x.error}`);
        expect([...errors, ...failing], r.stderr).to.deep.equal([]);
        expect(r.code).to.equal(0);
        expect(r.report.verdict).to.equal('passed');
        // The summary table names every run and says how many passed.
        for (const x of r.report.runs) expect(r.stdout).to.contain(x.name.slice(0, 30));
        expect(r.stdout).to.match(new RegExp(`${r.report.runs.length} runs?: ${r.report.runs.length} passed`));
        // Every run really moved the task and saw it print across the move.
        for (const x of r.report.runs) {
          expect(x.moves.length, `${x.name}: moves`).to.be.greaterThan(0);
          expect(x.residences.length, `${x.name}: residences`).to.be.greaterThan(0);
        }
      });
    }
  });

  describe('the counter over a slow link, every mode', () => {
    let r: Awaited<ReturnType<typeof run>>;
    before(async () => {
      r = await shippedRun('counter-link.yaml');
    });

    it('moves the task over the shaped link: the stats, the timeline and the moves agree', () => {
      expect(r.report.runs.map((x) => x.name)).to.deep.equal(['mode=full', 'mode=precopy', 'mode=lazy']);
      for (const x of r.report.runs) {
        const mode = x.params['mode'];
        expect(x.moves.map((m) => `${m.kind} ${m.from}->${m.to} ${m.outcome}`)).to.deep.equal([`${mode} field-a->field-b completed`, `${mode} field-b->field-a completed`]);
        for (const m of x.moves) {
          // Over 5 ms each way, a migration takes a few round trips: well over 20 ms.
          expect(m.endMs - m.startMs, `${x.name} ${m.from}->${m.to}`).to.be.greaterThan(20);
          expect(Number(m.stats?.['downtimeMs']), 'downtime').to.be.greaterThan(0).and.at.most(1000);
          expect(m.phases.map((p) => p.phase)).to.include('commit');
        }
        // c ran on field-a, then field-b, then field-a again, with two stops between.
        const lanes = x.residences.filter((s) => s.task === 'c' && s.state === 'running').map((s) => s.lane);
        expect(lanes).to.deep.equal(['field-a', 'field-b', 'field-a']);
        expect(x.lanes).to.deep.equal(['field-a', 'field-b', 'field-c', 'middleware']);
      }
    });

    it('writes JUnit XML with one test case per expectation', () => {
      const xml = fs.readFileSync(path.join(r.dir, 'junit.xml'), 'utf8');
      const doc = new DOMParser().parseFromString(xml, 'text/xml');
      const suites = Array.from(doc.getElementsByTagName('testsuite'));
      expect(suites.map((s) => s.getAttribute('name'))).to.deep.equal(['mode=full', 'mode=precopy', 'mode=lazy']);
      for (const [i, s] of suites.entries()) {
        expect(s.getElementsByTagName('testcase').length).to.equal(r.report.runs[i]!.expectations.length);
        expect(s.getAttribute('failures')).to.equal('0');
      }
    });

    it('writes an HTML timeline that renders in Chromium with every lane and move', async function () {
      const exe = debianChromium(this);
      const browser = await launchChromium(exe);
      try {
        const { page, trouble } = await openFile(browser, path.join(r.dir, 'report.html'));
        expect(trouble).to.deep.equal({ consoleErrors: [], pageErrors: [], dialogs: [], requests: [] });
        const lanes = await page.$$eval('[data-lane]', (els) => [...new Set(els.map((e) => e.getAttribute('data-lane')))]);
        for (const l of ['field-a', 'field-b', 'field-c', 'middleware']) expect(lanes).to.include(l);
        const text = await page.evaluate(() => document.body.innerText);
        expect(text).to.contain('counter over a 10Mbit/5ms link, every mode');
        expect(text).to.contain('PASSED');
        await page.close();
      } finally {
        await browser.close();
      }
    });
  });

  describe('scenarios built to fail', () => {
    let r: Awaited<ReturnType<typeof run>>;
    before(async () => {
      r = await run(fixture('scenarios/must-fail.yaml'));
    });

    it('exit 1, and the report says which expectation failed and why', () => {
      expect(r.code).to.equal(1);
      expect(r.report.verdict).to.equal('failed');
      const restart = r.report.runs.find((x) => x.name === 'broken=restart')!;
      const byKind = Object.fromEntries(restart.expectations.map((e) => [e.kind, e]));
      expect(byKind['continuity']?.verdict).to.equal('failed');
      expect(byKind['continuity']?.reason).to.match(/"counter" 1 \(on field-a at .* and on field-a at .*\).* printed twice/);
      expect(byKind['transparent']?.verdict).to.equal('failed');
      expect(byKind['runs_once']?.verdict, 'the restart leaves one task').to.equal('passed');
      const budget = r.report.runs.find((x) => x.name === 'broken=budget')!;
      const downtime = budget.expectations.find((e) => e.kind === 'downtime_ms')!;
      expect(downtime.verdict).to.equal('failed');
      expect(downtime.reason).to.match(/the full field-a->field-b stopped the task for [\d.]+ ms; at most 0.01 ms expected/);
      // A step that times out fails the run, and cancels its migration: the task goes on where it was.
      const late = r.report.runs.find((x) => x.name === 'broken=timeout')!;
      const verdicts = Object.fromEntries(late.expectations.map((e) => [e.kind, e]));
      expect(verdicts['steps']?.verdict).to.equal('failed');
      expect(verdicts['steps']?.reason).to.match(/step timed out after 200 ms/);
      expect(verdicts['migration_fails']?.verdict, verdicts['migration_fails']?.reason).to.equal('passed');
      expect(verdicts['migration_fails']?.reason).to.match(/DEADLINE_EXCEEDED: the deadline of the migration of .* was declared expired; the task runs on field-a again/);
      expect(verdicts['ends_on']?.verdict, verdicts['ends_on']?.reason).to.equal('passed');
      expect(verdicts['continuity']?.verdict, verdicts['continuity']?.reason).to.equal('passed');
      expect(verdicts['runs_once']?.verdict, verdicts['runs_once']?.reason).to.equal('passed');
      expect(r.stdout).to.contain('3 runs: 0 passed, 3 failed');
      const xml = fs.readFileSync(path.join(r.dir, 'junit.xml'), 'utf8');
      expect(xml).to.contain('<failure').and.contain('printed twice');
    });
  });

  describe('bad input', () => {
    it('an invalid scenario exits 2 with every problem as FILE:LINE: message, starting nothing', async () => {
      const dir = tempDir();
      const file = path.join(dir, 'bad.yaml');
      fs.writeFileSync(
        file,
        [
          'version: 1',
          `cluster: ${path.join(ROOT, 'config', 'cluster.yaml')}`,
          'tasks:',
          `  - { name: c, node: field-z, partition: ctrl, program: ${path.join(ROOT, 'config', 'programs', 'counter.s')} }`,
          'steps:',
          '  - { migrate: c, mode: sideways }',
          'expect:',
          '  - { continuity: d }',
          '',
        ].join('\n'),
      );
      const r = await runCli(['scenario', 'run', file]);
      expect(r.code).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.deep.equal([
        `${file}:4: tasks[0].node: unknown node "field-z" (nodes: field-a, field-b, field-c)`,
        `${file}:6: steps[0].mode: must be full, precopy, lazy, reset or blackhole`,
        `${file}:8: expect[0].continuity: unknown task "d" (tasks: c)`,
      ]);
      expect(fs.existsSync(path.join(dir, 'report.json'))).to.equal(false);
    });

    it('a file that cannot be read exits 1 with one line', async () => {
      const r = await runCli(['scenario', 'run', '/nonexistent/x.yaml']);
      expect(r.code).to.equal(1);
      expect(r.stderr.trim()).to.equal('migvisor: cannot read /nonexistent/x.yaml: no such file');
    });

    it('scenario check says ok, or lists the problems with exit 2', async () => {
      const ok = await runCli(['scenario', 'check', path.join(SCENARIOS, 'fault-matrix-migrate.yaml')]);
      expect(ok.code).to.equal(0);
      expect(ok.stdout).to.match(/fault-matrix-migrate\.yaml: ok \(\d+ runs, \d+ step\(s\), cluster .*cluster\.yaml\)/);
    });
  });

  describe('Ctrl-C', () => {
    it('stops the run, the cluster and its relays, removes its files, and exits 130', async () => {
      const dir = tempDir();
      const file = path.join(dir, 'long.yaml');
      fs.writeFileSync(
        file,
        [
          'version: 1',
          `cluster: ${path.join(ROOT, 'config', 'cluster.yaml')}`,
          'tasks:',
          `  - { name: c, node: field-a, partition: ctrl, program: ${path.join(ROOT, 'config', 'programs', 'counter.s')} }`,
          'steps:',
          '  - { wait: 60s }',
          '',
        ].join('\n'),
      );
      const before = new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('migvisor-scenario-')));
      const cli = spawnCli(['scenario', 'run', file, '--report', dir], { timeoutMs: 60_000 });
      // Wait until the cluster runs: its node processes are children of the runner.
      const nodes = await poll('the cluster to start', () => {
        const d = descendants(cli.child.pid!);
        return d.length >= 4 ? d : undefined;
      }, 30_000);
      cli.child.kill('SIGINT');
      const r = await cli.result;
      expect(r.code).to.equal(130);
      expect(r.stderr).to.contain('interrupted');
      await poll('every process of the cluster to be gone', () => nodes.every((p) => !pidAlive(p)), 10_000);
      const after = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('migvisor-scenario-') && !before.has(f));
      expect(after, 'its temporary folder is removed').to.deep.equal([]);
      const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as ScenarioReport;
      expect(report.runs[0]!.verdict).to.equal('error');
      expect(report.runs[0]!.error).to.contain('interrupted');
    });
  });
});
