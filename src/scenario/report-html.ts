/**
 * A scenario report as one self-contained HTML page: a header (scenario,
 * verdict, start, duration, seed), for a campaign a table of its runs, and per
 * run its timeline (report-timeline.ts) with a legend (report-legend.ts), the verdict of each
 * expectation, and the steps as they ran.
 *
 * The page loads nothing: its style and its few lines of script are inline, and
 * its Content-Security-Policy allows no source at all but those two, by hash, so
 * even markup slipped into a name could neither run nor fetch. (Every text is
 * escaped anyway: the page is built with report-markup.ts.) Without script every
 * run shows, one after another; with it, choosing a run in the table shows that
 * run alone, and the address (`#run-2`) keeps the choice.
 */
import { createHash } from 'node:crypto';
import { formatDuration } from '../config/index.ts';
import { expectationCounts, firstProblem } from './report-counts.ts';
import { fragment, h, trusted, type Child, type Markup } from './report-markup.ts';
import type { ExpectationResult, RunReport, ScenarioReport, StepRecord, Verdict } from './report-model.ts';
import { REPORT_CSS } from './report-style.ts';
import { legend } from './report-legend.ts';
import { renderTimeline, tasksOf, timelineDefs } from './report-timeline.ts';

// Muted, distinct, and none of them the red of failures and downtime or the amber of faults.
const PALETTE = ['#4e79a7', '#59a14f', '#b07aa1', '#76b7b2', '#9c755f', '#5b6abf', '#8cb84c', '#d37295', '#7a8b99', '#3f9aa8'];

/** A colour per task, the same in every run of the report: the palette in order of first appearance, then hues far apart. */
function taskColours(report: ScenarioReport): (task: string) => string {
  const colours = new Map<string, string>();
  const names = report.runs.flatMap((r) => [...r.tasks, ...r.residences.map((x) => x.task), ...r.moves.map((m) => m.task)]);
  for (const name of names) {
    if (colours.has(name)) continue;
    const i = colours.size;
    colours.set(name, PALETTE[i] ?? `hsl(${Math.round((200 + i * 137.508) % 360)} 42% 48%)`);
  }
  return (task) => colours.get(task) ?? '#7a8b99';
}

// Kept small on purpose: everything works without it (every run shows).
const SCRIPT = `(function () {
  var runs = Array.prototype.slice.call(document.querySelectorAll('section.run'));
  var rows = Array.prototype.slice.call(document.querySelectorAll('.runs tbody tr[data-run-index]'));
  if (runs.length < 2) return;
  document.documentElement.classList.add('js');
  function show(i) {
    runs.forEach(function (r, j) { r.classList.toggle('selected', j === i); });
    rows.forEach(function (r, j) { r.classList.toggle('selected', j === i); r.setAttribute('aria-selected', String(j === i)); });
  }
  function fromHash() {
    var m = /^#run-(\\d+)$/.exec(location.hash);
    var i = m ? Number(m[1]) : 0;
    show(i < runs.length ? i : 0);
  }
  rows.forEach(function (row, i) {
    row.addEventListener('click', function (e) {
      e.preventDefault();
      try { history.replaceState(null, '', '#run-' + i); } catch (_) {}
      show(i);
    });
  });
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();`;

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

const CSP = `default-src 'none'; style-src ${sha256(REPORT_CSS)}; script-src ${sha256(SCRIPT)}; img-src 'none'; base-uri 'none'; form-action 'none'`;

function badge(verdict: Verdict, large = false): Markup {
  return h('span', { class: `badge ${verdict}${large ? ' large' : ''}`, 'data-verdict': verdict }, verdict);
}

/** `2025-03-14T09:26:53.589Z` as `2025-03-14 09:26:53 UTC`; anything unreadable as it is. */
function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function facts(items: readonly [string, Child][]): Markup {
  return h('dl', { class: 'facts' }, items.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

function counts(c: { passed: number; failed: number; errors: number }): Markup {
  return fragment(
    h('span', { class: 'count-passed' }, `${c.passed} passed`),
    ' · ',
    h('span', { class: c.failed > 0 ? 'count-failed' : 'muted' }, `${c.failed} failed`),
    c.errors > 0 && fragment(' · ', h('span', { class: 'count-error' }, plural(c.errors, 'error'))),
  );
}

function seeds(report: ScenarioReport): string {
  const all = [...new Set(report.runs.map((r) => r.seed))];
  if (all.length === 0) return '-';
  return all.length === 1 ? String(all[0]) : 'one per run';
}

function header(report: ScenarioReport): Markup {
  const s = report.summary;
  return h(
    'header',
    { class: 'card report-header' },
    h('p', { class: 'eyebrow' }, 'migvisor scenario report'),
    h('div', { class: 'title-row' }, h('h1', {}, report.name), badge(report.verdict, true)),
    facts([
      ['File', h('span', { class: 'mono' }, report.file)],
      ['Started', when(report.started)],
      ['Duration', formatDuration(report.durationMs)],
      ['Seed', seeds(report)],
      ...(report.runs.length > 1
        ? [['Runs', `${s.runs}: ${s.passed} passed, ${s.failed} failed${s.errors > 0 ? `, ${plural(s.errors, 'error')}` : ''}`] as [string, Child]]
        : []),
      ['Expectations', counts(s.expectations)],
    ]),
  );
}

function params(run: RunReport): Markup {
  const entries = Object.entries(run.params);
  return entries.length === 0 ? h('span', { class: 'muted' }, '-') : fragment(entries.map(([k, v]) => h('span', { class: 'param' }, `${k}=${v}`)));
}

function runList(report: ScenarioReport): Markup {
  const rows = report.runs.map((run, i) => {
    const c = expectationCounts(run);
    return h(
      'tr',
      { 'data-run-index': i, class: run.verdict },
      h('td', {}, h('a', { href: `#run-${i}` }, run.name)),
      h('td', {}, params(run)),
      h('td', {}, badge(run.verdict)),
      h('td', { class: 'num' }, h('span', { class: 'count-passed' }, String(c.passed)), ' / ', h('span', { class: c.failed + c.errors > 0 ? 'count-failed' : 'muted' }, String(c.failed + c.errors))),
      h('td', { class: 'num' }, formatDuration(run.durationMs)),
      h('td', { class: 'num' }, String(run.seed)),
    );
  });
  return h(
    'section',
    { class: 'card run-list' },
    h('h2', {}, `Runs (${report.runs.length})`),
    h(
      'table',
      { class: 'data runs' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Run'), h('th', {}, 'Parameters'), h('th', {}, 'Verdict'), h('th', { class: 'num' }, 'Passed / failed'), h('th', { class: 'num' }, 'Duration'), h('th', { class: 'num' }, 'Seed'))),
      h('tbody', {}, rows),
    ),
    h('p', { class: 'hint' }, 'Choose a run to see its timeline, expectations and steps.'),
  );
}

function expectationRow(e: ExpectationResult): Markup {
  return h(
    'tr',
    { class: e.verdict, 'data-verdict': e.verdict, 'data-index': e.index },
    h('td', { class: 'num muted' }, String(e.line)),
    h('td', { class: 'nowrap' }, h('code', {}, e.kind)),
    h('td', { class: 'nowrap' }, e.task ?? h('span', { class: 'muted' }, '-')),
    h('td', {}, e.text),
    h('td', {}, badge(e.verdict)),
    h('td', { class: 'reason' }, e.reason),
  );
}

function expectationTable(run: RunReport): Markup {
  if (run.expectations.length === 0) return h('p', { class: 'muted' }, 'No expectations.');
  return h(
    'table',
    { class: 'data expectations' },
    h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Line'), h('th', {}, 'Kind'), h('th', {}, 'Task'), h('th', {}, 'Expectation'), h('th', {}, 'Verdict'), h('th', {}, 'Reason'))),
    h('tbody', {}, run.expectations.map(expectationRow)),
  );
}

function stepRow(s: StepRecord): Markup {
  return h(
    'tr',
    { class: s.ok ? 'passed' : 'failed', 'data-ok': String(s.ok), 'data-index': s.index },
    h('td', { class: 'num' }, `${formatDuration(s.startMs)} – ${formatDuration(s.endMs)}`),
    h('td', { class: 'num muted' }, String(s.line)),
    h('td', {}, s.text),
    h('td', {}, s.ok ? h('span', { class: 'badge passed' }, 'ok') : fragment(h('span', { class: 'badge failed' }, 'error'), s.error && fragment(' ', h('span', { class: 'step-error' }, s.error)))),
  );
}

function stepTable(run: RunReport): Markup {
  if (run.steps.length === 0) return h('p', { class: 'muted' }, 'No step ran.');
  return h(
    'table',
    { class: 'data steps' },
    h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Time'), h('th', { class: 'num' }, 'Line'), h('th', {}, 'Step'), h('th', {}, 'Result'))),
    h('tbody', {}, run.steps.map(stepRow)),
  );
}

function timeline(run: RunReport, colourOf: (task: string) => string): Markup {
  const empty = run.residences.length + run.moves.length + run.faults.length + run.links.length === 0;
  if (empty && run.lanes.length === 0) return h('p', { class: 'muted' }, 'Nothing to show: the run has no lanes.');
  return fragment(
    empty ? h('p', { class: 'muted' }, 'No task ran.') : legend(tasksOf(run), colourOf),
    h('div', { class: 'timeline-wrap' }, renderTimeline(run, colourOf)),
  );
}

function runSection(report: ScenarioReport, run: RunReport, index: number, colourOf: (task: string) => string): Markup {
  const campaign = report.runs.length > 1;
  const problem = run.verdict === 'error' ? (run.error ?? firstProblem(run)) : undefined;
  return h(
    'section',
    { class: 'card run', id: `run-${index}`, 'data-run-index': index, 'data-run': run.name, 'data-verdict': run.verdict },
    campaign && h('div', { class: 'title-row' }, h('h2', {}, run.name), badge(run.verdict)),
    campaign && facts([['Parameters', params(run)], ['Seed', String(run.seed)], ['Duration', formatDuration(run.durationMs)], ['Expectations', counts(expectationCounts(run))]]),
    problem && h('p', { class: 'problem' }, problem),
    h('h3', {}, 'Timeline'),
    timeline(run, colourOf),
    h('h3', {}, 'Expectations'),
    expectationTable(run),
    h('h3', {}, 'Steps'),
    stepTable(run),
  );
}

/** `report` as one HTML page that needs nothing else: no file, no font, no network, and works without script. */
export function renderHtml(report: ScenarioReport): string {
  const colourOf = taskColours(report);
  const page = h(
    'html',
    { lang: 'en' },
    h(
      'head',
      {},
      h('meta', { charset: 'utf-8' }),
      h('meta', { 'http-equiv': 'Content-Security-Policy', content: CSP }),
      h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
      h('meta', { name: 'generator', content: `migvisor (${report.format} v${report.version})` }),
      h('title', {}, `${report.name}: ${report.verdict} | migvisor scenario`),
      h('style', {}, trusted(REPORT_CSS)),
    ),
    h(
      'body',
      {},
      timelineDefs(),
      h(
        'main',
        {},
        header(report),
        report.runs.length > 1 && runList(report),
        report.runs.map((run, i) => runSection(report, run, i, colourOf)),
        h('footer', {}, `migvisor scenario report · ${report.format} v${report.version} · report.json holds the same data`),
      ),
      h('script', {}, trusted(SCRIPT)),
    ),
  );
  return `<!DOCTYPE html>\n${page.html}\n`;
}
