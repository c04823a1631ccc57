/**
 * Cancelling a park (README, "Migration control"): a park is a full migration
 * from the node to the middleware's archive; cancelled while its pages flow
 * (CancelMigration as soon as QueryMigrate shows it), the park fails, no
 * snapshot is stored, and the task runs on its node again with its memory
 * (live-dirtier.s checks it) and its counter; `migrate cancel` then has nothing
 * to cancel.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { unary } from '../../src/common/clients.ts';
import { cleanup, cliOk, consecutive, fixture, migTask, poll, spawnCli, tempDir, type NodeProcess } from '../support/processes.ts';
import { liveProgram, openLog, startProgram, taskOn } from '../support/live-harness.ts';
import { forgetCluster, listOverGrpc, privateCluster, startMiddleware, startNodesApart, stopMiddlewares, type MiddlewareProcess } from '../support/middleware-harness.ts';

describe('Cancelling a park', function () {
  this.timeout(60_000);
  let BULK: string;
  let nodes: Record<string, NodeProcess>;
  let mw: MiddlewareProcess;

  before(async function () {
    this.timeout(40_000);
    BULK = privateCluster(fixture('middleware-bulk.yaml'));
    nodes = await startNodesApart(BULK, ['bulk-a'], { boot: false });
    mw = await startMiddleware(BULK, `file://${path.join(tempDir('migvisor-park-cancel-'), 'store')}`);
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (BULK) forgetCluster(BULK);
  });

  it('fails the park, stores nothing, and the task runs on its node again with its memory and counter', async () => {
    const A = nodes['bulk-a']!.address;
    const log = await openLog(A, 'bulk');
    const task = await startProgram(A, 'bulk', liveProgram('live-dirtier.s'), { set: { PAGES: 512, DELAY: 2000, REPORT: 1 } });
    await log.waitForNumber(task, 'pass ', 3, 10_000);

    const park = spawnCli(['snapshot', 'park', task, '--node', 'bulk-a', '--cluster', BULK, '--middleware', mw.address], { timeoutMs: 45_000 });
    const c = migTask(A);
    await poll('the park in flight', async () => (await unary(c.QueryMigrate, c, { taskId: task }, 'query')).inFlight || undefined, 20_000, 2);
    // At once over gRPC (what `migrate cancel` sends; the command would start too late: a park of 2 MiB takes a moment).
    const r = await unary(c.CancelMigration, c, { taskId: task }, 'cancel the park');
    expect(r.cancelled, 'cancelled in flight').to.equal(true);
    const end = await park.result;
    expect(end.code, 'the park fails').to.equal(1);
    expect(end.stderr).to.contain('was cancelled');
    expect((await taskOn(A, task))?.run, 'on bulk-a').to.equal('running');
    const again = await cliOk(['migrate', 'cancel', task, '--node', 'bulk-a', '--cluster', BULK]);
    expect(again, 'nothing left to cancel').to.equal(`no migration of ${task} in flight on bulk-a: nothing to cancel\n`);
    expect((await listOverGrpc(mw.address)).snapshots, 'no snapshot stored').to.deep.equal([]);
    await log.waitForNumber(task, 'pass ', (log.numbers(task, 'pass ').at(-1) ?? 0) + 3, 10_000);
    expect(consecutive(log.numbers(task, 'pass ')), 'its counter goes on by one').to.equal(undefined);
    expect(log.console(task).filter((l) => !l.startsWith('pass ')), 'no "corrupt page" line').to.deep.equal([]);
  });
});
