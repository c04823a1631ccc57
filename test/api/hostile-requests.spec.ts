/**
 * Hostile requests at a node's gRPC edge (README "## Limits"): an id long enough
 * to overflow the status trailers still gets its answer and leaves the channel
 * usable; a Receive stream that goes quiet is failed after the idle timeout and
 * its slot freed; streams beyond the budget are refused; a client that breaks a
 * stream off costs one log line; StreamTo and FetchPages sizes are bounded. A
 * real node server on loopback, its node stepped by hand, with an idle timeout
 * of 300 ms and a budget of 2 streams.
 */
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { CHANNEL_OPTIONS, migTaskClient, nodeClient, seededIds, toServiceError, MigvisorError, Code, MAX_STATUS_DETAILS, StreamGuard, wire } from '../../src/common/index.ts';
import { loadCluster } from '../../src/config/index.ts';
import { Node, NodeServer } from '../../src/hypervisor/index.ts';
import { ChunkEncoder, snapshotOf } from '../../src/migtask/index.ts';
import { toWireChunk } from '../../src/migtask/container-codec.ts';
import type { ContainerHeader } from '../../src/generated/migvisor/v1/ContainerHeader.ts';
import type { MigTaskClient } from '../../src/common/index.ts';

type Status = { code: number; details: string };

/** Opens a Receive stream, writes `chunks`, and (unless `keepOpen`) ends it; resolves with the status or 'ok'. */
function receive(c: MigTaskClient, chunks: ContainerHeader[] | ReturnType<typeof toWireChunk>[], keepOpen = false, ms = 5000): { done: Promise<Status | 'ok'>; call: grpc.ClientWritableStream<unknown> } {
  let call!: grpc.ClientWritableStream<unknown>;
  const done = new Promise<Status | 'ok'>((resolve) => {
    call = (c.Receive as unknown as (o: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<unknown>).call(
      c,
      { deadline: Date.now() + ms },
      (e) => resolve(e ? { code: e.code, details: e.details } : 'ok'),
    );
  });
  for (const chunk of chunks) call.write({ chunk });
  if (!keepOpen) call.end();
  return { done, call };
}

describe('hostile requests at a node', function () {
  this.timeout(20_000);
  let node: Node;
  let server: NodeServer;
  let header: ContainerHeader;
  const logged: string[] = [];

  before(async () => {
    const cluster = loadCluster(path.resolve('config', 'cluster.yaml'));
    node = new Node(cluster.nodes.find((n) => n.name === 'field-a')!, cluster, { ids: seededIds(5) });
    server = new NodeServer(node, undefined, { streams: { idleMs: 300, maxConcurrent: 2 }, log: (l) => logged.push(l) });
    await server.listen('127.0.0.1:0');
    node.boot();
    const t = node.slots.find((s) => s.id)!;
    header = { ...snapshotOf(t, { node: node.name, tick: node.tick, endian: 'little', migrationId: 'hostile-1', mode: 'save' }).header, taskId: 'hostile-task' };
  });

  after(async () => {
    await server.shutdown(200);
    node.shutdown();
  });

  const freeSinkSlots = (): number => node.slots.filter((s) => s.partition.name === 'ctrl' && s.state === 'MigSink').length;

  it('answers a container header with a 100,000-character name, and the channel still works', async () => {
    const c = migTaskClient(server.address);
    try {
      const chunk = toWireChunk(new ChunkEncoder().header({ ...header, partition: 'p'.repeat(100_000) }));
      const r = await receive(c, [chunk]).done;
      expect(r).to.deep.equal({ code: grpc.status.INVALID_ARGUMENT, details: 'partition is 100000 characters long (limit 128)' });
      const info = await new Promise<string>((resolve) => c.Info({ taskId: 'x'.repeat(300_000) }, { deadline: Date.now() + 3000 }, (e) => resolve(e ? `${e.code} ${e.details}` : 'ok')));
      expect(info).to.equal(`${grpc.status.INVALID_ARGUMENT} task_id: at most 256 characters, got 300000`);
    } finally {
      c.close();
    }
  });

  it('never sends a status message longer than the limit', () => {
    const s = toServiceError(new MigvisorError(`task ${'x'.repeat(100_000)} not found`, Code.NOT_FOUND));
    expect(s.code).to.equal(grpc.status.NOT_FOUND);
    expect(s.details!.length).to.be.at.most(MAX_STATUS_DETAILS);
    expect(s.details).to.match(/… \(100015 characters, cut\)$/);
  });

  it('fails a Receive stream that stops sending after the idle timeout, and frees its slot', async () => {
    const c = migTaskClient(server.address);
    const before = freeSinkSlots();
    try {
      const { done, call } = receive(c, [toWireChunk(new ChunkEncoder().header(header))], true);
      // The header took a slot; the stream then says nothing more.
      for (let i = 0; i < 100 && freeSinkSlots() === before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(freeSinkSlots()).to.equal(before - 1);
      const r = await done;
      expect(r).to.deep.equal({ code: grpc.status.DEADLINE_EXCEEDED, details: 'Receive: no message for 300 ms (the stream idle timeout); the stream is closed' });
      expect(freeSinkSlots()).to.equal(before);
      expect(server.streams.active).to.equal(0);
      call.end();
    } finally {
      c.close();
    }
  });

  it('refuses inbound streams beyond the budget, and takes them again once one ends', async () => {
    const c = migTaskClient(server.address);
    try {
      const a = receive(c, [], true);
      const b = receive(c, [], true);
      for (let i = 0; i < 100 && server.streams.active < 2; i++) await new Promise((r) => setTimeout(r, 10));
      const third = await receive(c, []).done;
      expect(third).to.deep.equal({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'Receive: 2 inbound streams are open, the limit is 2; try again later' });
      a.call.end();
      b.call.end();
      await Promise.all([a.done, b.done]);
      expect(server.streams.active).to.equal(0);
    } finally {
      c.close();
    }
  });

  it('logs one line, no stack, for a stream the client breaks off', async () => {
    const c = migTaskClient(server.address);
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (stderr.push(String(s)), true)) as typeof process.stderr.write;
    try {
      logged.length = 0;
      const { done, call } = receive(c, [toWireChunk(new ChunkEncoder().header({ ...header, taskId: 'hostile-cancelled', migrationId: 'hostile-cancelled' }))], true);
      await new Promise((r) => setTimeout(r, 50));
      call.cancel();
      const r = await done;
      expect((r as Status).code).to.equal(grpc.status.CANCELLED);
      for (let i = 0; i < 50 && server.streams.active > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(server.streams.active).to.equal(0);
    } finally {
      process.stderr.write = write;
      c.close();
    }
    expect(stderr.join(''), 'no stack on stderr').not.to.match(/Premature close|\n\s+at /);
    // Depending on where the server was, the stream ends or breaks: at most one line, never a stack.
    expect(logged.length).to.be.at.most(1);
    for (const l of logged) expect(l).to.match(/^Receive from \S+: the client broke off the stream \([^\n]+\)$/);
  });

  it('turns a stream broken mid-read into CANCELLED and one log line', async () => {
    const lines: string[] = [];
    const guard = new StreamGuard({ idleMs: 1000, maxConcurrent: 1 }, (l) => lines.push(l));
    const broken = new Readable({ objectMode: true, read() {} });
    broken.push({ n: 1 });
    setTimeout(() => broken.destroy(), 10);
    const call = Object.assign(broken, { getPeer: () => 'ipv4:10.0.0.1:5000' });
    const seen: unknown[] = [];
    const e = await (async () => {
      for await (const m of guard.messages(call, 'Receive')) seen.push(m);
    })().catch((x: unknown) => x);
    expect(seen).to.deep.equal([{ n: 1 }]);
    expect(e).to.be.instanceOf(MigvisorError);
    expect((e as MigvisorError).code).to.equal(Code.CANCELLED);
    expect(lines).to.deep.equal(['Receive from ipv4:10.0.0.1:5000: the client broke off the stream (Premature close)']);
  });

  it('refuses a Watch beyond the 64 a node serves at once', async () => {
    const c = nodeClient(server.address);
    const open: grpc.ClientReadableStream<unknown>[] = [];
    try {
      for (let i = 0; i < 64; i++) {
        const w = c.Watch({});
        w.on('error', () => {});
        open.push(w);
      }
      // The 64 are being served once Ps (on the same channel, after them) answers.
      await new Promise<void>((resolve, reject) => c.Ps({}, (e) => (e ? reject(e) : resolve())));
      const refused = await new Promise<Status>((resolve) => {
        const w = c.Watch({});
        w.on('data', () => {});
        w.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
      });
      expect(refused).to.deep.equal({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'Watch: 64 watchers are open, the limit is 64; try again later' });
    } finally {
      for (const w of open) w.cancel();
      c.close();
    }
  });

  it('bounds StreamTo and FetchPages', async () => {
    const d = new (wire().Diagnostics)(server.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const c = migTaskClient(server.address);
    try {
      const streamTo = (req: object): Promise<string> =>
        new Promise((resolve) => d.StreamTo(req, { deadline: Date.now() + 3000 }, (e) => resolve(e ? `${e.code} ${e.details}` : 'ok')));
      expect(await streamTo({ target: '', bytes: 1000 })).to.equal(`${grpc.status.INVALID_ARGUMENT} target: required`);
      expect(await streamTo({ target: server.address, bytes: 2 ** 30 })).to.equal(`${grpc.status.INVALID_ARGUMENT} bytes: must be 1..536870912, got 1073741824`);
      expect(await streamTo({ target: server.address, bytes: 4096, chunkBytes: 64 << 20 })).to.equal(`${grpc.status.INVALID_ARGUMENT} chunk_bytes: must be 1024..4194304, got 67108864`);
      const fetch = (pages: number[]): Promise<string> =>
        new Promise((resolve) => c.FetchPages({ migrationId: 'm', pages }, { deadline: Date.now() + 3000 }, (e) => resolve(e ? `${e.code} ${e.details}` : 'ok')));
      expect(await fetch(new Array<number>(2000).fill(1))).to.equal(`${grpc.status.INVALID_ARGUMENT} pages: 1..1024 page numbers, got 2000`);
    } finally {
      d.close();
      c.close();
    }
  });
});
