/**
 * Post-copy (lazy) migration between real node processes (issue 4, point 1): the
 * sink resumes the task on its registers and page table alone, faults pages in
 * from the source while the source pushes the rest, and the source drops its
 * residual dependency once the sink has every page. If the source dies first, the
 * traveler that needs a lost page gets a health-monitor fault of kind `lost` within
 * a bounded time, and the sink node goes on serving everything else.
 */
import { expect } from 'chai';
import { cleanup, cliJson, consecutive, example, killProcess, poll, type EventLog, type NodeProcess } from '../support/processes.ts';
import {
  expectCompleted,
  liveProgram,
  migrateCli,
  migrateRpc,
  migrationEvents,
  kill,
  LIVE,
  openLog,
  pause,
  resume,
  startLiveNodes,
  startProgram,
  taskOn,
  travelerLines,
  waitExited,
} from '../support/live-harness.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const COUNTER = 'counter ';

/** The round numbers a workload traveler printed ("round R sum S"). */
function rounds(lines: readonly string[]): number[] {
  return lines.filter((l) => l.startsWith('round ')).map((l) => Number(l.split(' ')[1]));
}

describe('Post-copy (lazy) migration between node processes', function () {
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let logA: EventLog;
  let logB: EventLog;

  before(async function () {
    this.timeout(30_000);
    nodes = await startLiveNodes(['live-a', 'live-b']);
    A = nodes['live-a']!.address;
    B = nodes['live-b']!.address;
    [logA, logB] = await Promise.all([openLog(A), openLog(B)]);
  });

  after(cleanup);

  it('moves the counter: it goes on at N+1 on live-b, and every page is there when migrate returns', async () => {
    const counter = await startProgram(A, 'ctrl', example('counter.s'));
    await logA.waitForNumber(counter, COUNTER, 3, 5000);

    const stats = await migrateCli(counter, 'live-a', 'live-b', 'lazy');
    expectCompleted(stats, 'lazy migration of the counter');
    expect(stats).to.include({ taskId: counter, mode: 'MIGRATION_MODE_LAZY', source: 'live-a', sink: 'live-b' });
    expect(stats.resumeMs, 'resume_ms').to.be.greaterThan(0).and.at.most(stats.totalMs);
    expect(stats.residualMs, 'residual_ms: the source held pages after the sink resumed').to.be.greaterThan(0);
    expect(Number(stats.pagesSent), 'pages_sent: fetched plus pushed').to.be.greaterThan(0);

    // The source's residual dependency is gone: the sink holds every page.
    const ps = await cliJson<{ node: string; tasks: { taskId: string; state: string; run: string; pages: number; pagesPresent: number }[] }>(['ps', '--node', 'live-b', '--cluster', LIVE]);
    const onB = ps.tasks.find((t) => t.taskId === counter)!;
    expect(onB, 'the counter on live-b').to.not.equal(undefined);
    expect(onB).to.include({ state: 'MIG_STATE_MIG_SOURCE', run: 'RUN_STATE_RUNNING' });
    expect(onB.pagesPresent, 'pages present on the sink').to.equal(onB.pages);
    await logB.waitFor((e) => e.kind === 'migration' && e.task === counter && e.phase === 'residual-complete', 5000, 'residual-complete on the sink');
    await logA.waitFor((e) => e.kind === 'migration' && e.task === counter && e.phase === 'residual-dropped', 5000, 'residual-dropped on the source');
    expect(migrationEvents(logB, counter, 'residual-lost'), 'residual-lost on the sink').to.deep.equal([]);
    expect(logB.events.filter((e) => e.kind === 'fault' && e.task === counter), 'faults on the sink').to.deep.equal([]);
    expect(await taskOn(A, counter), 'the counter on live-a').to.equal(undefined);

    // The console goes on where it stopped.
    const last = logA.numbers(counter, COUNTER).at(-1)!;
    await logB.waitForNumber(counter, COUNTER, last + 3, 5000);
    expect(logB.numbers(counter, COUNTER)[0], 'first line on live-b').to.equal(last + 1);
    expect(consecutive([...logA.numbers(counter, COUNTER), ...logB.numbers(counter, COUNTER)])).to.equal(undefined);
    await kill(B, counter);
  });

  it('moves a four-traveler workload mid-run: resumed on live-b while its pages are still on their way, it faults them in', async () => {
    // A slow link between source and sink delays the push by its round trips; page
    // faults go straight to the source (FetchPages). The workload is paused for the
    // move and resumed on the sink as soon as the source serves its pages, so its
    // travelers run before the push reaches them.
    const proxy = await TcpProxy.start(B);
    try {
      proxy.delay(100);
      const w = await startProgram(A, 'ctrl', example('workload.s'), { travelers: 4 });
      await logA.waitFor((e) => e.kind === 'console' && e.task === w && e.traveler === 0 && e.text.startsWith('round 1 '), 10_000, 'round 1 of traveler 0');
      await pause(A, w);

      const migration = migrateRpc(A, w, proxy.address, { mode: 'lazy', sinkName: 'live-b' });
      migration.catch(() => undefined);
      await logA.waitFor((e) => e.kind === 'migration' && e.task === w && e.phase === 'postcopy', 10_000, 'the source serving pages');
      await resume(B, w);
      const resumed = (await taskOn(B, w))!;
      expect(resumed.pagesPresent, 'pages on the sink once it runs').to.be.below(resumed.pages);
      const stats = await migration;
      expectCompleted(stats, 'lazy migration of the workload');
      expect(stats.lazyFaultsServed, 'lazy_faults_served').to.be.at.least(1);
      expect(stats.residualMs, 'residual_ms').to.be.greaterThan(0);
      expect(stats.resumeMs, 'resume_ms').to.be.at.most(stats.totalMs);
      await logB.waitFor((e) => e.kind === 'migration' && e.task === w && e.phase === 'residual-complete', 5000, 'residual-complete on the sink');

      const done = await waitExited(B, w);
      expect(done.pagesPresent, 'pages present on the sink').to.equal(done.pages);
      expect(done.travelers.map((t) => `${t.id}:${t.status}:${t.exitCode}`)).to.deep.equal(['0:exited:0', '1:exited:0', '2:exited:0', '3:exited:0']);
      expectRounds(w);
      await kill(B, w);
    } finally {
      await proxy.close();
    }
  });
  it('moves a running workload over a slow link: its travelers fault pages in, none is faulted as lost', async () => {
    const proxy = await TcpProxy.start(B);
    try {
      proxy.delay(150);
      const w = await startProgram(A, 'ctrl', example('workload.s'), { travelers: 4 });
      await logA.waitFor((e) => e.kind === 'console' && e.task === w && e.traveler === 0 && e.text.startsWith('round 1 '), 10_000, 'round 1 of traveler 0');
      const stats = await migrateRpc(A, w, proxy.address, { mode: 'lazy', sinkName: 'live-b' });
      expectCompleted(stats, 'lazy migration of the workload');
      await logB.waitFor((e) => e.kind === 'migration' && e.task === w && e.phase === 'residual-complete', 5000, 'residual-complete on the sink');
      const done = await waitExited(B, w);
      expect(logB.events.filter((e) => e.kind === 'fault' && e.task === w).map((e) => `${e.fault}: ${e.message}`), 'faults on the sink').to.deep.equal([]);
      expect(stats.lazyFaultsServed, 'lazy_faults_served').to.be.at.least(1);
      expect(done.travelers.map((t) => `${t.id}:${t.status}:${t.exitCode}`)).to.deep.equal(['0:exited:0', '1:exited:0', '2:exited:0', '3:exited:0']);
      expectRounds(w);
      await kill(B, w);
    } finally {
      await proxy.close();
    }
  });

  /** Each traveler printed rounds 0..11 once, first on live-a then on live-b, and no fault happened. */
  function expectRounds(w: string): void {
    for (const t of [0, 1, 2, 3]) {
      const onA = rounds(travelerLines(logA, w, t));
      const onB = rounds(travelerLines(logB, w, t));
      expect(onB.length, `traveler ${t}: rounds printed on live-b`).to.be.greaterThan(0);
      expect([...onA, ...onB], `traveler ${t}: rounds on live-a then live-b`).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    }
    expect(logB.events.filter((e) => e.kind === 'fault' && e.task === w), 'faults on the sink').to.deep.equal([]);
  }
});

describe('Post-copy when the source dies before the push is done', function () {
  let nodes: Record<string, NodeProcess>;
  let C: string;
  let D: string;
  let logC: EventLog;
  let logD: EventLog;

  before(async function () {
    this.timeout(30_000);
    nodes = await startLiveNodes(['live-c', 'live-d']);
    C = nodes['live-c']!.address;
    D = nodes['live-d']!.address;
    [logC, logD] = await Promise.all([openLog(C), openLog(D)]);
  });

  after(cleanup);

  it('SIGKILL of the source mid-push: postcopy-paused, then after the recovery timeout the traveler that needs a lost page faults with kind lost; the sink goes on', async function () {
    this.timeout(60_000);
    // A task of the sink's own, to show the node keeps running everything else.
    const bystander = await startProgram(D, 'ctrl', example('counter.s'));
    const walker = await startProgram(C, 'bulk', liveProgram('live-walker.s'));
    await logC.waitFor((e) => e.kind === 'console' && e.task === walker && e.text.startsWith('walk '), 20_000, 'the walker filling its heap');

    // The push goes through a proxy that is frozen as soon as it starts. The walker
    // is paused for the move and resumed on the sink then (so its first faults find
    // the source serving); once it has faulted some pages in, the source is killed:
    // the sink holds only what it fetched.
    const proxy = await TcpProxy.start(D);
    try {
      await pause(C, walker);
      // Gone for good: the sink waits (postcopy-paused) for the recovery timeout, then reports the loss.
      const migration = migrateRpc(C, walker, proxy.address, { mode: 'lazy', sinkName: 'live-d', postcopyRecoverMs: 2000 }).then(
        () => 'completed',
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
      await logC.waitFor((e) => e.kind === 'migration' && e.task === walker && e.phase === 'postcopy', 15_000, 'the push to begin');
      proxy.holdAfter(0);
      await resume(D, walker);
      await poll('the walker to fault pages in on the sink', async () => ((await taskOn(D, walker))?.pagesPresent ?? 0) > 0, 5000, 5);
      await killProcess(nodes['live-c']!.child, 'SIGKILL');
      const killedAt = Date.now();

      const fault = await logD.waitFor((e) => e.kind === 'fault' && e.task === walker, 10_000, 'a fault of the walker on the sink');
      const after = Date.now() - killedAt;
      expect(fault, 'the health-monitor event').to.include({ fault: 'lost', traveler: 0 });
      expect(after, 'ms from the kill to the fault event').to.be.below(10_000);
      const lost = migrationEvents(logD, walker, 'residual-lost');
      expect(lost, 'residual-lost on the sink').to.have.length(1);
      // Lost because the source is gone, not because it did not know the migration.
      expect(lost[0]!.detail).to.match(/unreachable: cannot fetch pages from /).and.not.match(/not found/);
      expect(migrationEvents(logD, walker, 'residual-complete'), 'residual-complete on the sink').to.deep.equal([]);
      expect(migrationEvents(logD, walker, 'postcopy').some((e) => e.kind === 'migration' && e.detail.startsWith('postcopy-paused')), 'postcopy-paused on the sink before the loss').to.equal(true);

      // The sink answers and shows the loss; its other task keeps printing.
      const t = (await taskOn(D, walker))!;
      expect(t.travelers[0]!.status, 'the walker').to.equal('faulted');
      expect(t.travelers[0]!.fault).to.match(/^lost: /);
      expect(t.pagesPresent, 'pages that reached the sink').to.be.greaterThan(0).and.below(t.pages);
      const n = logD.numbers(bystander, COUNTER).at(-1) ?? 0;
      await logD.waitForNumber(bystander, COUNTER, n + 3, 5000);
      expect(consecutive(logD.numbers(bystander, COUNTER))).to.equal(undefined);
      expect(logD.events.filter((e) => e.kind === 'fault' && e.task === bystander), 'faults of the other task').to.deep.equal([]);

      // The migrate call ended too (the source is gone), it did not hang.
      const outcome = await Promise.race([migration, new Promise<string>((r) => setTimeout(() => r('still running'), 10_000))]);
      expect(outcome).to.not.equal('still running');
    } finally {
      await proxy.close();
    }
  });
});
