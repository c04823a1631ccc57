/**
 * The HTML report in a real headless Chromium, opened from file:// as a user
 * opens it: it loads with no error and fetches nothing; its timelines hold
 * every lane, residence, move (with its phases), downtime, fault and link
 * change the report holds, each where it belongs and with a tooltip; labels do
 * not overlap; the verdict table and the steps are complete; a campaign shows
 * the run one chooses (and every run without script); and hostile names stay
 * text. One browser serves the whole file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'puppeteer-core';
import { renderHtml, type ScenarioReport } from '../../src/scenario/index.ts';
import { debianChromium, launchChromium, openFile, type PageTrouble } from '../support/chromium.ts';
import { cleanup, tempDir } from '../support/processes.ts';
import { HOSTILE, busyReport, hostileReport, sampleCampaign, sampleReport } from '../support/sample-report.ts';

/** What the page shows of one run, read in the browser. */
interface RunView {
  readonly visible: boolean;
  readonly lanes: string[];
  readonly residences: { task: string; lane: string; state: string; inLane: boolean }[];
  readonly moves: { task: string; outcome: string; kind: string; phases: number; fromOk: boolean; toOk: boolean; title: string }[];
  readonly downtimes: number;
  readonly faults: { kind: string; target: string; title: string }[];
  readonly links: string[];
  readonly untitled: number;
  readonly expectations: { verdict: string; text: string; reason: string }[];
  readonly steps: { ok: string; text: string }[];
}

// The functions given to page.evaluate run in the page, so they declare no named
// function of their own: tsx would wrap it in a helper the page does not have.
function readRuns(page: Page): Promise<RunView[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('section.run')).map((section) => {
      const laneBox = new Map<string, DOMRect>();
      for (const g of Array.from(section.querySelectorAll('g.lane'))) laneBox.set(g.getAttribute('data-lane') ?? '', g.querySelector('rect')!.getBoundingClientRect());
      const svg = section.querySelector<SVGSVGElement>('svg.timeline');
      const svgTop = svg?.getBoundingClientRect().top ?? 0;
      const scale = svg ? svg.getBoundingClientRect().height / svg.viewBox.baseVal.height : 1;
      return {
        visible: section.offsetParent !== null,
        lanes: Array.from(section.querySelectorAll('g.lane')).map((g) => g.getAttribute('data-lane') ?? ''),
        residences: Array.from(section.querySelectorAll('g.residence')).map((g) => {
          const lane = g.getAttribute('data-lane') ?? '';
          const box = laneBox.get(lane);
          const bar = g.querySelector('rect')!.getBoundingClientRect();
          return { task: g.getAttribute('data-task') ?? '', lane, state: g.getAttribute('data-state') ?? '', inLane: box !== undefined && bar.top >= box.top - 0.5 && bar.bottom <= box.bottom + 0.5 };
        }),
        moves: Array.from(section.querySelectorAll('g.move')).map((g) => {
          const line = g.querySelector<SVGLineElement>('line:not(.move-hit)')!;
          const from = laneBox.get(g.getAttribute('data-from') ?? '');
          const to = laneBox.get(g.getAttribute('data-to') ?? '');
          const y1 = svgTop + line.y1.baseVal.value * scale;
          const y2 = svgTop + line.y2.baseVal.value * scale;
          return {
            task: g.getAttribute('data-task') ?? '',
            outcome: g.getAttribute('data-outcome') ?? '',
            kind: g.getAttribute('data-kind') ?? '',
            phases: g.querySelectorAll('circle.phase').length,
            fromOk: from !== undefined && y1 >= from.top && y1 <= from.bottom,
            toOk: to !== undefined && y2 >= to.top && y2 <= to.bottom,
            title: g.querySelector(':scope > title')?.textContent ?? '',
          };
        }),
        downtimes: section.querySelectorAll('g.downtime').length,
        faults: Array.from(section.querySelectorAll('g.fault')).map((g) => ({ kind: g.getAttribute('data-kind') ?? '', target: g.getAttribute('data-target') ?? '', title: g.querySelector(':scope > title')?.textContent ?? '' })),
        links: Array.from(section.querySelectorAll('g.link-change')).map((g) => g.getAttribute('data-change') ?? ''),
        untitled: Array.from(section.querySelectorAll('g.lane, g.residence, g.move, g.downtime, g.fault, g.link-change, circle.phase')).filter((e) => !(e.querySelector(':scope > title')?.textContent ?? '').trim()).length,
        expectations: Array.from(section.querySelectorAll('table.expectations tbody tr')).map((tr) => ({
          verdict: tr.getAttribute('data-verdict') ?? '',
          text: tr.children[3]?.textContent ?? '',
          reason: tr.children[5]?.textContent ?? '',
        })),
        steps: Array.from(section.querySelectorAll('table.steps tbody tr')).map((tr) => ({ ok: tr.getAttribute('data-ok') ?? '', text: tr.children[2]?.textContent ?? '' })),
      };
    }),
  );
}

/** Pairs of labels in one timeline whose boxes intersect, and labels outside their SVG. */
function labelClashes(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const svg of Array.from(document.querySelectorAll<SVGSVGElement>('svg.timeline'))) {
      if (svg.getBoundingClientRect().width === 0) continue;
      const frame = svg.getBoundingClientRect();
      const labels = Array.from(svg.querySelectorAll<SVGTextElement>('text')).map((t) => ({ t: t.textContent ?? '', r: t.getBoundingClientRect() }));
      for (const { t, r } of labels) if (r.left < frame.left - 0.5 || r.right > frame.right + 0.5 || r.top < frame.top - 0.5 || r.bottom > frame.bottom + 0.5) out.push(`${t} leaves the timeline`);
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          const a = labels[i]!.r;
          const b = labels[j]!.r;
          const overlapX = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const overlapY = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (overlapX > 0.5 && overlapY > 2) out.push(`${labels[i]!.t} / ${labels[j]!.t}`);
        }
      }
    }
    return out;
  });
}

function expectClean(trouble: PageTrouble): void {
  expect(trouble.consoleErrors, 'console errors').to.deep.equal([]);
  expect(trouble.pageErrors, 'page errors').to.deep.equal([]);
  expect(trouble.dialogs, 'dialogs').to.deep.equal([]);
  expect(trouble.requests, 'requests besides the file').to.deep.equal([]);
}

/** Every run's view matches the report it was rendered from. */
function expectRunsShown(views: readonly RunView[], report: ScenarioReport): void {
  expect(views).to.have.length(report.runs.length);
  report.runs.forEach((run, i) => {
    const v = views[i]!;
    expect(v.lanes, `lanes of ${run.name}`).to.deep.equal(run.lanes);
    expect(v.residences.map((r) => [r.task, r.lane, r.state]), 'residences').to.deep.equal(run.residences.map((r) => [r.task, r.lane, r.state]));
    expect(v.residences.filter((r) => !r.inLane), 'residences outside their lane').to.deep.equal([]);
    expect(v.moves.map((m) => [m.task, m.kind, m.outcome, m.phases]), 'moves').to.deep.equal(run.moves.map((m) => [m.task, m.kind, m.outcome, m.phases.length]));
    expect(v.moves.filter((m) => !m.fromOk || !m.toOk), 'moves not from source lane to sink lane').to.deep.equal([]);
    expect(v.downtimes, 'downtime bars').to.equal(run.moves.filter((m) => m.downtime).length);
    expect(v.faults.map((f) => [f.kind, f.target]), 'faults').to.deep.equal(run.faults.map((f) => [f.kind, f.target]));
    expect(v.links, 'link changes').to.deep.equal(run.links.map((c) => c.change));
    expect(v.untitled, 'elements without a tooltip').to.equal(0);
    expect(v.expectations, 'verdict table').to.deep.equal(run.expectations.map((e) => ({ verdict: e.verdict, text: e.text, reason: e.reason })));
    expect(v.steps, 'steps').to.deep.equal(run.steps.map((s) => ({ ok: String(s.ok), text: s.text })));
  });
}

describe('the HTML report in Chromium', function () {
  this.timeout(20_000);
  let browser: Browser;
  let dir: string;
  const pages: Page[] = [];

  const write = (name: string, report: ScenarioReport): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, renderHtml(report));
    return file;
  };
  const open = async (file: string, options?: Parameters<typeof openFile>[2]): Promise<{ page: Page; trouble: PageTrouble }> => {
    const opened = await openFile(browser, file, options);
    pages.push(opened.page);
    return opened;
  };

  before(async function () {
    const executable = debianChromium(this);
    browser = await launchChromium(executable);
    dir = tempDir('migvisor-report-html-');
  });

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.close()));
  });

  after(async () => {
    await browser?.close();
    await cleanup();
  });

  it('loads a single run from file:// with no error, no dialog and no request but the file', async () => {
    const { page, trouble } = await open(write('single.html', sampleReport()));
    expectClean(trouble);
    expect(await page.$eval('h1', (e) => e.textContent)).to.equal('move-park-restore');
    const facts = await page.$eval('header', (e) => e.textContent ?? '');
    for (const f of ['FAILED', '2025-03-14 09:26:53 UTC', '24s', '42', '5 passed', '1 failed']) expect(facts.toUpperCase()).to.contain(f.toUpperCase());
    expect(await page.$$eval('.runs', (e) => e.length), 'no run list for one run').to.equal(0);
  });

  it('draws every lane, residence, move with its phases, downtime, fault and link change, each in its place', async () => {
    const report = sampleReport();
    const { page } = await open(write('single.html', report));
    expectRunsShown(await readRuns(page), report);
  });

  it('gives every element a tooltip with its details', async () => {
    const { page } = await open(write('single.html', sampleReport()));
    const [view] = await readRuns(page);
    const lazy = view!.moves.find((m) => m.kind === 'lazy')!.title;
    expect(lazy).to.contain('c: lazy (post-copy) migration field-b → field-a, failed');
    expect(lazy).to.contain('phases: negotiate 7s · stop 7.2s · transfer 7.21s');
    expect(lazy).to.contain('downtime: 2.3s');
    expect(lazy).to.contain('error: UNAVAILABLE: sink field-a did not answer');
    expect(lazy).to.contain('stats: migrationId 0b9d7e21');
    expect(view!.moves.find((m) => m.kind === 'precopy')!.title).to.contain('pagesSent 412');
    expect(view!.faults.map((f) => f.title)).to.deep.equal(['fault cut on field-a<->field-b at 6s\nlink cut both ways', 'fault kill-node on field-b at 14s\nSIGKILL to field-b (pid 48211)']);
  });

  it('keeps labels apart and inside the timeline, for the sample, for ten moves of three tasks, and for long hostile names', async () => {
    const hostile = hostileReport();
    for (const [name, report] of [['single.html', sampleReport()], ['busy.html', busyReport()], ['hostile.html', hostile]] as const) {
      const { page, trouble } = await open(write(name, report));
      expectClean(trouble);
      expect(await labelClashes(page), name).to.deep.equal([]);
      if (report !== hostile) expectRunsShown(await readRuns(page), report);
    }
  });

  it('shows the run chosen in a campaign, and the first one at first', async () => {
    const report = sampleCampaign();
    const file = write('campaign.html', report);
    const { page, trouble } = await open(file);
    expectClean(trouble);
    const rows = await page.$$eval('.runs tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => (td.textContent ?? '').trim())));
    expect(rows.map((r) => r[0])).to.deep.equal(report.runs.map((r) => r.name));
    expect(rows.map((r) => r[2]?.toLowerCase())).to.deep.equal(['passed', 'passed', 'failed', 'error']);
    expect(rows.map((r) => r[3])).to.deep.equal(['6 / 0', '6 / 0', '5 / 1', '0 / 6']);
    expect((await readRuns(page)).map((v) => v.visible)).to.deep.equal([true, false, false, false]);
    await page.click('.runs tbody tr[data-run-index="2"] a');
    const views = await readRuns(page);
    expect(views.map((v) => v.visible)).to.deep.equal([false, false, true, false]);
    expect(await page.evaluate(() => location.hash)).to.equal('#run-2');
    const timeline = await page.$('section.run[data-run-index="2"] svg.timeline');
    expect((await timeline!.boundingBox())!.height).to.be.greaterThan(100);
    expect(await labelClashes(page)).to.deep.equal([]);
    expectRunsShown(views, report);
    const again = await open(file, { hash: '#run-3' });
    expect((await readRuns(again.page)).map((v) => v.visible)).to.deep.equal([false, false, false, true]);
    expect(await again.page.$eval('section.run[data-run-index="3"] .problem', (e) => e.textContent)).to.contain('cluster did not start');
  });

  it('shows every run one after another without JavaScript', async () => {
    const report = sampleCampaign();
    const { page, trouble } = await open(write('campaign.html', report), { javaScript: false });
    expectClean(trouble);
    const views = await readRuns(page);
    expect(views.map((v) => v.visible)).to.deep.equal([true, true, true, true]);
    expectRunsShown(views, report);
  });

  it('shows hostile names and messages as text: no element of theirs, no script, no dialog, no request', async () => {
    const report = hostileReport();
    const { page, trouble } = await open(write('hostile.html', report));
    expectClean(trouble);
    const found = await page.evaluate(() => ({
      img: document.querySelectorAll('img').length,
      iframe: document.querySelectorAll('iframe').length,
      scripts: document.querySelectorAll('script').length,
      onHandlers: Array.from(document.querySelectorAll('*')).filter((e) => Array.from(e.attributes).some((a) => a.name.startsWith('on'))).length,
      svgs: document.querySelectorAll('svg').length,
      h1: document.querySelector('h1')?.textContent,
      title: document.title,
      lanes: Array.from(document.querySelectorAll('g.lane')).map((g) => g.getAttribute('data-lane')),
      legend: Array.from(document.querySelectorAll('.legend li.task')).map((li) => li.textContent),
      failure: document.querySelector('table.expectations tr.failed td.reason')?.textContent,
      stepError: document.querySelector('table.steps .step-error')?.textContent,
      moveTitles: Array.from(document.querySelectorAll('g.move > title')).map((t) => t.textContent ?? ''),
    }));
    expect(found.img, 'img').to.equal(0);
    expect(found.iframe, 'iframe').to.equal(0);
    expect(found.scripts, 'only the page script').to.equal(1);
    expect(found.onHandlers, 'event handler attributes').to.equal(0);
    // The defs, a legend key per task and style, and the one timeline.
    expect(found.svgs).to.equal(1 + 3 + 11 + 1);
    expect(found.h1).to.equal(HOSTILE.scenario);
    expect(found.title).to.contain(HOSTILE.scenario);
    expect(found.lanes).to.deep.equal(['field-a', HOSTILE.lane, 'middleware']);
    expect(found.legend).to.deep.equal([HOSTILE.task, HOSTILE.emoji, 'bell\\u0007esc\\u001B[31mred\\u0000nul']);
    expect(found.failure).to.equal(HOSTILE.error);
    expect(found.stepError).to.equal(HOSTILE.error);
    expect(found.moveTitles.some((t) => t.includes(HOSTILE.error))).to.equal(true);
    expectRunsShown(
      await readRuns(page),
      // What the page shows of names XML cannot hold: their \uXXXX notation.
      {
        ...report,
        runs: report.runs.map((r) => ({
          ...r,
          residences: r.residences.map((x) => ({ ...x, task: x.task.replace(/\u0007/g, '\\u0007').replace(/\u001b/g, '\\u001B').replace(/\u0000/g, '\\u0000') })),
          faults: r.faults.map((f) => ({ ...f, kind: f.kind.replace('\ud800', '\\uD800') })),
          expectations: r.expectations.map((e) => ({ ...e, text: e.text.replace('\ud800', '\\uD800') })),
          steps: r.steps.map((s) => ({ ...s, text: s.text.replace(/\u0007/g, '\\u0007').replace(/\u001b/g, '\\u001B').replace(/\u0000/g, '\\u0000') })),
        })),
      },
    );
  });
});
