/**
 * The dashboard in a real browser (README, "Dashboard"): `cluster up` of the
 * shipped three-node cluster serves it (the ready file's `dashboard`), Debian's
 * chromium opens it through puppeteer-core, and an operator pauses, resumes and
 * migrates the counter from the page; ps over gRPC confirms each. A screenshot
 * goes to a temp dir (its path is printed), and to docs/images/dashboard.png
 * with MIGVISOR_UPDATE_SCREENSHOTS=1.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'puppeteer-core';
import { migTaskClient, nodeClient, unary } from '../../src/common/clients.ts';
import { debianChromium, launchChromium } from '../support/chromium.ts';
import { clusterUp, type ClusterUp } from '../support/cluster-up.ts';
import { cleanup, poll, ROOT, runCli, spawnCli } from '../support/processes.ts';

interface Ready {
  readonly dashboard: string;
}

describe('the dashboard in a browser (cluster up, chromium)', function () {
  this.timeout(60_000);
  let cluster: ClusterUp;
  let browser: Browser;
  let page: Page;
  let url: string;
  let task: string;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];

  const ps = async (node: string) => {
    const c = nodeClient(cluster.node(node));
    try {
      return await unary(c.Ps, c, { hashes: false }, `ps on ${node}`);
    } finally {
      c.close();
    }
  };
  const row = (node: string, id: string): string => `article[data-node="${node}"] tr[data-task="${id}"]`;
  const waitText = (selector: string, text: string) =>
    page.waitForFunction((s: string, t: string) => [...document.querySelectorAll(s)].some((e) => (e.textContent ?? '').includes(t)), { timeout: 15_000 }, selector, text);

  before(async function () {
    const chromium = debianChromium(this);
    cluster = await clusterUp();
    const ready = JSON.parse(fs.readFileSync(cluster.readyFile, 'utf8')) as Ready;
    url = `http://${ready.dashboard}/`;
    browser = await launchChromium(chromium);
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    page.on('console', (m) => void (m.type() === 'error' && consoleErrors.push(m.text())));
    page.on('pageerror', (e) => void pageErrors.push(String(e)));
    task = (await ps('field-a')).tasks.find((t) => t.program === 'counter.s')!.taskId;
  });

  after(async () => {
    await browser?.close();
    await cluster?.stop();
    await cleanup();
  });

  it('is in the ready file and shows the three nodes with their schedules, partitions and the counter', async () => {
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector(row('field-a', task), { timeout: 15_000 });
    await waitText('#connection', 'live');
    const nodes = await page.$$eval('article.node', (as) => as.map((a) => (a as HTMLElement).dataset.node));
    expect(nodes).to.deep.equal(['field-a', 'field-b', 'field-c']);
    await page.waitForFunction(() => document.querySelectorAll('article.node .frame .window').length === 5, { timeout: 10_000 });
    expect(await page.$$eval('article[data-node="field-a"] .frame .window', (ws) => ws.map((w) => w.textContent))).to.deep.equal(['ctrl', 'sensor']);
    expect(await page.$eval('article[data-node="field-a"] .partitions', (p) => p.textContent)).to.include('ctrl: NORMAL');
    expect(await page.$eval('article[data-node="field-c"] .cpu', (p) => p.textContent)).to.include('64-bit big-endian');
    expect(await page.$eval(row('field-a', task), (r) => r.textContent)).to.include('MIG_SOURCE');
    await waitText('#console li', `field-a: ${task}/0: counter`);
  });

  it('shows a health-monitor entry as it happens (config/programs/fault.s writes into its code on field-c)', async () => {
    const c = migTaskClient(cluster.node('field-c'));
    try {
      const source = fs.readFileSync(path.join(ROOT, 'config', 'programs', 'fault.s'), 'utf8');
      await unary(c.Initialize, c, { partition: 'ctrl', programName: 'fault.s', programSource: source, travelers: 1, priority: 10 }, 'task start');
    } finally {
      c.close();
    }
    await waitText('#hm li', 'field-c: ');
    expect(await page.$eval('#hm', (e) => e.textContent)).to.match(/field-c: ctrl fault-\w+\/0: write-read-only at node level, stop-traveler/);
    await waitText('article[data-node="field-c"] tr.slot', 'FAULTED');
  });

  it('pauses and resumes the counter from the page (ps over gRPC agrees)', async () => {
    await page.click(`${row('field-a', task)} button.pause`);
    await waitText('#messages .done', `paused ${task} on field-a`);
    expect((await ps('field-a')).tasks.find((t) => t.taskId === task)?.run).to.equal('RUN_STATE_PAUSED');
    await waitText(`${row('field-a', task)} td`, 'PAUSED');
    await page.waitForSelector(`${row('field-a', task)} button.resume:not([disabled])`, { timeout: 10_000 });
    await page.click(`${row('field-a', task)} button.resume`);
    await waitText('#messages .done', `resumed ${task} on field-a`);
    expect((await ps('field-a')).tasks.find((t) => t.taskId === task)?.run).to.equal('RUN_STATE_RUNNING');
  });

  it('migrates the counter to field-b from the page: the page shows it there, with a move on the timeline', async () => {
    await page.select(`${row('field-a', task)} select.target`, 'field-b');
    await page.select(`${row('field-a', task)} select.mode`, 'precopy');
    await page.click(`${row('field-a', task)} button.migrate`);
    await waitText('#messages .done', `migrated ${task} from field-a to field-b (precopy)`);
    const onB = (await ps('field-b')).tasks.find((t) => t.taskId === task);
    expect(onB?.state).to.equal('MIG_STATE_MIG_SOURCE');
    expect((await ps('field-a')).tasks.some((t) => t.taskId === task)).to.equal(false);
    await page.waitForSelector(row('field-b', task), { timeout: 10_000 });
    await page.waitForFunction((t: string) => !document.querySelector(`article[data-node="field-a"] tr[data-task="${t}"]`), { timeout: 10_000 }, task);
    expect(await page.$eval(`#migrations tr[data-task="${task}"]`, (r) => [(r as HTMLElement).dataset.state, r.textContent])).to.satisfy(
      ([state, text]: [string, string]) => state === 'completed' && text.includes('field-b') && text.includes('precopy'),
    );
    // The instruction count goes on on field-b: the counter runs there.
    const before = Number(onB!.instructions);
    await poll('the counter to run on field-b', async () => Number((await ps('field-b')).tasks.find((t) => t.taskId === task)?.instructions ?? 0) > before);
    await page.waitForSelector(`#timeline line.move[data-task="${task}"]`, { timeout: 10_000 });
  });

  it('shows a refused migration as a clear error on the page (field-c is 64-bit big-endian)', async () => {
    await page.waitForSelector(`${row('field-b', task)} button.migrate:not([disabled])`, { timeout: 10_000 });
    await page.select(`${row('field-b', task)} select.target`, 'field-c');
    await page.click(`${row('field-b', task)} button.migrate`);
    await page.waitForSelector('#messages .error', { timeout: 15_000 });
    const error = await page.$eval('#messages .error', (e) => e.textContent ?? '');
    expect(error).to.match(new RegExp(`migrate ${task} from field-b to field-c failed: .*(word|endian|byte order)`, 'i'));
    expect((await ps('field-b')).tasks.find((t) => t.taskId === task)?.run).to.equal('RUN_STATE_RUNNING');
  });

  it('refuses an action without the page\'s token or as another content type (no cross-site request can move a task)', async () => {
    const body = JSON.stringify({ task, node: 'field-b' });
    const noToken = await fetch(`${url}api/pause`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    expect(noToken.status).to.equal(403);
    const form = await fetch(`${url}api/pause`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
    expect(form.status).to.equal(415);
    // A page of another name resolved to this address (DNS rebinding) does not even get the page and its token.
    const rebound = await new Promise<number>((resolve, reject) => {
      const u = new URL(url);
      http.get({ host: u.hostname, port: u.port, path: '/', headers: { Host: `evil.example:${u.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(rebound).to.equal(421);
    expect((await ps('field-b')).tasks.find((t) => t.taskId === task)?.run).to.equal('RUN_STATE_RUNNING');
  });

  it('is also `migvisor dashboard --cluster FILE`, which finds the nodes as the CLI does (the registry of cluster up)', async () => {
    const cli = spawnCli(['dashboard', '--cluster', cluster.file, '--listen', '127.0.0.1:0', '--json'], { timeoutMs: 30_000 });
    const line = await cli.waitForLine((l) => l.startsWith('{'), 15_000);
    const { url: own } = JSON.parse(line) as { url: string };
    const state = await poll('the dashboard to reach every node', async () => {
      const s = (await (await fetch(`${own}api/state`)).json()) as { nodes: { name: string; address: string; reachable: boolean; slots: { taskId: string }[] }[] };
      return s.nodes.every((n) => n.reachable) ? s : undefined;
    });
    expect(state.nodes.map((n) => [n.name, n.address])).to.deep.equal(['field-a', 'field-b', 'field-c'].map((n) => [n, cluster.node(n)]));
    expect(state.nodes.find((n) => n.name === 'field-b')!.slots.map((s) => s.taskId)).to.include(task);
    cli.child.kill('SIGTERM');
    expect((await cli.result).code).to.equal(0);
  });

  it('says which address `migvisor dashboard --listen` cannot use', async () => {
    const r = await runCli(['dashboard', '--cluster', cluster.file, '--listen', 'nowhere']);
    expect(r.code).to.equal(1);
    expect(r.stderr.trim()).to.equal('migvisor: --listen must be HOST:PORT, got "nowhere"');
  });

  it('wrote no console error, and leaves a screenshot', async () => {
    await page.evaluate(() => document.querySelectorAll('#messages .error').forEach((e) => e.remove()));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-dashboard-'));
    const shot = path.join(dir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    fs.mkdirSync(path.join(ROOT, 'docs', 'images'), { recursive: true });
    // The README's picture is refreshed on request only, so a test run leaves the checkout as it was.
    if (process.env['MIGVISOR_UPDATE_SCREENSHOTS'] === '1') fs.copyFileSync(shot, path.join(ROOT, 'docs', 'images', 'dashboard.png'));
    process.stdout.write(`      screenshot: ${shot}\n`);
    expect(fs.statSync(shot).size).to.be.greaterThan(10_000);
    expect(consoleErrors).to.deep.equal([]);
    expect(pageErrors).to.deep.equal([]);
  });
});
