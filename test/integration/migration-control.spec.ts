/**
 * Migration control between real node processes (README, "Migration control"):
 * the stop rules of pre-copy and which one stopped it, auto-converge on a task
 * that would not converge without it, `migrate status` and the status and pass
 * events while a migration runs, and `migrate cancel` in every phase of every
 * mode before the commit (the task runs on the source again, its counter goes on
 * by one and its memory checks out), refused once a lazy migration switched over.
 *
 * live-dirtier.s and live-churn.s check their own memory: a page lost or sent
 * stale prints "corrupt page P". `--max-bandwidth` makes each phase last long
 * enough for the test to act in it, without timing anything.
 */
import { expect } from 'chai';
import { unary } from '../../src/common/clients.ts';
import type { QueryMigrateResponse__Output } from '../../src/generated/migvisor/v1/QueryMigrateResponse.ts';
import { cleanup, cliOk, consecutive, migTask, poll, ps, runCli, spawnCli, type EventLog, type NodeProcess } from '../support/processes.ts';
import type { FlatEvent } from '../support/wire-view.ts';
import { expectCompleted, kill, LIVE, liveProgram, migrateCli, openLog, startLiveNodes, startProgram, taskOn, type Stats } from '../support/live-harness.ts';

const DIRTIER = liveProgram('live-dirtier.s');
const CHURN = liveProgram('live-churn.s');

/** The statistics fields of migration control, in the JSON of `migrate --json`. */
type ControlStats = Stats & { precopyStop: string; throttlePerRound: number[]; expectedDowntimeMs: number; downtimeLimitMs: number; transferBytesPerS: string };

describe('Migration control between node processes', function () {
  this.timeout(60_000);
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

  /** No task of a failed test stays in the one `bulk` slot of a node. */
  async function clearBulk(): Promise<void> {
    for (const address of [C, D]) for (const t of await ps(address)) if (t.partition === 'bulk' && t.taskId) await kill(address, t.taskId).catch(() => undefined);
  }

  const query = (address: string, task: string): Promise<QueryMigrateResponse__Output> => {
    const c = migTask(address);
    return unary(c.QueryMigrate, c, { taskId: task }, `query ${task}`);
  };

  /** Waits until the migration of `task` from live-c is in flight and `pred` holds of it. */
  const whenMigration = (task: string, what: string, pred: (q: QueryMigrateResponse__Output) => boolean): Promise<QueryMigrateResponse__Output> =>
    poll(what, async () => {
      const q = await query(C, task);
      return q.inFlight && pred(q) ? q : undefined;
    }, 20_000, 5);

  /** The migration events of `task` in a log, from sequence number `after` on. */
  const migrationEvents = (log: EventLog, task: string, after = 0): FlatEvent[] => log.events.filter((e) => e.kind === 'migration' && e.task === task && e.seq > after);
  const statuses = (log: EventLog, task: string, after = 0): string[] => migrationEvents(log, task, after).filter((e) => e.phase === 'status').map((e) => e.status);
  const lastSeq = (log: EventLog): number => log.events.at(-1)?.seq ?? 0;

  /** The task printed no "corrupt page" line anywhere, and its "pass N" lines run on by one across both nodes. */
  function expectIntact(task: string, step: number): void {
    const all = [...logC.numbers(task, 'pass '), ...logD.numbers(task, 'pass ')].sort((a, b) => a - b).map((n) => n / step);
    expect(consecutive(all), '"pass N" lines: the counter goes on by one, nothing repeated or lost').to.equal(undefined);
    const bad = [...logC.console(task), ...logD.console(task)].filter((l) => !l.startsWith('pass '));
    expect(bad, 'other console lines (a stale page prints "corrupt page P")').to.deep.equal([]);
  }

  describe('stop rules', () => {
    afterEach(clearBulk);
    it('stops a 1,024-page write set by the downtime limit after one round, and by no-progress when no downtime is allowed', async () => {
      const churn = await startProgram(C, 'bulk', CHURN, { set: { PAGES: 1024 } });
      await logC.waitForNumber(churn, 'pass ', 100, 10_000);

      // A limit this loaded machine always meets for 4 MiB (the default, 300 ms, is the bench's).
      const fits = (await migrateCli(churn, 'live-c', 'live-d', 'precopy', ['--compress', 'none', '--downtime-limit', '10000'])) as ControlStats;
      expectCompleted(fits, 'pre-copy with room for the write set in the downtime limit');
      expect(fits.precopyStop, `the rule that stopped it: ${JSON.stringify(fits)}`).to.equal('PRECOPY_STOP_DOWNTIME_LIMIT');
      expect(fits.downtimeLimitMs, 'the downtime limit asked for').to.equal(10_000);
      expect(fits.rounds, 'one live round, then the stop-and-copy').to.equal(2);
      expect(fits.expectedDowntimeMs, 'expected downtime at the stop').to.be.greaterThan(0).and.at.most(10_000);
      expect(Number(fits.bytes), 'bytes sent: the write set twice, not 13 rounds of it').to.be.below(3 * 1024 * 4096);

      const stuck = (await migrateCli(churn, 'live-d', 'live-c', 'precopy', ['--compress', 'none', '--downtime-limit', '0', '--precopy-stop-pages', '16'])) as ControlStats;
      expectCompleted(stuck, 'pre-copy with no downtime allowed');
      expect(stuck.precopyStop, `the rule that stopped it: ${JSON.stringify(stuck)}`).to.equal('PRECOPY_STOP_NO_PROGRESS');
      expect(stuck.rounds, 'two live rounds (the second did not shrink the dirty set), then the stop-and-copy').to.equal(3);
      expect(stuck.finalDirtyPages, 'the write set, sent in the stop-and-copy').to.equal('1024');
      await logC.waitForNumber(churn, 'pass ', (logD.numbers(churn, 'pass ').at(-1) ?? 0) + 100, 10_000);
      expectIntact(churn, 50);
      await kill(C, churn);
    });
  });

  describe('auto-converge', () => {
    let running: { child: { kill(): boolean } } | undefined;
    afterEach(async () => {
      running?.child.kill();
      await clearBulk();
    });
    it('converges a task that dirties memory faster than a --max-bandwidth link, which does not converge without it; status and events show it', async () => {
      const task = await startProgram(C, 'bulk', DIRTIER, { set: { PAGES: 512, DELAY: 2000, REPORT: 1 } });
      await logC.waitForNumber(task, 'pass ', 3, 10_000);
      const link = ['--compress', 'none', '--max-bandwidth', '4MiB/s', '--precopy-max-rounds', '30'];

      // Its dirty rate, measured without migrating it: every page of the write set within the window.
      const rate = JSON.parse(await cliOk(['dirty-rate', task, '--node', 'live-c', '--ms', '300', '--cluster', LIVE, '--json'])) as { pagesDirtied: string; pagesPerS: number; bytesPerS: string; pageSize: number };
      expect(Number(rate.pagesDirtied), 'distinct pages dirtied in 300 ms').to.equal(512);
      expect(rate.pagesPerS, 'pages/s').to.be.greaterThan(0);
      expect(Number(rate.bytesPerS), 'bytes/s').to.be.closeTo(rate.pagesPerS * 4096, 4096);
      expect(await cliOk(['dirty-rate', task, '--node', 'live-c', '--ms', '50', '--cluster', LIVE])).to.match(new RegExp(`^${task} on live-c: [0-9.]+ pages/s \\([0-9.]+ MiB/s\\), \\d+ distinct page\\(s\\) dirtied in [0-9.]+ ms`));

      const without = (await migrateCli(task, 'live-c', 'live-d', 'precopy', link)) as ControlStats;
      expectCompleted(without, 'pre-copy without auto-converge');
      expect(without.precopyStop, 'without auto-converge it gives up').to.equal('PRECOPY_STOP_NO_PROGRESS');
      expect(without.expectedDowntimeMs, 'and its downtime would exceed the limit').to.be.greaterThan(300);
      expect(without.throttlePerRound.every((t) => t === 0), 'never throttled').to.equal(true);
      await cliOk(['migrate', task, '--from', 'live-d', '--to', 'live-c', '--cluster', LIVE, '--json'], { timeoutMs: 30_000 });
      await logC.waitForNumber(task, 'pass ', (logD.numbers(task, 'pass ').at(-1) ?? 0) + 2, 10_000);

      const from = lastSeq(logC);
      const seen: QueryMigrateResponse__Output[] = [];
      const mig = spawnCli(['migrate', task, '--from', 'live-c', '--to', 'live-d', '--mode', 'precopy', '--auto-converge', ...link, '--cluster', LIVE, '--json'], { timeoutMs: 45_000 });
      running = mig;
      // query-migrate while it runs: the throttle shows once a pass found it dirtying too fast.
      const throttled = await whenMigration(task, 'a throttled pass in migrate status', (q) => {
        seen.push(q);
        return q.throttlePercent > 0;
      });
      const watch = spawnCli(['migrate', 'status', task, '--node', 'live-c', '--watch', '--interval-ms', '100', '--cluster', LIVE], { timeoutMs: 45_000 });
      expect(throttled).to.include({ status: 'MIGRATION_STATUS_ACTIVE', mode: 'MIGRATION_MODE_PRECOPY', sink: 'live-d', downtimeLimitMs: 300 });
      expect(throttled.pass, 'pass (the throttle is set as a pass ends)').to.be.at.least(1);
      expect(Number(throttled.maxBandwidthBytesPerS), 'the cap').to.equal(4 * 1024 * 1024);
      expect(Number(throttled.transferBytesPerS), 'transfer rate').to.be.greaterThan(0).and.at.most(4 * 1024 * 1024);
      expect(throttled.dirtyRatePagesPerS, 'dirty rate').to.be.greaterThan(0);
      expect(Number(throttled.remainingBytes), 'remaining bytes').to.be.greaterThan(0);
      const cli = JSON.parse(await cliOk(['migrate', 'status', task, '--node', 'live-c', '--cluster', LIVE, '--json'])) as { inFlight: boolean; status: string };
      expect(cli.inFlight, '`migrate status --json` while in flight').to.equal(true);

      const end = await mig.result;
      expect(end.code, `migrate: ${end.stderr}`).to.equal(0);
      // `migrate status --watch`: a line per look while it runs, then that it ended.
      const watched = await watch.result;
      expect(watched.code, `migrate status --watch: ${watched.stderr}`).to.equal(0);
      const lines = watched.stdout.trim().split('\n');
      expect(lines.at(-1)).to.match(new RegExp(`^migration of ${task} ended: task "${task}" not found on node live-c \\(it left for live-d at tick \\d+\\)$`));
      expect(lines.some((l) => /^active, pass \d+, remaining [0-9.]+ MiB, dirty [0-9.]+ pages\/s, transfer [0-9.]+[kMG]?bit, expected downtime [0-9.]+ ms, throttle [1-9]\d?%$/.test(l)), lines.join(' | ')).to.equal(true);
      const stats = (JSON.parse(end.stdout) as { stats: ControlStats }).stats;
      expectCompleted(stats, 'pre-copy with auto-converge');
      // Converged: by the downtime limit, or (faster streams) to a dirty set small enough outright.
      expect(['PRECOPY_STOP_DOWNTIME_LIMIT', 'PRECOPY_STOP_FEW_DIRTY'], 'it converged').to.include(stats.precopyStop);
      expect(stats.expectedDowntimeMs, 'within the downtime limit').to.be.at.most(300);
      const t = stats.throttlePerRound;
      expect(t.slice(0, 2), 'throttle per round: none, then 20 %').to.deep.equal([0, 20]);
      // Then 10 % more a round (at most 99 %) while it still dirties too fast, or the same.
      for (let i = 2; i < t.length; i++) expect([t[i - 1], Math.min(99, t[i - 1]! + 10)], `throttle of round ${i}`).to.include(t[i]);
      expect(Math.max(...t), 'it did throttle more').to.be.at.least(30);
      expect(t.length, 'one throttle per live round').to.equal(stats.rounds - 1);

      // The events, in order: setup, active, one pass event per live round, completed.
      await logC.waitFor((e) => e.task === task && e.phase === 'status' && e.status === 'completed' && e.seq > from, 5000, 'the completed status');
      expect(statuses(logC, task, from), 'status events on the source').to.deep.equal(['setup', 'active', 'completed']);
      const passes = migrationEvents(logC, task, from).filter((e) => e.phase === 'pass').map((e) => e.pass);
      expect(passes, 'one pass event per live round, numbered from 1').to.deep.equal(t.map((_, i) => i + 1));
      const order = migrationEvents(logC, task, from).map((e) => (e.phase === 'status' ? e.status : e.phase));
      expect(order.indexOf('active'), 'active before the first pass').to.be.below(order.indexOf('pass'));
      expect(order.lastIndexOf('pass'), 'the last pass before the stop').to.be.below(order.indexOf('stopped'));

      // On the sink it runs unthrottled and intact.
      await logD.waitForNumber(task, 'pass ', (logC.numbers(task, 'pass ').at(-1) ?? 0) + 3, 10_000);
      expectIntact(task, 1);
      await kill(D, task);
    });
  });

  describe('cancel', () => {
    let task: string;
    before(async () => {
      task = await startProgram(C, 'bulk', DIRTIER, { set: { PAGES: 512, DELAY: 2000, REPORT: 1 } });
      await logC.waitForNumber(task, 'pass ', 3, 10_000);
    });
    after(clearBulk);
    // A case that failed may have let the task go: bring it back for the next.
    afterEach(async () => {
      if (await taskOn(D, task)) await cliOk(['migrate', task, '--from', 'live-d', '--to', 'live-c', '--cluster', LIVE, '--json'], { timeoutMs: 30_000 });
    });

    const cases: { mode: string; phase: string; extra: string[]; at: (q: QueryMigrateResponse__Output) => boolean }[] = [
      // The caps make each phase last seconds: longer than the cancel command takes to start.
      { mode: 'full', phase: 'transfer', extra: ['--max-bandwidth', '512KiB/s'], at: (q) => q.phase === 'MIGRATION_PHASE_TRANSFER' && Number(q.bytesSent) > 0 },
      { mode: 'precopy', phase: 'precopy', extra: ['--max-bandwidth', '512KiB/s'], at: (q) => q.phase === 'MIGRATION_PHASE_PRECOPY' && q.pass >= 1 && Number(q.bytesSent) > 0 },
      {
        mode: 'precopy',
        phase: 'transfer',
        // The stop-and-copy of the dirty set takes seconds: longer than a cancel command takes to start on a busy machine.
        extra: ['--max-bandwidth', '512KiB/s', '--downtime-limit', '20000'],
        at: (q) => q.phase === 'MIGRATION_PHASE_TRANSFER',
      },
      { mode: 'lazy', phase: 'transfer', extra: ['--max-bandwidth', '1KiB/s'], at: (q) => q.phase === 'MIGRATION_PHASE_TRANSFER' },
      { mode: 'full', phase: 'negotiate', extra: ['--predict', '--max-bandwidth', '512KiB/s'], at: (q) => q.phase === 'MIGRATION_PHASE_NEGOTIATE' },
    ];
    for (const k of cases) {
      it(`${k.mode}, in the ${k.phase} phase: the task runs on the source again with its memory and counter; a second cancel changes nothing`, async () => {
        const from = lastSeq(logC);
        const mig = spawnCli(['migrate', task, '--from', 'live-c', '--to', 'live-d', '--mode', k.mode, '--compress', 'none', ...k.extra, '--cluster', LIVE], { timeoutMs: 45_000 });
        await whenMigration(task, `the ${k.mode} migration in its ${k.phase} phase`, k.at);
        const out = await cliOk(['migrate', 'cancel', task, '--node', 'live-c', '--cluster', LIVE]);
        expect(out).to.match(new RegExp(`^cancelled the migration .*of ${task} \\(.+\\); ${task} runs on live-c\\n$`));
        const end = await mig.result;
        expect(end.code, 'migrate fails').to.equal(1);
        expect(end.stderr).to.contain('was cancelled').and.contain('runs on live-c again');
        const again = await cliOk(['migrate', 'cancel', task, '--node', 'live-c', '--cluster', LIVE]);
        expect(again, 'idempotent').to.equal(`no migration of ${task} in flight on live-c: nothing to cancel\n`);
        expect((await taskOn(C, task))?.run, 'on live-c').to.equal('running');
        expect(await taskOn(D, task), 'nothing of it on live-d').to.equal(undefined);
        await logC.waitForNumber(task, 'pass ', (logC.numbers(task, 'pass ').at(-1) ?? 0) + 3, 10_000);
        expectIntact(task, 1);
        const st = statuses(logC, task, from);
        expect(st.at(-1), 'the last status').to.equal('cancelled');
        if (k.phase !== 'negotiate') expect(st, 'statuses').to.include.members(['setup', 'active', 'cancelling', 'cancelled']);
        expect(st.filter((x) => x === 'cancelled'), 'one final status').to.have.length(1);
      });
    }

    it('a client that cancels its StopAndTransfer call, or a migrate CLI stopped by Ctrl-C, cancels the migration: the task runs on the source again', async () => {
      // A gRPC client's cancel (what a deadline on the call or the client's death also do).
      const from = lastSeq(logC);
      const c = migTask(C);
      const call = c.StopAndTransfer({ taskId: task, sink: D, sinkName: 'live-d', mode: 'MIGRATION_MODE_FULL', compression: 'COMPRESSION_NONE', maxBandwidthBytesPerS: 512 * 1024 });
      const ended = new Promise<string>((resolve) => {
        call.on('error', (e: Error & { code?: number }) => resolve(`code ${e.code}`));
        call.on('end', () => resolve('end'));
        call.on('data', () => undefined);
      });
      await whenMigration(task, 'the full migration sending pages', (q) => q.phase === 'MIGRATION_PHASE_TRANSFER' && Number(q.bytesSent) > 0);
      call.cancel();
      expect(await ended, 'the call ends cancelled').to.equal('code 1');
      await poll('the migration cancelled on live-c', async () => ((await query(C, task)).inFlight ? undefined : true), 10_000, 5);
      expect((await taskOn(C, task))?.run, 'on live-c').to.equal('running');
      expect(await taskOn(D, task), 'nothing of it on live-d').to.equal(undefined);
      expect(statuses(logC, task, from), 'its statuses, each once').to.deep.equal(['setup', 'active', 'cancelling', 'cancelled']);
      const resumed = migrationEvents(logC, task, from).find((e) => e.phase === 'resumed');
      expect(resumed?.detail, 'why it runs here again').to.contain('was cancelled: the call that asked for it ended');
      c.close();

      // migrate in a terminal, interrupted: SIGINT ends the CLI, and with it the call.
      const mig = spawnCli(['migrate', task, '--from', 'live-c', '--to', 'live-d', '--compress', 'none', '--max-bandwidth', '512KiB/s', '--cluster', LIVE], { timeoutMs: 45_000 });
      await whenMigration(task, 'the migration of the CLI sending pages', (q) => q.phase === 'MIGRATION_PHASE_TRANSFER' && Number(q.bytesSent) > 0);
      mig.child.kill('SIGINT');
      await mig.result;
      await poll('the interrupted migration cancelled on live-c', async () => ((await query(C, task)).inFlight ? undefined : true), 10_000, 5);
      expect((await taskOn(C, task))?.run, 'on live-c after Ctrl-C').to.equal('running');
      expect(await taskOn(D, task), 'nothing of it on live-d after Ctrl-C').to.equal(undefined);
      await logC.waitForNumber(task, 'pass ', (logC.numbers(task, 'pass ').at(-1) ?? 0) + 3, 10_000);
      expectIntact(task, 1);
    });

    it('status counts what is left to send: a full move only the pages that are not zero, a lazy one after its switch-over the pages the sink lacks', async () => {
      const full = spawnCli(['migrate', task, '--from', 'live-c', '--to', 'live-d', '--compress', 'none', '--max-bandwidth', '512KiB/s', '--cluster', LIVE, '--json'], { timeoutMs: 45_000 });
      const during = await whenMigration(task, 'the full migration sending pages', (q) => q.phase === 'MIGRATION_PHASE_TRANSFER' && Number(q.bytesSent) > 0);
      const moved = await full.result;
      expect(moved.code, moved.stderr).to.equal(0);
      const stats = (JSON.parse(moved.stdout) as { stats: Stats }).stats;
      // 16 MiB of heap, most of it zero: those pages never go, so they are not "remaining".
      expect(Number(during.remainingBytes), 'remaining bytes').to.be.greaterThan(0).and.at.most(Number(stats.pagesSent) * 4096);
      expect(during.expectedDowntimeMs, 'the rest at the measured rate').to.be.greaterThan(0);

      const lazy = spawnCli(['migrate', task, '--from', 'live-d', '--to', 'live-c', '--mode', 'lazy', '--compress', 'none', '--max-bandwidth', '1MiB/s', '--cluster', LIVE, '--json'], { timeoutMs: 45_000 });
      const queryD = async (): Promise<QueryMigrateResponse__Output> => query(D, task);
      const first = await poll('the lazy migration switched over', async () => {
        const q = await queryD();
        return q.inFlight && q.status === 'MIGRATION_STATUS_POSTCOPY_ACTIVE' && Number(q.remainingBytes) > 0 ? q : undefined;
      }, 20_000, 5);
      await new Promise((r) => setTimeout(r, 300));
      const later = await queryD();
      expect(first.expectedDowntimeMs, 'the switch-over is over').to.equal(0);
      expect(Number(first.remainingBytes), 'at most every page').to.be.at.most(16 * 1024 * 1024 + 3 * 64 * 1024);
      if (later.inFlight) expect(Number(later.remainingBytes), 'it only goes down').to.be.lessThan(Number(first.remainingBytes));
      const end = await lazy.result;
      expect(end.code, end.stderr).to.equal(0);
      expect((await taskOn(C, task))?.run, 'back on live-c').to.equal('running');
    });

    // At 1 B/s the first chunk runs the bucket hours into debt: what ends the wait must not wait for it.
    it('a cap of 1 B/s: the deadline ends the migration (the task runs on the source), a cancel ends it, and --unlimited lets it complete', async () => {
      const slow = ['migrate', task, '--from', 'live-c', '--to', 'live-d', '--compress', 'none', '--max-bandwidth', '8bit', '--cluster', LIVE];
      const late = await runCli([...slow, '--deadline-ms', '2000'], { timeoutMs: 30_000 });
      expect(late.code, late.stderr).to.equal(1);
      expect(late.stderr).to.contain('deadline exceeded').and.contain('runs on live-c again');
      expect((await taskOn(C, task))?.run, 'on live-c after the deadline').to.equal('running');

      const cancelled = spawnCli(slow, { timeoutMs: 30_000 });
      await whenMigration(task, 'the paced migration', (q) => q.phase === 'MIGRATION_PHASE_TRANSFER' && Number(q.bytesSent) > 0);
      await cliOk(['migrate', 'cancel', task, '--node', 'live-c', '--cluster', LIVE]);
      const end = await cancelled.result;
      expect(end.code, end.stderr).to.equal(1);
      expect(end.stderr).to.contain('was cancelled');
      expect((await taskOn(C, task))?.run, 'on live-c after the cancel').to.equal('running');

      const freed = spawnCli([...slow, '--json'], { timeoutMs: 30_000 });
      await whenMigration(task, 'the paced migration', (q) => q.phase === 'MIGRATION_PHASE_TRANSFER' && Number(q.bytesSent) > 0);
      expect(await cliOk(['migrate', 'set', task, '--node', 'live-c', '--unlimited', '--cluster', LIVE])).to.contain('max bandwidth unlimited');
      const done = await freed.result;
      expect(done.code, done.stderr).to.equal(0);
      expectCompleted((JSON.parse(done.stdout) as { stats: Stats }).stats, 'the migration set free');
      expect(await taskOn(D, task), 'on live-d').to.not.equal(undefined);
      await logD.waitForNumber(task, 'pass ', (logC.numbers(task, 'pass ').at(-1) ?? 0) + 3, 10_000);
      expectIntact(task, 1);
    });

    it('is refused once a lazy migration has switched over, with that reason; the migration completes', async () => {
      const mig = spawnCli(['migrate', task, '--from', 'live-c', '--to', 'live-d', '--mode', 'lazy', '--compress', 'none', '--max-bandwidth', '1MiB/s', '--cluster', LIVE, '--json'], { timeoutMs: 45_000 });
      await whenMigration(task, 'the lazy migration switched over', (q) => q.status === 'MIGRATION_STATUS_POSTCOPY_ACTIVE');
      const r = await runCli(['migrate', 'cancel', task, '--node', 'live-c', '--cluster', LIVE]);
      expect(r.code, 'refused').to.equal(1);
      expect(r.stderr.trim()).to.equal(
        `migvisor: CancelMigration refused in state Committing: the lazy migration of ${task} has switched over: ${task} runs on live-d and its remaining pages are still moving`,
      );
      const end = await mig.result;
      expect(end.code, `migrate: ${end.stderr}`).to.equal(0);
      expectCompleted((JSON.parse(end.stdout) as { stats: Stats }).stats, 'the lazy migration');
      await logD.waitForNumber(task, 'pass ', (logC.numbers(task, 'pass ').at(-1) ?? 0) + 3, 10_000);
      expectIntact(task, 1);
      await cliOk(['migrate', task, '--from', 'live-d', '--to', 'live-c', '--cluster', LIVE, '--json'], { timeoutMs: 30_000 });
    });
  });
});
