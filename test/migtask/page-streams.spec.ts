/**
 * Parallel page streams (README, "Parallel streams"): the framing of one side
 * stream and its verification (in order, digest, counts), and migrations between
 * two in-process nodes over real gRPC with four streams — a pre-copy of a task
 * that rewrites 200 pages (four stripes) every tick, checking its own memory as
 * it goes, lands with the memory the task had at the stop; a side stream whose
 * chunk is corrupted fails the migration and the task runs on the source.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { seededIds } from '../../src/common/index.ts';
import { loadCluster, type ClusterConfig } from '../../src/config/index.ts';
import { Node, NodeServer, type NodeEvent } from '../../src/hypervisor/index.ts';
import { assembleFor } from '../../src/machine/index.ts';
import { ChunkEncoder, prepareEncoded, RemoteSink, streamOfPage, type MigrateOptions, type RawChunk, type SinkPort } from '../../src/migtask/index.ts';
import { SideStreamVerifier } from '../../src/migtask/side-stream.ts';
import { encodePages } from '../../src/migtask/page-batch.ts';

const ROOT = path.resolve('.');
const LIVE = path.join(ROOT, 'test', 'fixtures', 'live-cluster.yaml');
const PAGE = 4096;

/** A side stream of `batches` (page numbers), framed as the source frames one. */
async function sideChunks(batches: number[][]): Promise<RawChunk[]> {
  const encoder = new ChunkEncoder();
  const out: RawChunk[] = [];
  for (const b of batches) {
    const plain = encodePages(b, PAGE, (p) => new Uint8Array(PAGE).fill(p & 0xff));
    out.push(encoder.pageChunk(await prepareEncoded(plain, b.length, 'deflate')));
  }
  out.push(encoder.trailer());
  return out;
}

async function verify(chunks: readonly RawChunk[]): Promise<{ order: number[]; totals: { pages: number } }> {
  const order: number[] = [];
  const v = new SideStreamVerifier(1, PAGE, 1024, (b) => {
    order.push(...b.index);
  });
  for (const c of chunks) await v.accept(c);
  return { order, totals: await v.finish() };
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e: unknown) {
    return e instanceof Error ? e.message : String(e);
  }
  return 'no failure';
}

describe('parallel page streams', function () {
  describe('one side stream', function () {
    it('stripes pages round robin, 64 to a stripe', () => {
      expect([0, 63, 64, 127, 128, 256].map((p) => streamOfPage(p, 4, 64))).to.deep.equal([0, 0, 1, 1, 2, 0]);
      expect(streamOfPage(500, 1, 64)).to.equal(0);
    });

    it('hands its batches over in stream order, a large one before a small one after it', async () => {
      const big = Array.from({ length: 256 }, (_, i) => i);
      const { order, totals } = await verify(await sideChunks([big, [300], [301, 302]]));
      expect(order).to.deep.equal([...big, 300, 301, 302]);
      expect(totals.pages).to.equal(259);
    });

    it('refuses a chunk out of order, a stream without its trailer, and a digest that does not match', async () => {
      const chunks = await sideChunks([[1], [2]]);
      expect(await failure(verify([chunks[1]!, chunks[0]!, chunks[2]!]))).to.equal('stream 1: chunk 1 out of order (expected 0)');
      expect(await failure(verify(chunks.slice(0, 2)))).to.equal('stream 1 ended before its trailer');
      const other = await sideChunks([[1], [3]]);
      expect(await failure(verify([chunks[0]!, { ...other[1]!, seq: 1 }, chunks[2]!]))).to.equal('stream 1: its digest does not match its chunks');
      const flipped = Buffer.from(chunks[0]!.payload);
      flipped[flipped.length >> 1]! ^= 0xff;
      expect(await failure(verify([{ ...chunks[0]!, payload: flipped }, chunks[1]!, chunks[2]!]))).to.equal('chunk 0 (pages) fails its SHA-256 check');
    });
  });

  describe('between two in-process nodes', function () {
    let cluster: ClusterConfig;
    const hosts: { node: Node; server: NodeServer; events: NodeEvent[] }[] = [];
    const host = async (name: string, seed: number) => {
      const node = new Node(cluster.nodes.find((n) => n.name === name)!, cluster, { ids: seededIds(seed) });
      const server = new NodeServer(node);
      await server.listen('127.0.0.1:0');
      const events: NodeEvent[] = [];
      node.events.subscribe((e) => events.push(e));
      const h = { node, server, events };
      hosts.push(h);
      return h;
    };

    before(() => {
      cluster = loadCluster(LIVE);
    });

    afterEach(async () => {
      for (const h of hosts.splice(0)) {
        await h.server.shutdown(500);
        h.node.shutdown();
      }
    });

    /** Steps `node` 10 ticks between the chunks of the main stream; may corrupt the first chunk of side stream 1. */
    class SteppingSink implements SinkPort {
      corruptStream1 = false;
      constructor(
        private readonly inner: RemoteSink,
        private readonly node: Node,
      ) {}
      get address(): string {
        return this.inner.address;
      }
      info = (p: string, ms: number) => this.inner.info(p, ms);
      receive(chunks: AsyncIterable<RawChunk>, ms: number, signal?: AbortSignal) {
        const node = this.node;
        return this.inner.receive(
          (async function* () {
            for await (const c of chunks) {
              yield c;
              if (c.kind === 'CHUNK_KIND_PAGES') node.runTicks(10);
            }
          })(),
          ms,
          signal,
        );
      }
      receiveStream(id: string, stream: number, chunks: AsyncIterable<RawChunk>, ms: number, signal?: AbortSignal) {
        const corrupt = this.corruptStream1 && stream === 1;
        return this.inner.receiveStream(
          id,
          stream,
          (async function* () {
            for await (const c of chunks) {
              if (corrupt && c.seq === 0) {
                const p = Buffer.from(c.payload);
                p[p.length >> 1]! ^= 0xff;
                yield { ...c, payload: p };
              } else yield c;
            }
          })(),
          ms,
          signal,
        );
      }
      commit = (id: string, ms: number) => this.inner.commit(id, ms);
      abort = (id: string, reason: string, ms: number) => this.inner.abort(id, reason, ms);
      query = (id: string, ms: number) => this.inner.query(id, ms);
      pushPages = (id: string, chunks: AsyncIterable<RawChunk>, ms: number) => this.inner.pushPages(id, chunks, ms);
      close(): void {
        this.inner.close();
      }
    }

    const boot = (node: Node, pages: number) => {
      const source = fs.readFileSync(path.join(ROOT, 'test/fixtures/programs/live-churn.s'), 'utf8').replace(/^PAGES = .*$/m, `PAGES = ${pages}`).replace(/^REPORT = .*$/m, 'REPORT = 5');
      const pdef = node.def.partitions.find((p) => p.name === 'bulk')!;
      return node.startTask({ partition: 'bulk', assembled: { program: assembleFor(source, 'churn.s', pdef, node.def.cpu), name: 'churn.s' } });
    };
    // No downtime limit: the pre-copy goes round after round (by the page count), so later rounds' stripes follow earlier ones.
    const options = (task: string, mode: MigrateOptions['mode']): MigrateOptions => ({ task, mode, compression: 'deflate', deadlineMs: 20_000, streams: 4, downtimeLimitMs: 0 });

    it('pre-copy over four streams of a task rewriting 200 pages every tick: the sink has the memory of the stop, and the task finds no stale page', async () => {
      const [src, dst] = [await host('live-c', 400), await host('live-d', 500)];
      const task = boot(src.node, 200);
      const id = task.id!;
      src.node.runTicks(20);
      let atStop = '';
      src.node.events.subscribe((e) => {
        if (e.kind === 'migration' && e.task === id && e.phase === 'stopped') atStop = task.space.hash();
      });
      const sink = new SteppingSink(new RemoteSink(dst.server.address), src.node);
      const stats = await src.node.migrations.migrateTo(sink, options(id, 'precopy'));
      sink.close();
      expect(stats.status).to.equal('completed');
      expect(stats.streams, 'streams').to.equal(4);
      expect(stats.streamBytes.every((b) => b > 0), `bytes per stream ${stats.streamBytes.join(' ')}`).to.equal(true);
      expect(stats.rounds, 'rounds').to.be.at.least(3);
      const moved = dst.node.task(id);
      expect(moved.space.hash(), 'memory on the sink').to.equal(atStop);
      dst.node.runTicks(40);
      const lines = dst.events.flatMap((e) => (e.kind === 'console' && e.task === id ? [e.text.trim()] : []));
      expect(lines.filter((l) => l.startsWith('corrupt')), 'stale pages the task found').to.deep.equal([]);
      expect(lines.filter((l) => l.startsWith('pass ')).length, 'passes on the sink').to.be.at.least(2);
    });

    it('a side stream whose chunk fails its digest fails the migration: the task runs on the source, the sink holds nothing', async () => {
      const [src, dst] = [await host('live-c', 600), await host('live-d', 700)];
      const task = boot(src.node, 200);
      const id = task.id!;
      src.node.runTicks(20);
      const sink = new SteppingSink(new RemoteSink(dst.server.address), src.node);
      sink.corruptStream1 = true;
      const why = await failure(src.node.migrations.migrateTo(sink, options(id, 'full')));
      sink.close();
      expect(why).to.match(/^migration of .* failed during transfer; the task runs on live-c again: page stream 1: .*chunk 0 \(pages\) fails its SHA-256 check/);
      expect(task.state, 'the task on the source').to.equal('MigSource');
      expect(dst.node.findTask(id), 'the task on the sink').to.equal(undefined);
    });
  });
});
