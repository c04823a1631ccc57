/**
 * Many migrations at once in a cluster of several node processes (README,
 * "Migration control": many at once): 40 tasks on 4 nodes, 12 moves asked of the
 * middleware at once, with `max_cluster 3` and `max_outbound 2`. Those over a
 * limit wait with the limit's reason; none fails, none is lost, and every task
 * ends in exactly one place, the moved ones on their targets. The same world at
 * 16 nodes, 1,000 tasks and 100 moves is `npm run bench -- scale`.
 */
import { expect } from 'chai';
import { forgetCluster, stopMiddlewares } from '../support/middleware-harness.ts';
import { cleanup, tempDir } from '../support/processes.ts';
import { census, moveAll, nodeWaits, outboundPeaks, planMoves, scaleCluster, startScaleWorld, type ScaleShape, type ScaleWorld } from '../support/scale-harness.ts';

const SHAPE: ScaleShape = { nodes: 4, tasks: 40, slots: 16, maxOutbound: 2, maxCluster: 3 };
const MOVES = 12;

describe('Many migrations at once across node processes (scale)', function () {
  this.timeout(60_000);
  let world: ScaleWorld;
  let file = '';

  before(async function () {
    this.timeout(40_000);
    const dir = tempDir('migvisor-scale-');
    file = scaleCluster(dir, SHAPE);
    world = await startScaleWorld(dir, file, SHAPE);
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (file) forgetCluster(file);
  });

  it(`moves ${MOVES} of ${SHAPE.tasks} tasks asked at once under max_cluster ${SHAPE.maxCluster} and max_outbound ${SHAPE.maxOutbound}; every task ends in exactly one place`, async () => {
    const before = await census(world);
    expect(before.once, 'every task started once').to.equal(SHAPE.tasks);

    // Three in a row from one source: the cluster's three turns are one node's, so its limit of two bites too.
    const orders = planMoves(world, MOVES, 3);
    expect(new Set(orders.map((o) => o.task)).size).to.equal(MOVES);
    const results = await moveAll(world, orders, 30_000);

    expect(results.map((r) => r.error ?? r.stats?.status)).to.deep.equal(orders.map(() => 'MIGRATION_STATUS_COMPLETED'));
    const clusterWaits = results.filter((r) => r.waiting.length > 0);
    expect(clusterWaits.length, 'moves that waited under max_cluster').to.be.at.least(1);
    for (const r of clusterWaits) expect(r.waiting[0]).to.match(/^waiting for a turn: 3 of 3 migrations in the cluster \(max_cluster 3\) in flight \(\d+ ahead\)$/);
    // The cluster's first three turns are all scale-00's: the third waits under that node's own limit, and says so.
    const waits = nodeWaits(world);
    expect(waits.map((w) => w.node), 'nodes whose migrations waited under max_outbound').to.include('scale-00');
    for (const w of waits) expect(w.detail).to.match(new RegExp(`^to scale-\\d+: waiting for a turn: 2 of 2 outbound migrations of ${w.node} \\(max_outbound 2\\) in flight`));

    const peaks = [...outboundPeaks(world).values()];
    expect(Math.max(...peaks), 'most outbound migrations of one node in flight at once').to.equal(2);

    const after = await census(world);
    expect(after.missing, 'lost').to.deep.equal([]);
    expect(after.duplicated, 'in two places').to.deep.equal([]);
    expect(after.unknown, 'unknown ids').to.deep.equal([]);
    expect(after.misplaced, 'not where they should be').to.deep.equal([]);
    expect(after.once).to.equal(SHAPE.tasks);
    for (const o of orders) expect(after.holders.get(o.task), o.task).to.deep.equal([o.to]);
  });
});
