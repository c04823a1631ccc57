/**
 * A migration whose Commit reply never comes back is in doubt: the source must not
 * guess. It keeps the task stopped (Committing) and keeps asking the sink; then it
 * departs if the sink runs the task, or resumes it, with the gate messages it had
 * taken, if the sink never will. Real nodes on loopback; the sink's Commit and
 * QueryMigration answers are held back by a wrapper until the test lets them through.
 * The source's protocol clock is turned by hand, so its retries (seconds of waiting
 * on a real clock) take no time.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { asyncScheduler } from 'rxjs';
import { ManualClock, MigvisorError } from '../../src/common/index.ts';
import { seededIds } from '../../src/common/ids.ts';
import { loadCluster } from '../../src/config/index.ts';
import { Node, NodeServer } from '../../src/hypervisor/index.ts';
import { migrateTask, RemoteSink } from '../../src/migtask/index.ts';
import { SilentSink } from '../support/silent-sink.ts';

const CLUSTER = path.resolve('config', 'cluster.yaml');

/** Turns `clock` half a second at a time (with a short real pause for the network) until `ok` holds. */
async function until(clock: ManualClock, what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await clock.advance(500);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a migration in doubt after the commit', function () {
  this.timeout(30_000);
  let a: Node;
  let b: Node;
  let serverA: NodeServer;
  let serverB: NodeServer;
  let sink: SilentSink;
  let clock: ManualClock;

  beforeEach(async () => {
    const cluster = loadCluster(CLUSTER);
    clock = new ManualClock();
    a = new Node(cluster.nodes.find((n) => n.name === 'field-a')!, cluster, { ids: seededIds(7), clock });
    b = new Node(cluster.nodes.find((n) => n.name === 'field-b')!, cluster, { ids: seededIds(8) });
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
    sink.close();
    for (const n of [a, b]) n.stop();
    await serverA.shutdown(200);
    await serverB.shutdown(200);
    a.shutdown();
    b.shutdown();
  });

  async function migrateInDoubt(): Promise<string> {
    const task = a.slots[0]!.id!;
    // Two messages wait on the task's gate: they travel with it.
    a.gate('inbox')!.send(Uint8Array.of(1));
    a.gate('inbox')!.send(Uint8Array.of(2));
    let e: unknown;
    let settled = false;
    void migrateTask(a, sink, { task, mode: 'full', compression: 'none', deadlineMs: 10_000 }).then(
      () => (settled = true),
      (err: unknown) => {
        e = err;
        settled = true;
      },
    );
    await until(clock, 'the source to give up asking', () => settled);
    expect(e).to.be.instanceOf(MigvisorError);
    expect((e as MigvisorError).message).to.contain('did not confirm the commit');
    expect(a.task(task).state, 'held stopped on the source').to.equal('Committing');
    expect(a.gate('inbox')!.length, 'the messages are with the container').to.equal(0);
    return task;
  }

  it('resumes the task with its gate messages in front when the sink turns out to have dropped it', async () => {
    const task = await migrateInDoubt();
    // The sink gives up on the staged container (as its staging timeout would), then answers again.
    const staged = b.slots.find((s) => s.id === task)!;
    expect(staged.state).to.equal('Staged');
    expect(await b.migrations.sink.abort(sink.committing, 'staging timed out (test)')).to.equal('aborted');
    sink.silent = false;
    await until(clock, 'the task to run on the source again', () => a.task(task).state === 'MigSource');
    expect(b.slots.every((s) => s.state === 'MigSink'), 'nothing left on the sink').to.equal(true);
    expect(a.gate('inbox')!.peekAll().map((m) => m[0]), 'the carried messages are back, in order').to.deep.equal([1, 2]);
    expect(a.departures.has(task)).to.equal(false);
  });

  it('departs when the sink turns out to run the task', async () => {
    const task = await migrateInDoubt();
    sink.silent = false;
    await until(clock, 'the source to release the task', () => a.slots.every((s) => s.id !== task));
    expect(b.task(task).state).to.equal('MigSource');
    expect(a.departures.get(task)?.to).to.equal(serverB.address);
    expect(b.gate('inbox')!.peekAll().map((m) => m[0]), 'the messages went with the task').to.deep.equal([1, 2]);
  });
});
