/**
 * Pre-copy (live) migration between real node processes (issue 4, point 2): pages
 * are copied while the travelers run, the pages they dirty are sent again round
 * after round, and the task stops only when the dirty set is small enough
 * (`--precopy-stop-pages`) or the rounds run out (`--precopy-max-rounds`).
 *
 * live-churn.s rewrites a write set of its heap every tick and checks each page
 * holds what it stored there the pass before: a dirty page that pre-copy failed
 * to send again would show up on the sink as "corrupt page P".
 */
import { expect } from 'chai';
import { cleanup, consecutive, example, type EventLog, type NodeProcess } from '../support/processes.ts';
import { expectCompleted, kill, liveProgram, migrateCli, openLog, startLiveNodes, startProgram, taskOn } from '../support/live-harness.ts';

const CHURN = liveProgram('live-churn.s');
/** live-churn.s prints "pass N" every REPORT passes. */
const REPORT = 50;

describe('Pre-copy (live) migration between node processes', function () {
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

  /** "pass N" numbers a churn task printed on a node. */
  const passes = (log: EventLog, task: string): number[] => log.numbers(task, 'pass ');

  /** After a move C → D: the churn task goes on from where it was, and never finds a stale page. */
  async function expectChurnIntact(task: string): Promise<void> {
    const last = passes(logC, task).at(-1)!;
    await logD.waitForNumber(task, 'pass ', last + 3 * REPORT, 10_000);
    const all = [...passes(logC, task), ...passes(logD, task)].map((n) => n / REPORT);
    expect(consecutive(all), '"pass N" lines on live-c then live-d').to.equal(undefined);
    const bad = [...logC.console(task), ...logD.console(task)].filter((l) => !l.startsWith('pass '));
    expect(bad, 'other console lines (a stale page prints "corrupt page P")').to.deep.equal([]);
    expect((await taskOn(D, task))?.run, 'the task on live-d').to.equal('running');
  }

  it('moves a task with a small write set: at least two rounds, and it stops with at most --precopy-stop-pages dirty', async () => {
    const churn = await startProgram(C, 'bulk', CHURN, { set: { PAGES: 8 } });
    await logC.waitForNumber(churn, 'pass ', 2 * REPORT, 10_000);

    const stats = await migrateCli(churn, 'live-c', 'live-d', 'precopy', ['--precopy-stop-pages', '16']);
    expectCompleted(stats, 'pre-copy of the small write set');
    expect(stats).to.include({ taskId: churn, mode: 'MIGRATION_MODE_PRECOPY', source: 'live-c', sink: 'live-d' });
    // uint64 counts are strings in the JSON of migrate --json.
    const perRound = stats.pagesPerRound.map(Number);
    expect(stats.rounds, 'rounds (live rounds plus the stop-and-copy)').to.be.at.least(2);
    expect(perRound, 'pages_per_round: one entry per round').to.have.length(stats.rounds);
    expect(perRound[0], 'round 0 sends every present page').to.be.greaterThan(1000);
    expect(Number(stats.finalDirtyPages), 'final_dirty_pages').to.be.at.most(16);
    expect(perRound.at(-1), 'the last round sends the final dirty set').to.equal(Number(stats.finalDirtyPages));
    expect(stats.downtimeMs, 'downtime_ms').to.be.greaterThan(0).and.at.most(stats.totalMs);

    await expectChurnIntact(churn);
    await kill(D, churn);
  });

  it('moves a task whose write set never shrinks: with no downtime to spare it stops at --precopy-max-rounds and arrives intact', async () => {
    const churn = await startProgram(C, 'bulk', CHURN, { set: { PAGES: 1024 } });
    await logC.waitForNumber(churn, 'pass ', 2 * REPORT, 10_000);

    // --downtime-limit 0: only the page and round rules can end the live rounds.
    const stats = await migrateCli(churn, 'live-c', 'live-d', 'precopy', ['--precopy-stop-pages', '16', '--precopy-max-rounds', '2', '--downtime-limit', '0']);
    expectCompleted(stats, 'pre-copy of the large write set');
    // Two live rounds, then the stop-and-copy of what is still dirty.
    const perRound = stats.pagesPerRound.map(Number);
    expect((stats as unknown as { precopyStop: string }).precopyStop, 'the rule that stopped it').to.equal('PRECOPY_STOP_MAX_ROUNDS');
    expect(stats.rounds, 'rounds').to.equal(3);
    expect(perRound, 'pages_per_round').to.have.length(3);
    expect(perRound[1], 'round 1 re-sends the write set').to.be.at.least(1024);
    expect(Number(stats.finalDirtyPages), 'final_dirty_pages: more than the stop threshold').to.be.greaterThan(16);
    expect(perRound[2], 'the stop-and-copy round').to.equal(Number(stats.finalDirtyPages));

    await expectChurnIntact(churn);
    await kill(D, churn);
  });

  it('moves the counter: it keeps printing while its pages are copied and goes on at N+1', async () => {
    const counter = await startProgram(C, 'ctrl', example('counter.s'));
    await logC.waitForNumber(counter, 'counter ', 3, 5000);

    const stats = await migrateCli(counter, 'live-c', 'live-d', 'precopy');
    expectCompleted(stats, 'pre-copy of the counter');
    expect(stats.rounds, 'rounds').to.be.at.least(2);
    expect(Number(stats.finalDirtyPages), 'final_dirty_pages (default stop threshold 64)').to.be.at.most(64);

    const last = logC.numbers(counter, 'counter ').at(-1)!;
    await logD.waitForNumber(counter, 'counter ', last + 3, 5000);
    expect(logD.numbers(counter, 'counter ')[0], 'first line on live-d').to.equal(last + 1);
    expect(consecutive([...logC.numbers(counter, 'counter '), ...logD.numbers(counter, 'counter ')])).to.equal(undefined);
    await kill(D, counter);
  });
});
