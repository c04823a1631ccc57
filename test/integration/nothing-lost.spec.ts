/**
 * Nothing lost (issue 3, point 7): whatever goes wrong during a migration — the
 * sink is SIGKILLed, the connection is cut, a chunk is corrupt, garbage arrives
 * at Receive, a deadline expires — the task resumes on the source exactly where
 * it stopped (its counter goes on with no gap and no repeat), the sink shows no
 * half-restored task, and after a commit the task runs in exactly one place.
 *
 * Failures are injected with a TCP proxy between source and sink: the source is
 * told the proxy's address as the sink, and the proxy freezes the stream after a
 * chosen number of bytes, so "mid-transfer" is a point the test picks.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { clientStream, serverStream, unary } from '../../src/common/clients.ts';
import { Code } from '../../src/common/errors.ts';
import { rawChunk, toWireChunk, type RawChunk } from '../../src/migtask/index.ts';
import {
  cleanup,
  cliJson,
  cliOk,
  consecutive,
  control,
  EventLog,
  fixture,
  healthStatus,
  killProcess,
  migTask,
  oneLineError,
  poll,
  ps,
  rejection,
  sleep,
  slotStates,
  spawnCli,
  startNode,
  startNodes,
  startTask,
  stateOf,
  type NodeProcess,
  type RunningCli,
} from '../support/processes.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const FIELD = fixture('cluster-field.yaml');
const BIG = fixture('cluster-big.yaml');

/**
 * Starts `migrate` through a proxy that holds the stream after `holdAfter` bytes,
 * and resolves once the transfer is frozen: the source is Transferring, the sink
 * Receiving.
 */
async function frozenMigration(
  task: string,
  source: string,
  sink: string,
  partition: string,
  proxy: TcpProxy,
  holdAfter: number,
  extra: string[] = [],
): Promise<RunningCli> {
  proxy.holdAfter(holdAfter);
  const m = spawnCli(['migrate', task, '--from', source, '--to', proxy.address, '--compress', 'none', '--json', ...extra], { timeoutMs: 40_000 });
  await Promise.race([
    proxy.whenHolding(15_000),
    m.result.then((r) => {
      throw new Error(`migrate ended before the transfer was frozen: exit ${r.code}: ${r.stderr}`);
    }),
  ]);
  await poll('the sink to be Receiving', async () => (await slotStates(sink, partition)).some((s) => s.endsWith('Receiving')), 5000);
  expect(await stateOf(source, task), 'the source while frozen').to.equal('Transferring');
  return m;
}

/**
 * The task runs on the source again and its console goes on where it stopped:
 * every number once, none missing.
 */
async function expectResumedOnSource(log: EventLog, source: string, task: string, prefix: string): Promise<void> {
  await poll('the task to be MigSource on the source again', async () => (await stateOf(source, task)) === 'MigSource', 10_000);
  const last = log.numbers(task, prefix).at(-1)!;
  await log.waitForNumber(task, prefix, last + 3, 5000);
  expect(consecutive(log.numbers(task, prefix)), 'the console of the task on the source').to.equal(undefined);
}

describe('Nothing lost', function () {
  describe('with the counter (field-a → field-b)', function () {
    let nodes: Record<string, NodeProcess>;
    let A: string;
    let B: string;
    let counter: string;
    let log: EventLog;
    let proxy: TcpProxy;

    before(async function () {
      this.timeout(30_000);
      nodes = await startNodes(FIELD, ['field-a', 'field-b']);
      A = nodes['field-a']!.address;
      B = nodes['field-b']!.address;
      counter = (await ps(A)).find((t) => t.program === 'counter.s')!.taskId;
      log = await EventLog.open(A, { task: counter });
    });

    beforeEach(async () => {
      proxy = await TcpProxy.start(B);
    });

    afterEach(async () => {
      await proxy.close();
    });

    after(cleanup);

    it('SIGKILL of the sink mid-transfer: migrate fails, the task resumes on the source where it stopped, a restarted sink does not have it', async () => {
      // 4 KiB: negotiation and the container header pass, the page chunk does not.
      const m = await frozenMigration(counter, A, B, 'ctrl', proxy, 4096);
      await killProcess(nodes['field-b']!.child);
      proxy.cut();
      const r = await m.result;
      expect(oneLineError(r)).to.contain(`failed during transfer; the task runs on field-a again`);
      await expectResumedOnSource(log, A, counter, 'counter ');

      const restarted = await startNode(FIELD, 'field-b');
      nodes['field-b'] = restarted;
      B = restarted.address;
      expect((await ps(B)).map((t) => t.taskId)).to.not.include(counter);
      expect(await slotStates(B, 'ctrl')).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
    });

    it('a cut connection mid-transfer: migrate fails, the task resumes on the source, the sink shows no half-restored task', async () => {
      const m = await frozenMigration(counter, A, B, 'ctrl', proxy, 4096);
      proxy.cut();
      const r = await m.result;
      expect(oneLineError(r)).to.contain(`failed during transfer; the task runs on field-a again`);
      await expectResumedOnSource(log, A, counter, 'counter ');
      await poll('the sink to drop the half-received task', async () => (await slotStates(B, 'ctrl')).join() === 'ctrl/0 MigSink,ctrl/1 MigSink', 5000);
    });

    /** What `migrate` printed when its deadline expired. */
    let deadlineError = '';

    it('a deadline that expires mid-transfer: migrate fails with a deadline error, the task resumes on the source', async () => {
      const m = await frozenMigration(counter, A, B, 'ctrl', proxy, 4096, ['--deadline-ms', '1000']);
      const r = await m.result;
      deadlineError = oneLineError(r);
      expect(deadlineError).to.match(/deadline/i);
      await expectResumedOnSource(log, A, counter, 'counter ');
      proxy.release();
      await poll('the sink to drop the half-received task', async () => (await slotStates(B, 'ctrl')).join() === 'ctrl/0 MigSink,ctrl/1 MigSink', 5000);
    });

    it('the deadline error says that the task runs on the source again', () => {
      expect(deadlineError).to.contain('the task runs on field-a again');
    });

    describe('hand-made containers sent to Receive', () => {
      let valid: RawChunk[];

      before(async () => {
        // A real container of the counter (it keeps running on field-a).
        const c = control(A);
        valid = [];
        for await (const m of serverStream(c.Save({ taskId: counter, compression: 'COMPRESSION_NONE', leaveRunning: true }), 'save')) valid.push(rawChunk(m.chunk));
        expect(valid.map((x) => x.kind)).to.include('CHUNK_KIND_PAGES');
      });

      const receive = (chunks: Iterable<RawChunk>): Promise<unknown> => {
        const c = migTask(B);
        return clientStream(c.Receive, c, [...chunks].map((x) => ({ chunk: toWireChunk(x) })), 'Receive', 10_000);
      };

      afterEach(async () => {
        // Whatever was sent, the sink stays as it was and keeps serving.
        expect(await slotStates(B, 'ctrl'), 'sink slots').to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
        expect(await healthStatus(B)).to.equal('SERVING');
      });

      it('a page chunk whose SHA-256 does not match: DATA_LOSS naming the chunk', async () => {
        const i = valid.findIndex((x) => x.kind === 'CHUNK_KIND_PAGES');
        const payload = Buffer.from(valid[i]!.payload);
        payload[100]! ^= 1;
        const e = await rejection(receive(valid.map((x, k) => (k === i ? { ...x, payload } : x))));
        expect(e.code).to.equal(Code.DATA_LOSS);
        expect(e.message).to.equal(`chunk ${valid[i]!.seq} (pages) fails its SHA-256 check`);
      });

      it('a valid header followed by garbage: refused with INVALID_ARGUMENT or DATA_LOSS', async () => {
        const garbage = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 0xff));
        const header = valid[0]!;
        const chunks: RawChunk[] = [header, { seq: 1, kind: 'CHUNK_KIND_PAGES', compression: 'none', payload: garbage, sha256: createHash('sha256').update(garbage).digest() }];
        const e = await rejection(receive(chunks));
        expect([Code.INVALID_ARGUMENT, Code.DATA_LOSS]).to.include(e.code);
        expect(e.message).to.match(/chunk 1|page batch|malformed/);
      });

      it('a header and no trailer: DATA_LOSS, the container ended early', async () => {
        const e = await rejection(receive(valid.slice(0, 2)));
        expect(e.code).to.equal(Code.DATA_LOSS);
        expect(e.message).to.equal('the container ended before its trailer');
      });

      it('pure garbage chunks: refused with INVALID_ARGUMENT or DATA_LOSS', async () => {
        const junk = (seq: number): RawChunk => ({ seq, kind: 'CHUNK_KIND_UNSPECIFIED', compression: 'none', payload: Buffer.alloc(64, seq + 1), sha256: Buffer.alloc(32, 0xee) });
        const e = await rejection(receive([junk(0), junk(1)]));
        expect([Code.INVALID_ARGUMENT, Code.DATA_LOSS]).to.include(e.code);
      });

      it('bytes that are not a Chunk message at all: the call fails, the node still serves', async () => {
        const client = new grpc.Client(B, grpc.credentials.createInsecure());
        try {
          const code = await new Promise<number>((resolve) => {
            const call = client.makeClientStreamRequest<Buffer, Buffer>(
              '/migvisor.v1.MigTask/Receive',
              (b) => b,
              (b) => b,
              { deadline: new Date(Date.now() + 5000) },
              (err) => resolve(err ? err.code : 0),
            );
            call.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]));
            call.end();
          });
          expect(code, 'status code').to.be.oneOf([grpc.status.INVALID_ARGUMENT, grpc.status.DATA_LOSS, grpc.status.INTERNAL]);
        } finally {
          client.close();
        }
      });

      it('raw garbage on the TCP port: the node still serves', async () => {
        const [host, port] = [B.slice(0, B.lastIndexOf(':')), Number(B.slice(B.lastIndexOf(':') + 1))];
        await new Promise<void>((resolve) => {
          const s = net.connect(port, host, () => s.end(Buffer.from('GARBAGE\r\n\r\n'.repeat(100))));
          s.on('error', () => resolve()).on('close', () => resolve());
          s.resume();
        });
        expect((await ps(B)).length).to.equal(3);
      });
    });
  });

  describe('with a 16 MiB task (big-a → big-b)', function () {
    let nodes: Record<string, NodeProcess>;
    let A: string;
    let B: string;
    let task: string;
    let log: EventLog;
    let proxy: TcpProxy;

    before(async function () {
      this.timeout(90_000);
      nodes = await startNodes(BIG, ['big-a', 'big-b']);
      A = nodes['big-a']!.address;
      B = nodes['big-b']!.address;
      task = await startTask(A, 'bulk', fixture('programs/fill.s'));
      // From the node's buffer: the task may have filled its heap before the watch is live.
      log = new EventLog(A, { task, afterSeq: 0 });
      await log.waitFor((e) => e.text === 'filled', 60_000, '"filled"');
      await log.waitForNumber(task, 'count ', 3, 5000);
    });

    beforeEach(async () => {
      proxy = await TcpProxy.start(B);
    });

    afterEach(async () => {
      await proxy.close();
    });

    after(cleanup);

    it('SIGKILL of the sink mid-transfer: migrate fails, the task resumes on the source, a restarted sink does not have it', async () => {
      const m = await frozenMigration(task, A, B, 'bulk', proxy, 1 << 20);
      await killProcess(nodes['big-b']!.child);
      proxy.cut();
      const r = await m.result;
      expect(oneLineError(r)).to.contain('failed during transfer; the task runs on big-a again');
      await expectResumedOnSource(log, A, task, 'count ');
      const restarted = await startNode(BIG, 'big-b');
      nodes['big-b'] = restarted;
      B = restarted.address;
      expect(await slotStates(B, 'bulk')).to.deep.equal(['bulk/0 MigSink']);
    });

    it('a cut connection mid-transfer: migrate fails, the task resumes on the source, the sink shows no half-restored task', async () => {
      const m = await frozenMigration(task, A, B, 'bulk', proxy, 1 << 20);
      proxy.cut();
      const r = await m.result;
      expect(oneLineError(r)).to.contain('failed during transfer; the task runs on big-a again');
      await expectResumedOnSource(log, A, task, 'count ');
      await poll('the sink to drop the half-received task', async () => (await slotStates(B, 'bulk')).join() === 'bulk/0 MigSink', 5000);
    });

    it('a deadline that expires on a slow link: migrate fails with a deadline error, the task resumes on the source', async () => {
      // 16 MiB at 2 MiB/s takes 8 s: the 2 s deadline expires mid-transfer.
      proxy.delay(5);
      proxy.rate(2 * 1024 * 1024);
      const r = await spawnCli(['migrate', task, '--from', A, '--to', proxy.address, '--compress', 'none', '--deadline-ms', '2000', '--json'], { timeoutMs: 20_000 }).result;
      expect(oneLineError(r)).to.match(/deadline/i);
      await expectResumedOnSource(log, A, task, 'count ');
      await poll('the sink to drop the half-received task', async () => (await slotStates(B, 'bulk')).join() === 'bulk/0 MigSink', 5000);
    });

    it('after a commit the task runs only on the sink: same memory, the source keeps no copy and its console stops for good', async () => {
      const cA = control(A);
      await unary(cA.Pause, cA, { taskId: task }, 'pause');
      const before = (await ps(A, true)).find((t) => t.taskId === task)!;
      const logB = new EventLog(B, { task });

      // The last StopAndTransferResponse, in the proto3 JSON mapping (uint64 as strings).
      const { stats } = await cliJson<{ stats: { status: string; bytes: string; pagesSent: string; compression: string } }>(['migrate', task, '--from', A, '--to', proxy.address, '--compress', 'none'], { timeoutMs: 30_000 });
      expect(stats).to.include({ status: 'MIGRATION_STATUS_COMPLETED', compression: 'COMPRESSION_NONE' });
      expect(Number(stats.pagesSent)).to.be.at.least(4096);
      expect(Number(stats.bytes)).to.be.at.least(16 << 20);

      const after = (await ps(B, true)).find((t) => t.taskId === task)!;
      expect(after.memoryHash, '16 MiB arrived intact').to.equal(before.memoryHash);
      const cB = control(B);
      await unary(cB.Resume, cB, { taskId: task }, 'resume');
      const last = log.numbers(task, 'count ').at(-1)!;
      await logB.waitForNumber(task, 'count ', last + 3, 5000);
      expect(consecutive([...log.numbers(task, 'count '), ...logB.numbers(task, 'count ')])).to.equal(undefined);

      expect((await ps(A)).map((t) => t.taskId), 'tasks on big-a').to.not.include(task);
      expect(await cliOk(['info', '--node', A, '--task', task])).to.contain(`task ${task}: left this node for ${proxy.address}`);
      const printedOnA = log.numbers(task, 'count ').length;
      await sleep(300);
      expect(log.numbers(task, 'count '), 'lines on big-a after the commit').to.have.length(printedOnA);
    });
  });
});
