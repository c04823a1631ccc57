/**
 * Instant restore, end to end (issue 14, item 7): node processes and middleware
 * processes on a filesystem store. `snapshot restore --lazy` resumes the task on
 * its registers and page table while its pages still come from the archive
 * (faults served by the middleware's FetchPages, the rest pushed); at the end its
 * memory hash is the parked one. Three `--as-copy --lazy` restores of one
 * snapshot run at once, each its own task and its own stream of pages. A
 * middleware SIGKILLed mid-push leaves the copy's node reporting the loss
 * (`residual-lost`) and the CLI failing with one line, within a bounded time. A
 * snapshot whose manifest has the old page list (a JSON entry per page) still
 * restores lazily.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { unary } from '../../src/common/clients.ts';
import { Code } from '../../src/common/errors.ts';
import { PageList } from '../../src/middleware/index.ts';
import { cleanup, control, EventLog, fixture, oneLineError, poll, ps, rejection, spawnCli, startTask, tempDir, type NodeProcess } from '../support/processes.ts';
import {
  forgetCluster,
  killMiddleware,
  mwJson,
  privateCluster,
  startMiddleware,
  startNodesApart,
  stopMiddlewares,
  withMiddlewareClient,
  type MiddlewareProcess,
} from '../support/middleware-harness.ts';

const HEAP = fixture('programs/middleware-heap.s');

interface RestoreJson {
  readonly taskId: string;
  readonly slot: string;
  readonly phase: string;
  readonly resumeMs: number;
  readonly pagesTotal: string;
  readonly faultsServed?: string;
}

describe('Instant (lazy) restore from the archive (node and middleware processes)', function () {
  let BULK = '';
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let task: string;
  let hash = '';
  let snapshot = '';
  let storeDir = '';
  let logB: EventLog;

  const view = async (address: string, id: string, hashes = false) => (await ps(address, hashes)).find((t) => t.taskId === id);
  const restoreArgs = (mw: MiddlewareProcess, node: string, extra: readonly string[]): string[] => [
    'snapshot', 'restore', snapshot, '--node', node, '--lazy', ...extra, '--cluster', BULK, '--middleware', mw.address, '--json',
  ];

  before(async function () {
    this.timeout(60_000);
    BULK = privateCluster(fixture('middleware-bulk.yaml'));
    storeDir = path.join(tempDir('migvisor-lazy-'), 'store');
    nodes = await startNodesApart(BULK, ['bulk-a', 'bulk-b'], { boot: false });
    [A, B] = [nodes['bulk-a']!.address, nodes['bulk-b']!.address];
    logB = new EventLog(B);
    task = await startTask(A, 'bulk', HEAP);
    const log = await EventLog.open(A, { task });
    await log.waitForNumber(task, 'count ', 2, 20_000);
    const c = control(A);
    await unary(c.Pause, c, { taskId: task }, `pause ${task}`);
    hash = (await view(A, task, true))!.memoryHash;
    const mw = await startMiddleware(BULK, `file://${storeDir}`);
    snapshot = (await mwJson<{ snapshot: { id: string } }>(mw, BULK, ['snapshot', 'park', task, '--node', 'bulk-a'], { timeoutMs: 50_000 })).snapshot.id;
    await stopMiddlewares();
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (BULK) forgetCluster(BULK);
  });

  it('resumes the task while its pages still come (paced push), and ends with every page and the parked memory hash', async function () {
    this.timeout(60_000);
    const mw = await startMiddleware(BULK, `file://${storeDir}`, { args: ['--lazy-push-pace', '30'] });
    const run = spawnCli(restoreArgs(mw, 'bulk-b', []), { timeoutMs: 50_000 });
    // The task is on bulk-b, active, with pages still absent: it resumed before they all came.
    const early = await poll('the task on bulk-b with pages still absent', async () => {
      const t = await view(B, task);
      return t && t.state === 'MigSource' && Number(t.pagesPresent) < Number(t.pages) ? t : undefined;
    }, 30_000, 5);
    expect(Number(early.pagesPresent)).to.be.below(Number(early.pages));
    // Its snapshot cannot be deleted meanwhile, not even with force: its chunks feed the task.
    const del = await rejection(withMiddlewareClient(mw.address, (c) => unary(c.Delete, c, { snapshotId: snapshot, force: true }, 'delete')));
    expect(del.code).to.equal(Code.FAILED_PRECONDITION);
    expect(del.message).to.match(new RegExp(`snapshot ${snapshot} still feeds 1 lazy restore\\(s\\) \\(${task}: \\d+ page\\(s\\) to push\\); delete it once they are done`));
    const r = await run.result;
    expect(r.code, r.stderr).to.equal(0);
    const done = JSON.parse(r.stdout) as RestoreJson;
    expect(done).to.include({ taskId: task, phase: 'MIGRATION_PHASE_DONE' });
    expect(done.resumeMs).to.be.above(0);
    const t = (await view(B, task, true))!;
    expect(Number(t.pagesPresent)).to.equal(Number(t.pages));
    expect(t.memoryHash).to.equal(hash);
    await logB.waitFor((e) => e.kind === 'migration' && e.task === task && e.phase === 'residual-complete', 10_000, 'residual-complete on bulk-b');
    await stopMiddlewares();
  });

  it('restores three lazy copies of one snapshot at once, each a new task served on its own, each ending with the parked memory', async function () {
    this.timeout(60_000);
    const mw = await startMiddleware(BULK, `file://${storeDir}`, { args: ['--lazy-push-pace', '5'] });
    const runs = ['bulk-a', 'bulk-a', 'bulk-b'].map((n) => spawnCli(restoreArgs(mw, n, ['--as-copy']), { timeoutMs: 50_000 }));
    const results = await Promise.all(runs.map((r) => r.result));
    for (const r of results) expect(r.code, r.stderr).to.equal(0);
    const copies = results.map((r) => JSON.parse(r.stdout) as RestoreJson);
    const ids = copies.map((c) => c.taskId);
    expect(new Set([...ids, task]).size, 'distinct task ids').to.equal(4);
    for (const [k, c] of copies.entries()) {
      const t = await view(k < 2 ? A : B, c.taskId, true);
      expect(t, `copy ${c.taskId}`).to.not.equal(undefined);
      expect(t!.memoryHash, `memory of copy ${c.taskId}`).to.equal(hash);
    }
    await stopMiddlewares();
  });

  it('reports the loss when the middleware is SIGKILLed mid-push: residual-lost on the node, one line from the CLI, no hang', async function () {
    this.timeout(60_000);
    // Free bulk-b's slots of the copy and of the first restore.
    for (const t of (await ps(B)).filter((x) => x.program === 'middleware-heap.s')) {
      const c = control(B);
      await unary(c.Kill, c, { taskId: t.taskId }, `kill ${t.taskId}`);
    }
    // The node waits 1.5 s for a middleware it lost (postcopy-paused) before the pages count as lost.
    const mw = await startMiddleware(BULK, `file://${storeDir}`, { args: ['--lazy-push-pace', '200', '--lazy-recover-ms', '1500'] });
    const run = spawnCli(restoreArgs(mw, 'bulk-b', ['--as-copy']), { timeoutMs: 50_000 });
    // Resumed at once, before the first pushed batch (200 ms away): its first instructions fault
    // their pages in from the middleware's FetchPages, and it counts on.
    const seen = await poll('the copy on bulk-b', async () => (await ps(B)).find((x) => x.program === 'middleware-heap.s' && x.state === 'MigSource'), 30_000, 5);
    const c = control(B);
    await unary(c.Resume, c, { taskId: seen.taskId }, `resume ${seen.taskId}`);
    await logB.waitFor((e) => e.kind === 'console' && e.task === seen.taskId && e.text.startsWith('count '), 20_000, 'the copy counting on bulk-b');
    // Killed once two pushed batches arrived (so the CLI heard that the task resumed), long before the last.
    const copy = await poll('the copy running on bulk-b, part of its pages pushed', async () => {
      const t = await view(B, seen.taskId);
      return t && Number(t.pagesPresent) >= 128 && Number(t.pagesPresent) < Number(t.pages) ? t : undefined;
    }, 30_000, 5);
    await killMiddleware(mw);
    const r = await run.result;
    expect(oneLineError(r)).to.match(new RegExp(`^migvisor: task ${copy.taskId} resumed on bulk-b but its pages stopped coming mid-push \\(.+\\); the node faults a traveler that needs a page it lacks$`));
    const lost = await logB.waitFor((e) => e.kind === 'migration' && e.task === copy.taskId && e.phase === 'residual-lost', 20_000, 'residual-lost on bulk-b');
    expect(lost.detail).to.match(/page\(s\) unreachable: cannot fetch pages from 127\.0\.0\.1:\d+/);
    const t = (await view(B, copy.taskId))!;
    expect(Number(t.pagesPresent), 'pages that reached bulk-b').to.be.below(Number(t.pages));
  });

  it('restores lazily a snapshot whose manifest is in the old form (a JSON entry per page), ending with the parked memory', async function () {
    this.timeout(60_000);
    for (const t of (await ps(B)).filter((x) => x.program === 'middleware-heap.s')) {
      const c = control(B);
      await unary(c.Kill, c, { taskId: t.taskId }, `kill ${t.taskId}`);
    }
    // The manifest as a middleware before the packed page list wrote it.
    const file = path.join(storeDir, 'manifests', `${snapshot}.json`);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { pages: unknown };
    stored.pages = [...PageList.fromStored(stored.pages, snapshot)];
    fs.writeFileSync(file, JSON.stringify(stored));
    const mw = await startMiddleware(BULK, `file://${storeDir}`, { args: ['--lazy-push-pace', '5'] });
    const r = await spawnCli(restoreArgs(mw, 'bulk-b', ['--as-copy']), { timeoutMs: 50_000 }).result;
    expect(r.code, r.stderr).to.equal(0);
    const copy = JSON.parse(r.stdout) as RestoreJson;
    expect(copy.phase).to.equal('MIGRATION_PHASE_DONE');
    const t = (await view(B, copy.taskId, true))!;
    expect(Number(t.pagesPresent)).to.equal(Number(t.pages));
    expect(t.memoryHash).to.equal(hash);
    await stopMiddlewares();
  });
});
