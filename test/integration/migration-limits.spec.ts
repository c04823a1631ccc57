/**
 * Many migrations at once between real node processes (README, "Migration
 * control": many at once): a node has at most `migration.max_outbound` (here 2)
 * migrations in flight; the others wait their turn with a reason that
 * `migrate status` and `watch` show, none is lost, and every task ends in
 * exactly one place with its counter going on by one.
 */
import { expect } from 'chai';
import { serverStream, unary } from '../../src/common/clients.ts';
import { recordNode } from '../../src/common/endpoints.ts';
import type { MigrationStats__Output } from '../../src/generated/migvisor/v1/MigrationStats.ts';
import { cleanup, cliOk, consecutive, example, fixture, migTask, ps, startNodes, startTask, type NodeProcess } from '../support/processes.ts';
import { openLog } from '../support/live-harness.ts';

const FILE = fixture('migration-limits.yaml');
const TASKS = 6;

describe('Migration limits between node processes', function () {
  this.timeout(60_000);
  let A: string;
  let B: string;
  let nodes: Record<string, NodeProcess>;

  before(async function () {
    this.timeout(30_000);
    nodes = await startNodes(FILE, ['lim-a', 'lim-b'], { boot: false });
    for (const n of Object.values(nodes)) recordNode(FILE, n.name, n.address);
    A = nodes['lim-a']!.address;
    B = nodes['lim-b']!.address;
  });

  after(cleanup);

  it(`moves ${TASKS} counters requested at once with at most 2 in flight, the others waiting visibly; each ends on the sink exactly once`, async () => {
    const [log, logB] = await Promise.all([openLog(A, 'many'), openLog(B, 'many')]);
    const tasks: string[] = [];
    for (let i = 0; i < TASKS; i++) tasks.push(await startTask(A, 'many', example('counter.s')));
    await log.waitForNumber(tasks.at(-1)!, 'counter ', 2, 10_000);

    const c = migTask(A);
    // So slow (a few KiB at 1 KiB/s) that they overlap and a `migrate status` command has time to see one wait;
    // once it has, `migrate set` lifts the cap of each (SetMigration works on waiting ones too).
    const moves = tasks.map(async (t) => {
      let stats: MigrationStats__Output | null = null;
      const call = c.StopAndTransfer({ taskId: t, sink: B, sinkName: 'lim-b', mode: 'MIGRATION_MODE_FULL', compression: 'COMPRESSION_NONE', maxBandwidthBytesPerS: 1024 });
      for await (const m of serverStream(call, `migrate ${t}`)) if (m.stats) stats = m.stats;
      return stats!;
    });
    let done = false;
    const all = Promise.all(moves).finally(() => (done = true));

    // Watch them as `migrate status` would, until all are done.
    let most = 0;
    const reasons = new Set<string>();
    let cliWaiting = '';
    const outs: string[] = [];
    while (!done) {
      const qs = await Promise.all(tasks.map((t) => unary(c.QueryMigrate, c, { taskId: t }, `query ${t}`).catch(() => undefined)));
      const flying = qs.filter((q) => q?.inFlight && !q.waiting).length;
      most = Math.max(most, flying);
      for (const q of qs) if (q?.waiting) reasons.add(q.waiting);
      // The last in the queue waits longest: time enough for a command to start and ask.
      const waiter = [...tasks].reverse().find((t) => qs[tasks.indexOf(t)]?.waiting);
      if (!cliWaiting && waiter) {
        const out = await cliOk(['migrate', 'status', waiter, '--node', 'lim-a', '--cluster', FILE]).catch((e: Error) => e.message);
        if (out.includes('waiting')) cliWaiting = out;
        else outs.push(out);
      }
      if (cliWaiting) {
        for (const [i, q] of qs.entries()) {
          if (q?.inFlight && Number(q.maxBandwidthBytesPerS) > 0) await unary(c.SetMigration, c, { taskId: tasks[i]!, maxBandwidthBytesPerS: 0 }, 'lift the cap').catch(() => undefined);
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const stats = await all;

    expect(most, 'most migrations in flight at once').to.be.at.most(2).and.at.least(1);
    expect([...reasons].some((r) => /waiting for a turn: 2 of 2 outbound migrations of lim-a \(max_outbound 2\) in flight/.test(r)), `waiting reasons: ${[...reasons].join(' | ')}`).to.equal(true);
    expect(cliWaiting, `\`migrate status\` of a waiting migration names the limit: ${outs.join(' | ')}`).to.match(/waiting\s+│ waiting for a turn: 2 of 2 outbound migrations of lim-a/);
    expect(stats.map((s) => s.status)).to.deep.equal(tasks.map(() => 'MIGRATION_STATUS_COMPLETED'));
    expect(stats.filter((s) => s.queuedMs > 0).length, 'some waited their turn').to.be.at.least(TASKS - 2);
    const waitingEvents = log.events.filter((e) => e.kind === 'migration' && e.phase === 'waiting');
    expect(waitingEvents.length, 'a `waiting` event per migration that waited').to.be.at.least(TASKS - 2);

    // Every task in exactly one place: on lim-b, not on lim-a; each counter goes on by one.
    const onA = (await ps(A)).filter((t) => tasks.includes(t.taskId));
    const onB = (await ps(B)).filter((t) => tasks.includes(t.taskId)).map((t) => t.taskId);
    expect(onA, 'left on lim-a').to.deep.equal([]);
    expect(onB.sort(), 'on lim-b, each once').to.deep.equal([...tasks].sort());
    for (const t of tasks) {
      const last = log.numbers(t, 'counter ').at(-1)!;
      await logB.waitForNumber(t, 'counter ', last + 2, 10_000);
      expect(consecutive([...log.numbers(t, 'counter '), ...logB.numbers(t, 'counter ')]), `counter of ${t}`).to.equal(undefined);
    }
  });
});
