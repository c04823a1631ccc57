/**
 * A migration in doubt, as a client sees and settles it through the API: the
 * source's Ps and Info show the task held Committing with its migration id, peer
 * and status IN_DOUBT; the sink's QueryMigration tells what the sink holds; the
 * source's SettleMigration asks the sink now and acts on the answer. Two real
 * node servers on loopback; the sink's Commit and QueryMigration answers are
 * held back (for the source only) until the test lets them through.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { asyncScheduler } from 'rxjs';
import { Code, ManualClock, MigvisorError, migTaskClient, nodeClient, seededIds, unary } from '../../src/common/index.ts';
import { loadCluster } from '../../src/config/index.ts';
import { Node, NodeServer } from '../../src/hypervisor/index.ts';
import { migrateTask, RemoteSink } from '../../src/migtask/index.ts';
import { SilentSink } from '../support/silent-sink.ts';

const CLUSTER = path.resolve('config', 'cluster.yaml');
describe('a migration in doubt, through the API', function () {
  this.timeout(30_000);
  let a: Node;
  let b: Node;
  let serverA: NodeServer;
  let serverB: NodeServer;
  let sink: SilentSink;
  let clock: ManualClock;
  const clients: { close(): void }[] = [];

  beforeEach(async () => {
    const cluster = loadCluster(CLUSTER);
    clock = new ManualClock();
    a = new Node(cluster.nodes.find((n) => n.name === 'field-a')!, cluster, { ids: seededIds(17), clock });
    b = new Node(cluster.nodes.find((n) => n.name === 'field-b')!, cluster, { ids: seededIds(18) });
    serverA = new NodeServer(a);
    serverB = new NodeServer(b);
    await serverA.listen('127.0.0.1:0');
    await serverB.listen('127.0.0.1:0');
    a.boot();
    a.start(asyncScheduler);
    b.start(asyncScheduler);
    sink = new SilentSink(new RemoteSink(serverB.address));
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    sink.close();
    for (const n of [a, b]) n.stop();
    await serverA.shutdown(200);
    await serverB.shutdown(200);
    a.shutdown();
    b.shutdown();
  });

  /** Starts a migration whose commit goes unanswered; resolves once the source holds the task in doubt. */
  async function inDoubt(): Promise<string> {
    const task = a.slots[0]!.id!;
    let settled = false;
    void migrateTask(a, sink, { task, mode: 'full', compression: 'none', deadlineMs: 10_000, sinkName: 'field-b' }, () => {}, a.migrations).catch(() => (settled = true));
    for (let i = 0; i < 200 && !settled; i++) {
      await clock.advance(500);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(settled, 'the source gave up asking and holds the task').to.equal(true);
    return task;
  }

  it('shows the task held Committing (run state STOPPED, not RUNNING) with its migration (id, peer, IN_DOUBT) in Ps and Info', async () => {
    const task = await inDoubt();
    const ctl = nodeClient(serverA.address);
    const chan = migTaskClient(serverA.address);
    const ctlB = nodeClient(serverB.address);
    clients.push(ctl, chan, ctlB);
    const t = (await unary(ctl.Ps, ctl, {}, 'ps')).tasks.find((x) => x.taskId === task)!;
    expect(t.state).to.equal('MIG_STATE_COMMITTING');
    expect(t.run, 'its travelers are held by the migration').to.equal('RUN_STATE_STOPPED');
    const onB = (await unary(ctlB.Ps, ctlB, {}, 'ps')).tasks.find((x) => x.taskId === task)!;
    expect([onB.state, onB.run], 'staged on the sink until the commit').to.deep.equal(['MIG_STATE_STAGED', 'RUN_STATE_STOPPED']);
    expect(t.migration).to.deep.include({ peer: 'field-b', status: 'MIGRATION_STATUS_IN_DOUBT' });
    expect(t.migration!.migrationId).to.match(/^[0-9a-f-]{36}$/);
    const info = await unary(chan.Info, chan, { taskId: task }, 'info');
    expect(info.slot!.migration!.migrationId).to.equal(t.migration!.migrationId);
    expect(info.slot!.acceptedCommands, 'nothing but Info while it is held').to.deep.equal(['COMMAND_INFO']);
    // The sink, asked by a client with that id, says it holds the container staged.
    const sinkChan = migTaskClient(serverB.address);
    clients.push(sinkChan);
    const q = await unary(sinkChan.QueryMigration, sinkChan, { migrationId: t.migration!.migrationId }, 'query');
    expect(q.outcome).to.equal('MIGRATION_OUTCOME_STAGED');
  });

  it('SettleMigration departs when the sink turns out to run the task', async () => {
    const task = await inDoubt();
    sink.silent = false;
    const ctl = nodeClient(serverA.address);
    clients.push(ctl);
    const r = await unary(ctl.SettleMigration, ctl, { taskId: task }, 'settle');
    expect(r.outcome).to.equal('MIGRATION_OUTCOME_ACTIVE');
    expect(a.findTask(task), 'gone from the source').to.equal(undefined);
    expect(b.task(task).state).to.equal('MigSource');
  });

  it('SettleMigration resumes the task on the source when a client aborted it on the sink', async () => {
    const task = await inDoubt();
    const ctl = nodeClient(serverA.address);
    const sinkChan = migTaskClient(serverB.address);
    clients.push(ctl, sinkChan);
    const id = (await unary(ctl.Ps, ctl, {}, 'ps')).tasks.find((x) => x.taskId === task)!.migration!.migrationId;
    const aborted = await unary(sinkChan.Abort, sinkChan, { migrationId: id, reason: 'operator decided' }, 'abort');
    expect(aborted.outcome).to.equal('MIGRATION_OUTCOME_ABORTED');
    sink.silent = false;
    const r = await unary(ctl.SettleMigration, ctl, { taskId: task }, 'settle');
    expect(r.outcome).to.equal('MIGRATION_OUTCOME_ABORTED');
    expect(r.task!.state).to.equal('MIG_STATE_MIG_SOURCE');
    expect(r.task!.migration, 'no longer in transit').to.equal(null);
    expect(b.slots.every((s) => s.state === 'MigSink'), 'nothing left on the sink').to.equal(true);
  });

  it('SettleMigration of a task that is not in doubt is FAILED_PRECONDITION, naming the state', async () => {
    const ctl = nodeClient(serverA.address);
    clients.push(ctl);
    const e = await unary(ctl.SettleMigration, ctl, { taskId: a.slots[0]!.id! }, 'settle').then(
      () => undefined,
      (err: unknown) => err as MigvisorError,
    );
    expect(e?.code).to.equal(Code.FAILED_PRECONDITION);
    expect(e?.message).to.match(/^SettleMigration refused in state MigSource/);
  });
});
