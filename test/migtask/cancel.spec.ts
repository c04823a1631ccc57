/**
 * CancelMigration: a migration in flight is cancelled in any phase before the
 * commit and the task runs on the source again with nothing lost (its memory, its
 * gate messages); the StopAndTransfer fails with CANCELLED, or DEADLINE_EXCEEDED
 * when the reason is the deadline; a lazy migration that has switched over is
 * refused with that reason. Real nodes on loopback, over the gRPC API; the
 * transfer is frozen mid-stream by a TCP proxy so the cancel lands in it.
 */
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { asyncScheduler } from 'rxjs';
import { CHANNEL_OPTIONS, seededIds, wire } from '../../src/common/index.ts';
import { loadCluster } from '../../src/config/index.ts';
import { Node, NodeServer } from '../../src/hypervisor/index.ts';
import type { MigTaskClient } from '../../src/generated/migvisor/v1/MigTask.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const CLUSTER = path.resolve('config', 'cluster.yaml');

function call<Req, Res>(client: MigTaskClient, method: 'CancelMigration', req: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    (client[method] as unknown as (r: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => void).call(client, req, (e, r) => (e ? reject(e) : resolve(r)));
  });
}

/** Runs a StopAndTransfer to the end: the phases seen and how it ended. */
function stopAndTransfer(client: MigTaskClient, req: object): { phases: string[]; done: Promise<{ code: number; details: string }> } {
  const phases: string[] = [];
  const s = client.StopAndTransfer(req);
  const done = new Promise<{ code: number; details: string }>((resolve) => {
    s.on('data', (m: { progress?: { phase: string } }) => {
      if (m.progress && phases[phases.length - 1] !== m.progress.phase) phases.push(m.progress.phase);
    });
    s.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
    s.on('end', () => resolve({ code: 0, details: '' }));
  });
  return { phases, done };
}

describe('CancelMigration', function () {
  this.timeout(30_000);
  let a: Node;
  let b: Node;
  let serverA: NodeServer;
  let serverB: NodeServer;
  let proxy: TcpProxy;
  let client: MigTaskClient;

  beforeEach(async () => {
    const cluster = loadCluster(CLUSTER);
    a = new Node(cluster.nodes.find((n) => n.name === 'field-a')!, cluster, { ids: seededIds(3) });
    b = new Node(cluster.nodes.find((n) => n.name === 'field-b')!, cluster, { ids: seededIds(4) });
    serverA = new NodeServer(a);
    serverB = new NodeServer(b);
    await serverA.listen('127.0.0.1:0');
    await serverB.listen('127.0.0.1:0');
    a.boot();
    a.start(asyncScheduler);
    b.start(asyncScheduler);
    proxy = await TcpProxy.start(serverB.address);
    client = new (wire().MigTask)(serverA.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  });

  afterEach(async () => {
    client.close();
    await proxy.close();
    for (const n of [a, b]) n.stop();
    await serverA.shutdown(200);
    await serverB.shutdown(200);
    a.shutdown();
    b.shutdown();
  });

  /** Starts a migration of the boot task through the proxy and freezes it after `bytes` bytes. */
  async function frozen(mode: string, bytes: number): Promise<{ task: string; run: ReturnType<typeof stopAndTransfer> }> {
    const task = a.slots[0]!.id!;
    await new Promise((r) => setTimeout(r, 60));
    a.gate('inbox')!.send(Uint8Array.of(7));
    proxy.holdAfter(bytes);
    const run = stopAndTransfer(client, { taskId: task, sink: proxy.address, sinkName: 'field-b', mode, compression: 'COMPRESSION_NONE' });
    await proxy.whenHolding(10_000);
    return { task, run };
  }

  /** The console lines of the boot task's counter, as numbers. */
  function counts(lines: string[]): number[] {
    return lines.map((l) => /^counter (\d+)$/.exec(l)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  }

  for (const [mode, bytes] of [
    ['MIGRATION_MODE_FULL', 4096],
    ['MIGRATION_MODE_PRECOPY', 4096],
  ] as const) {
    it(`${mode}: cancelled mid-transfer, the task runs on the source with its memory and messages`, async () => {
      const lines: string[] = [];
      const sub = a.events.subscribe((e) => {
        if (e.kind === 'console') lines.push(e.text);
      });
      const { task, run } = await frozen(mode, bytes);
      const r = await call<object, { cancelled: boolean; migrationId: string; phase: string }>(client, 'CancelMigration', { taskId: task });
      expect(r.cancelled).to.equal(true);
      expect(r.migrationId).to.match(/^[0-9a-f-]{36}$/);
      expect(['MIGRATION_PHASE_TRANSFER', 'MIGRATION_PHASE_PRECOPY']).to.include(r.phase);
      const again = await call<object, { cancelled: boolean }>(client, 'CancelMigration', { taskId: task });
      expect(typeof again.cancelled, 'a second cancel is accepted too').to.equal('boolean');
      const end = await run.done;
      expect(end.code).to.equal(grpc.status.CANCELLED);
      expect(end.details).to.contain('was cancelled').and.contain(`runs on field-a again`);
      proxy.release();
      const t = a.task(task);
      expect(t.state).to.equal('MigSource');
      expect(a.gate('inbox')!.peekAll().map((m) => m[0]), 'the gate message is back').to.deep.equal([7]);
      // It runs: its counter goes on from where it was, by one, nothing lost or repeated.
      const seen = counts(lines).length;
      await new Promise((res) => setTimeout(res, 150));
      sub.unsubscribe();
      const n = counts(lines);
      expect(n.length, 'it prints again').to.be.greaterThan(seen);
      expect(n, 'counter continuity').to.deep.equal(n.map((_, i) => (n[0] ?? 1) + i));
      expect(a.ps().find((x) => x.task === task)?.run).to.equal('running');
      const nothing = await call<object, { cancelled: boolean }>(client, 'CancelMigration', { taskId: task });
      expect(nothing.cancelled, 'nothing in flight any more').to.equal(false);
      await new Promise((res) => setTimeout(res, 100));
      expect(b.slots.every((s) => s.state === 'MigSink'), 'the sink kept nothing').to.equal(true);
    });
  }

  it('reason DEADLINE fails the migration with DEADLINE_EXCEEDED', async () => {
    const { task, run } = await frozen('MIGRATION_MODE_FULL', 4096);
    await call(client, 'CancelMigration', { taskId: task, reason: 'CANCEL_REASON_DEADLINE' });
    const end = await run.done;
    expect(end.code).to.equal(grpc.status.DEADLINE_EXCEEDED);
    expect(end.details).to.contain('deadline');
    expect(a.task(task).state).to.equal('MigSource');
  });

  it('refuses once a lazy migration has switched over, saying so', async () => {
    const task = a.slots[0]!.id!;
    // A slow link: the pages follow the switch-over for a while.
    proxy.delay(60);
    const run = stopAndTransfer(client, { taskId: task, sink: proxy.address, sinkName: 'field-b', mode: 'MIGRATION_MODE_LAZY' });
    const until = Date.now() + 10_000;
    while (!run.phases.includes('MIGRATION_PHASE_POSTCOPY') && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    const refusal = await call(client, 'CancelMigration', { taskId: task }).then(
      () => expect.fail('a cancel after the switch-over must be refused'),
      (e: grpc.ServiceError) => e,
    );
    expect(refusal.code).to.equal(grpc.status.FAILED_PRECONDITION);
    expect(refusal.details).to.equal(
      `CancelMigration refused in state Committing: the lazy migration of ${task} has switched over: ${task} runs on field-b and its remaining pages are still moving`,
    );
    const end = await run.done;
    expect(end.code, 'the lazy migration itself completes').to.equal(0);
    expect(b.task(task).state).to.equal('MigSource');
  });

  it('answers NOT_FOUND for an unknown task and INVALID_ARGUMENT for a missing one', async () => {
    const unknown = await call(client, 'CancelMigration', { taskId: 'no-such' }).catch((e: grpc.ServiceError) => e);
    expect((unknown as grpc.ServiceError).code).to.equal(grpc.status.NOT_FOUND);
    const missing = await call(client, 'CancelMigration', {}).catch((e: grpc.ServiceError) => e);
    expect((missing as grpc.ServiceError).code).to.equal(grpc.status.INVALID_ARGUMENT);
    expect((missing as grpc.ServiceError).details).to.contain('task_id');
  });
});
