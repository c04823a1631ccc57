/**
 * The pieces of the live-migration protocols (issue 4), with two in-process nodes
 * serving gRPC on loopback and a clock the test turns by hand: the nodes run only
 * when a spec steps them, so what the travelers dirty, fault on or receive during a
 * migration is exactly what the spec lets them do, at the point it chooses.
 *
 * - pre-copy sends every page once, then in each round the pages dirtied since;
 * - a post-copy sink fetches the page a traveler faults on (and the next ones) from
 *   the source before the background push brings it, and the push sends the rest;
 * - messages taken from the task's gates at the stop go back to the front of their
 *   queue, in order, when the migration fails.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { ManualClock, seededIds } from '../../src/common/index.ts';
import { assembleFor } from '../../src/machine/index.ts';
import { loadCluster, type ClusterConfig } from '../../src/config/index.ts';
import { Node, NodeServer, type NodeEvent } from '../../src/hypervisor/index.ts';
import {
  type MigrateOptions,
  type MigrationStats,
  RemoteSink,
  type SinkPort,
  type MigTask,
  type PostcopySource,
  type RawChunk,
} from '../../src/migtask/index.ts';

const ROOT = path.resolve('.');
const LIVE = path.join(ROOT, 'test', 'fixtures', 'live-cluster.yaml');
const program = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');

/** A node of the live cluster with its gRPC server, stepped by hand. */
interface Host {
  readonly node: Node;
  readonly server: NodeServer;
  readonly events: NodeEvent[];
}

let seed = 100;
async function host(cluster: ClusterConfig, name: string, clock?: ManualClock): Promise<Host> {
  const node = new Node(cluster.nodes.find((n) => n.name === name)!, cluster, { ids: seededIds(seed++), ...(clock ? { clock } : {}) });
  const server = new NodeServer(node);
  await server.listen('127.0.0.1:0');
  const events: NodeEvent[] = [];
  node.events.subscribe((e) => events.push(e));
  return { node, server, events };
}

async function shutdown(...hosts: Host[]): Promise<void> {
  for (const h of hosts) {
    await h.server.shutdown(500);
    h.node.shutdown();
  }
}

/** Boots program source (with `.equ` lines replaced) into a free slot of a partition. */
function boot(h: Host, partition: string, source: string, set: Record<string, number> = {}): MigTask {
  for (const [k, v] of Object.entries(set)) source = source.replace(new RegExp(`^${k} = .*$`, 'm'), `${k} = ${v}`);
  const pdef = h.node.def.partitions.find((p) => p.name === partition)!;
  return h.node.startTask({ partition, assembled: { program: assembleFor(source, 'prog.s', pdef, h.node.def.cpu), name: 'prog.s' } });
}

const consoleOf = (h: Host, task: string): string[] => h.events.flatMap((e) => (e.kind === 'console' && e.task === task ? [e.text.replace(/\n$/, '')] : []));

/**
 * A sink that forwards to a real one, letting the spec see (and act on, or fail)
 * every chunk of the container on its way, and hold the post-copy push.
 */
class TappedSink implements SinkPort {
  onChunk: (c: RawChunk) => void = () => {};
  /** Runs after the sink accepted Commit, before the source hears of it. */
  afterCommit: () => Promise<void> = async () => {};
  /** Resolves when the source starts its post-copy push. */
  readonly pushStarted: Promise<void>;
  private pushGate: Promise<void> = Promise.resolve();
  private startedPush!: () => void;

  constructor(readonly inner: SinkPort) {
    this.pushStarted = new Promise((r) => (this.startedPush = r));
  }

  get address(): string {
    return this.inner.address;
  }

  /** The push waits until `until` resolves. */
  holdPush(until: Promise<void>): void {
    this.pushGate = until;
  }

  info(partition: string, ms: number) {
    return this.inner.info(partition, ms);
  }

  receive(chunks: AsyncIterable<RawChunk>, ms: number) {
    const tap = this.onChunk;
    return this.inner.receive(
      (async function* () {
        for await (const c of chunks) {
          tap(c);
          yield c;
        }
      })(),
      ms,
    );
  }

  async commit(id: string, ms: number) {
    const reply = await this.inner.commit(id, ms);
    await this.afterCommit();
    return reply;
  }

  abort(id: string, reason: string, ms: number) {
    return this.inner.abort(id, reason, ms);
  }

  query(id: string, ms: number) {
    return this.inner.query(id, ms);
  }

  async pushPages(id: string, chunks: AsyncIterable<RawChunk>, ms: number) {
    this.startedPush();
    await this.pushGate;
    return this.inner.pushPages(id, chunks, ms);
  }

  close(): void {
    this.inner.close();
  }
}

function migrate(from: Host, sink: SinkPort, options: Partial<MigrateOptions> & { task: string }): Promise<MigrationStats> {
  return from.node.migrations.migrateTo(sink, { mode: 'full', compression: 'none', deadlineMs: 20_000, ...options });
}

/** Yields to the event loop until `cond` holds, stepping `h` by one tick each time (bounded). */
async function stepUntil(h: Host | undefined, cond: () => boolean, what: string, maxMs = 5000): Promise<void> {
  const end = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${maxMs} ms waiting for ${what}`);
    h?.node.step();
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('Live migration protocols (in-process nodes)', function () {
  let cluster: ClusterConfig;

  before(() => {
    cluster = loadCluster(LIVE);
  });

  describe('pre-copy', function () {
    let src: Host;
    let dst: Host;

    before(async () => {
      [src, dst] = await Promise.all([host(cluster, 'live-c'), host(cluster, 'live-d')]);
    });

    after(() => shutdown(src, dst));

    it('sends every page in round 0, then in each round exactly the pages the travelers dirtied meanwhile', async () => {
      const WRITE_SET = 6;
      const task = boot(src, 'bulk', program('test/fixtures/programs/live-churn.s'), { PAGES: WRITE_SET, REPORT: 1 });
      const id = task.id!;
      src.node.runTicks(20);
      const present = task.space.pageTable.presentCount();

      // Between two page chunks the source runs 10 ticks (8 of them in the bulk
      // window): the churn rewrites its write set 8 times.
      const sink = new TappedSink(new RemoteSink(dst.server.address));
      let hashAtStop = '';
      sink.onChunk = (c) => {
        if (c.kind === 'CHUNK_KIND_PAGES') src.node.runTicks(10);
        if (c.kind === 'CHUNK_KIND_STATE') hashAtStop = task.space.hash();
      };
      // No downtime allowed: the rounds go on until one does not shrink the dirty set.
      const stats = await migrate(src, sink, { task: id, mode: 'precopy', precopyStopPages: 2, precopyMaxRounds: 4, downtimeLimitMs: 0 });
      sink.close();

      expect(stats.status).to.equal('completed');
      expect(stats.precopyStop, 'the second round re-sent as many pages as the first dirtied').to.equal('no-progress');
      expect(stats.rounds, 'two live rounds and the stop-and-copy').to.equal(3);
      expect(stats.pagesPerRound, 'pages per round').to.deep.equal([present, WRITE_SET, WRITE_SET]);
      expect(stats.finalDirtyPages).to.equal(WRITE_SET);

      // The sink holds the memory the task had when it stopped, and the churn,
      // which checks its pages, goes on there.
      const moved = dst.node.task(id);
      expect(moved.space.hash(), 'memory on the sink vs the source at the stop').to.equal(hashAtStop);
      const before = consoleOf(dst, id).length;
      dst.node.runTicks(30);
      const lines = consoleOf(dst, id).slice(before);
      expect(lines.length, 'passes on the sink').to.be.greaterThan(10);
      expect(lines.filter((l) => !l.startsWith('pass ')), 'stale pages ("corrupt page P")').to.deep.equal([]);
      const all = [...consoleOf(src, id), ...consoleOf(dst, id)].map((l) => Number(l.slice(5)));
      expect(all, 'passes on source then sink').to.deep.equal(all.map((_, i) => i + 1));
      dst.node.kill(id);
    });
  });

  describe('post-copy', function () {
    let src: Host;
    let dst: Host;

    before(async () => {
      [src, dst] = await Promise.all([host(cluster, 'live-a'), host(cluster, 'live-b')]);
    });

    after(() => shutdown(src, dst));

    it('a faulting traveler gets its page and the next ones from the source before the push; the push sends only the rest', async () => {
      const task = boot(src, 'ctrl', program('config/programs/counter.s'));
      const id = task.id!;
      src.node.runTicks(35);
      const printed = consoleOf(src, id);
      expect(printed).to.deep.equal(['counter 1', 'counter 2', 'counter 3', 'counter 4']);
      const total = task.space.pageTable.presentCount();

      const sink = new TappedSink(new RemoteSink(dst.server.address));
      let release!: () => void;
      sink.holdPush(new Promise<void>((r) => (release = r)));
      const migration = migrate(src, sink, { task: id, mode: 'lazy' });
      migration.catch(() => undefined);
      await sink.pushStarted;

      // The task runs on the sink with no page yet; the source serves faults.
      const moved = dst.node.task(id);
      const residual: PostcopySource = [...src.node.migrations.residuals.values()][0]!;
      expect(moved.state).to.equal('MigSource');
      expect(moved.space.pageTable.presentCount(), 'pages on the sink at resume').to.equal(0);
      const traveler = moved.travelers[0]!;
      await stepUntil(dst, () => traveler.status === 'waiting' && traveler.wait?.kind === 'page', 'the first page fault');
      const wait = traveler.wait;
      const page = wait?.kind === 'page' ? wait.page : -1;
      expect(page, 'the faulting page: the code page at pc').to.equal(moved.space.pageIndexOf(traveler.cpu.pc));
      await stepUntil(undefined, () => moved.space.pageTable.isPresent(page), 'the faulted page to arrive');

      // It came by FetchPages, with its neighbours (spatial locality), while the push is held.
      const fetched = Array.from({ length: 8 }, (_, i) => page + i);
      expect(fetched.map((p) => moved.space.pageTable.isPresent(p)), 'the page and the seven after it').to.deep.equal(fetched.map(() => true));
      expect(moved.space.pageTable.presentCount(), 'pages on the sink before the push').to.equal(8);
      expect(residual.faultsServed, 'faults served by the source').to.equal(1);
      expect(residual.pagesPushed, 'pages pushed so far').to.equal(0);

      release();
      const stats = await migration;
      sink.close();
      expect(stats.status).to.equal('completed');
      expect(stats.lazyFaultsServed, 'lazy_faults_served').to.be.at.least(1);
      expect(residual.pagesFetched + residual.pagesPushed, 'fetched + pushed').to.equal(total);
      expect(residual.pagesPushed, 'the push sends only what was not fetched').to.equal(total - residual.pagesFetched);
      expect(stats.pagesSent).to.equal(total);
      expect(moved.space.pageTable.presentCount(), 'pages on the sink at the end').to.equal(total);
      expect(dst.events.some((e) => e.kind === 'migration' && e.task === id && e.phase === 'residual-complete'), 'residual-complete').to.equal(true);

      dst.node.runTicks(25);
      expect(consoleOf(dst, id).slice(0, 2), 'the counter on the sink').to.deep.equal(['counter 5', 'counter 6']);
      dst.node.kill(id);
    });
    it('a source gone for good before the pages arrive: postcopy-paused, then after the recovery timeout the waiting traveler faults as lost (virtual time)', async () => {
      const clock = new ManualClock();
      const [from, to] = await Promise.all([host(cluster, 'live-a'), host(cluster, 'live-b', clock)]);
      try {
        const id = boot(from, 'ctrl', program('config/programs/counter.s')).id!;
        from.node.runTicks(35);
        const sink = new TappedSink(new RemoteSink(to.server.address));
        let release!: () => void;
        sink.holdPush(new Promise<void>((r) => (release = r)));
        const migration = migrate(from, sink, { task: id, mode: 'lazy', postcopyRecoverMs: 1000 });
        migration.catch(() => undefined);
        await sink.pushStarted;
        // The source's process is gone: no page can come any more.
        await from.server.shutdown(100);
        const moved = to.node.task(id);
        const traveler = moved.travelers[0]!;
        await stepUntil(to, () => traveler.status === 'waiting' && traveler.wait?.kind === 'page', 'the first page fault');
        // Paused first: the traveler waits while the sink retries with backoff on its clock.
        await stepUntil(undefined, () => to.events.some((e) => e.kind === 'migration' && e.task === id && e.phase === 'postcopy' && e.detail.startsWith('postcopy-paused')), 'postcopy-paused on the sink');
        expect(traveler.status, 'the traveler while paused').to.equal('waiting');
        // The recovery timeout (1 s on the sink's clock) passes: the loss.
        for (let i = 0; i < 40 && traveler.status !== 'faulted'; i++) {
          await clock.advance(100);
          await new Promise((r) => setTimeout(r, 5));
        }
        expect(traveler.status, 'the traveler that needs the page').to.equal('faulted');
        expect(traveler.fault?.kind).to.equal('lost');
        const lost = to.events.filter((e) => e.kind === 'migration' && e.task === id && e.phase === 'residual-lost');
        expect(lost, 'residual-lost on the sink').to.have.length(1);
        expect(lost[0]!.kind === 'migration' && lost[0]!.detail).to.match(/unreachable: cannot fetch pages from /);
        release();
        sink.close();
      } finally {
        await shutdown(from, to);
      }
    });

    it('a traveler that faults before the source has the Commit reply still gets its page', async () => {
      const task = boot(src, 'ctrl', program('config/programs/counter.s'));
      const id = task.id!;
      src.node.runTicks(35);
      const sink = new TappedSink(new RemoteSink(dst.server.address));
      sink.afterCommit = async () => {
        const moved = dst.node.task(id);
        const t = moved.travelers[0]!;
        await stepUntil(dst, () => t.status === 'faulted' || moved.space.pageTable.presentCount() > 0, 'the first fetch to settle');
      };
      const stats = await migrate(src, sink, { task: id, mode: 'lazy' });
      sink.close();
      expect(stats.status).to.equal('completed');
      const faults = dst.events.flatMap((e) => (e.kind === 'fault' && e.task === id ? [`${e.fault}: ${e.message}`] : []));
      expect(faults, 'faults on the sink').to.deep.equal([]);
      dst.node.runTicks(25);
      expect(consoleOf(dst, id).slice(0, 2), 'the counter on the sink').to.deep.equal(['counter 5', 'counter 6']);
      dst.node.kill(id);
    });
  });

  describe('gate messages when a migration fails', function () {
    let src: Host;
    let dst: Host;

    before(async () => {
      [src, dst] = await Promise.all([host(cluster, 'live-a'), host(cluster, 'live-b')]);
    });

    after(() => shutdown(src, dst));

    const word = (n: number): Uint8Array => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, n, true);
      return b;
    };
    const queued = (h: Host): number[] => h.node.gate('inbox')!.peekAll().map((m) => new DataView(m.buffer, m.byteOffset).getUint32(0, true));

    const failures: { mode: 'full' | 'lazy' | 'precopy'; how: string; when: RawChunk['kind']; fail: (dst: Host) => void; error: RegExp }[] = [
      // A full migration's header goes before the stop (its sink reserves the slot then): its STATE chunk comes after it.
      ...(['full', 'precopy'] as const).map((mode) => ({
        mode,
        how: 'the link breaks after the stop',
        when: 'CHUNK_KIND_STATE' as const,
        fail: (): void => {
          throw new Error('link down');
        },
        error: /link down/,
      })),
      { mode: 'lazy', how: 'the sink has no free slot', when: 'CHUNK_KIND_HEADER', fail: fillSlots, error: /no free slot in partition ctrl/ },
    ];

    /** Another task takes each free ctrl slot of the sink after negotiation. */
    function fillSlots(h: Host): void {
      for (const s of h.node.slots) if (s.partition.name === 'ctrl' && s.state === 'MigSink') boot(h, 'ctrl', program('config/programs/counter.s'));
    }

    for (const f of failures) {
      it(`${f.mode}, ${f.how}: the messages taken at the stop go back in front, in order, and the task runs on with them`, async () => {
        const consumer = boot(src, 'ctrl', program('config/programs/inbox.s'));
        const id = consumer.id!;
        src.node.runTicks(10);
        src.node.pause(id);
        for (let i = 1; i <= 5; i++) src.node.gate('inbox')!.send(word(i));

        // At the chosen chunk the task has stopped and its messages are in the
        // container: one more arrives, then the migration fails.
        const sink = new TappedSink(new RemoteSink(dst.server.address));
        let taken: number[] | undefined;
        sink.onChunk = (c) => {
          if (c.kind !== f.when || taken) return;
          taken = queued(src);
          src.node.gate('inbox')!.send(word(6));
          f.fail(dst);
        };
        let error: unknown;
        await migrate(src, sink, { task: id, mode: f.mode }).catch((e: unknown) => (error = e));
        sink.close();

        expect(taken, 'messages left in the queue at the stop').to.deep.equal([]);
        expect(String(error)).to.match(f.error).and.match(/the task runs on live-a again/);
        expect(consumer.state).to.equal('MigSource');
        expect(consumer.id).to.equal(id);
        expect(queued(src), 'the inbox after the failure').to.deep.equal([1, 2, 3, 4, 5, 6]);
        const events = src.events.filter((e) => e.kind === 'migration' && e.task === id);
        expect(events.map((e) => (e.kind === 'migration' ? e.phase : '')).filter((p) => p !== 'status' && p !== 'pass'), 'migration events').to.deep.equal(['stopped', 'resumed']);
        expect(events.map((e) => (e.kind === 'migration' ? (e.status ?? '') : '')).filter((s) => s !== ''), 'status events').to.deep.equal(['setup', 'active', 'failed']);

        src.node.resume(id);
        src.node.runTicks(60);
        expect(consoleOf(src, id), 'what the consumer prints').to.deep.equal(['reading 1', 'reading 2', 'reading 3', 'reading 4', 'reading 5', 'reading 6']);
        src.node.kill(id);
        for (const s of dst.node.slots) if (s.occupied) dst.node.kill(s.id!);
      });
    }

    it('full, the sink has no free slot: refused at the header, before the task ever stopped', async () => {
      const consumer = boot(src, 'ctrl', program('config/programs/inbox.s'));
      const id = consumer.id!;
      src.node.runTicks(10);
      src.node.pause(id);
      for (let i = 1; i <= 3; i++) src.node.gate('inbox')!.send(word(i));
      const sink = new TappedSink(new RemoteSink(dst.server.address));
      sink.onChunk = (c) => {
        if (c.kind === 'CHUNK_KIND_HEADER') fillSlots(dst);
      };
      const error = await migrate(src, sink, { task: id, mode: 'full' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      sink.close();
      expect(String(error)).to.match(/no free slot in partition ctrl/).and.match(/the task runs on live-a again/);
      expect(consumer.state).to.equal('MigSource');
      expect(queued(src), 'the inbox, never taken').to.deep.equal([1, 2, 3]);
      const phases = src.events.filter((e) => e.kind === 'migration' && e.task === id).map((e) => (e.kind === 'migration' ? e.phase : ''));
      expect(phases, 'migration events').to.not.include('stopped');
      src.node.kill(id);
      for (const s of dst.node.slots) if (s.occupied) dst.node.kill(s.id!);
    });
  });
});
