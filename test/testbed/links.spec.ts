/**
 * Links of the testbed on real sockets (127.0.0.1): a client plays endpoint `a`,
 * a TCP server endpoint `b`, and the bytes between them go through the relay of
 * the pair. Pass-through integrity, bandwidth, latency, fairness between flows
 * (also between connections dialed either way), jitter without reordering, loss
 * (stall and drop), profile changes in flight and the counters. Bounds on time are
 * loose; speed is the bench's business.
 */
import { randomBytes } from 'node:crypto';
import type * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { LinkDef, LinkProfile } from '../../src/config/index.ts';
import { UNSHAPED } from '../../src/config/index.ts';
import { Network } from '../../src/testbed/index.ts';
import { connect, failure, readAll, sendAll, sha, since, tcpServer } from '../support/tcp-peers.ts';
import type { TcpServer } from '../support/tcp-peers.ts';

const MiB = 1024 * 1024;
const mbit = (n: number): number => (n * 1e6) / 8;

/** A link between a and b with `profile` (the rest unshaped). */
function link(profile: Partial<LinkProfile>): LinkDef {
  return { ...UNSHAPED, ...profile, between: ['a', 'b'], line: 0 };
}

interface Bed {
  readonly net: Network;
  /** b's server: each connection goes to the handler the test sets. */
  readonly b: TcpServer;
  /** a's server (for connections b dials). */
  readonly a: TcpServer;
  /** Where a connects to reach b, and b to reach a. */
  readonly aToB: string;
  readonly bToA: string;
}

describe('testbed links', function () {
  let bed: Bed;
  let onB: (s: net.Socket) => void;
  let onA: (s: net.Socket) => void;
  const echo = (s: net.Socket): void => void s.pipe(s);

  async function start(profile: Partial<LinkProfile> | undefined, seed = 1): Promise<void> {
    const b = await tcpServer((s) => onB(s));
    const a = await tcpServer((s) => onA(s));
    const net = await Network.start(
      [
        { name: 'a', address: a.address },
        { name: 'b', address: b.address },
      ],
      profile ? [link(profile)] : [],
      { seed },
    );
    bed = { net, a, b, aToB: net.routesFor('a')[b.address]!, bToA: net.routesFor('b')[a.address]! };
  }

  beforeEach(() => {
    onB = echo;
    onA = echo;
  });

  afterEach(async () => {
    if (!bed) return;
    await bed.net.close();
    await bed.a.close();
    await bed.b.close();
  });

  /** b's sink: reads a connection to its end, answers with the SHA-256 of what it read, and ends. */
  const sink = (s: net.Socket): void => void readAll(s).then((got) => s.end(sha(got)));

  /** Sends `data` from a to b's sink on a new connection; resolves with the SHA b read and the time until b answered. */
  async function aSends(data: Buffer, piece?: number): Promise<{ sha: string; ms: number }> {
    onB = sink;
    const c = await connect(bed.aToB);
    const t0 = performance.now();
    const answer = readAll(c);
    await sendAll(c, data, piece);
    const got = (await answer).toString();
    const ms = since(t0);
    c.destroy();
    return { sha: got, ms };
  }

  it('passes 8 MiB both ways unchanged when unshaped, through one connection', async () => {
    await start(undefined);
    const up = randomBytes(8 * MiB);
    const down = randomBytes(8 * MiB);
    let serverGot!: Promise<Buffer>;
    onB = (s) => {
      serverGot = readAll(s);
      void sendAll(s, down);
    };
    const c = await connect(bed.aToB);
    const clientGot = readAll(c);
    await sendAll(c, up);
    expect(sha(await clientGot)).to.equal(sha(down));
    expect(sha(await serverGot)).to.equal(sha(up));
    const [st] = bed.net.status();
    expect(st!.directions.map((d) => [d.from, d.to, d.bytes])).to.deep.equal([
      ['a', 'b', 8 * MiB],
      ['b', 'a', 8 * MiB],
    ]);
  });

  it('shapes to the bandwidth: 2 MiB over 16Mbit take about 1.05 s', async () => {
    await start({ bandwidth: mbit(16) });
    const data = randomBytes(2 * MiB);
    const { sha: got, ms } = await aSends(data);
    expect(got).to.equal(sha(data));
    const ideal = (data.length / mbit(16)) * 1000;
    expect(ms).to.be.within(0.9 * ideal, 1.5 * ideal);
  });

  it('adds the latency one way: a ping-pong round trip grows by twice the latency', async () => {
    const rtt = async (): Promise<number> => {
      const c = await connect(bed.aToB);
      const times: number[] = [];
      for (let i = 0; i < 8; i++) {
        const t0 = performance.now();
        const back = new Promise<void>((resolve) => c.once('data', () => resolve()));
        c.write('x');
        await back;
        times.push(since(t0));
      }
      c.destroy();
      return times.sort((x, y) => x - y)[4]!;
    };
    await start({ latencyMs: 15 });
    const shaped = await rtt();
    bed.net.set('a', 'b', { latencyMs: 0 });
    const base = await rtt();
    // At least the latency each way (less the millisecond a wake may deliver early),
    // and not twice it: a loaded machine's timers come late, never early by more.
    expect(shaped - base).to.be.within(28, 45);
  });

  it('shares a direction fairly between two connections: each gets about half', async () => {
    await start({ bandwidth: mbit(32) });
    const data = [randomBytes(MiB), randomBytes(MiB)];
    const t0 = performance.now();
    const [one, two] = await Promise.all([aSends(data[0]!), aSends(data[1]!)]);
    const total = since(t0);
    expect(one!.sha).to.equal(sha(data[0]!));
    expect(two!.sha).to.equal(sha(data[1]!));
    const ideal = ((2 * MiB) / mbit(32)) * 1000;
    // An unfair link would finish one flow in half the time.
    for (const f of [one!, two!]) expect(f.ms).to.be.within(0.85 * ideal, 1.5 * ideal);
    expect(total).to.be.within(0.9 * ideal, 1.5 * ideal);
  });

  it('loads one pipe with the bytes a sends, whichever end dialed: a connection b opens shares a→b with one a opens', async () => {
    await start({ bandwidth: mbit(32) });
    const data = [randomBytes(MiB), randomBytes(MiB)];
    // b dials a; a's server sends its megabyte back to b.
    onA = (s) => void sendAll(s, data[1]!);
    const t0 = performance.now();
    const reverse = (async () => {
      const c = await connect(bed.bToA);
      c.end();
      const got = await readAll(c);
      return { got, ms: since(t0) };
    })();
    const [forward, back] = await Promise.all([aSends(data[0]!), reverse]);
    const ideal = ((2 * MiB) / mbit(32)) * 1000;
    expect(forward!.sha).to.equal(sha(data[0]!));
    expect(sha(back.got)).to.equal(sha(data[1]!));
    for (const f of [forward!, back]) expect(f.ms).to.be.within(0.85 * ideal, 1.5 * ideal);
    const [st] = bed.net.status();
    expect(st!.directions[0].bytes).to.equal(2 * MiB);
    expect(st!.connections.total).to.equal(2);
  });

  it('keeps the byte order under jitter as large as the latency', async () => {
    await start({ latencyMs: 10, jitterMs: 10 });
    let got!: Promise<Buffer>;
    onB = (s) => (got = readAll(s));
    const c = await connect(bed.aToB);
    const pieces = 200;
    for (let i = 0; i < pieces; i++) {
      const piece = Buffer.alloc(1024, i & 0xff);
      piece.writeUInt32BE(i, 0);
      c.write(piece);
      await sleep(1);
    }
    c.end();
    const all = await got;
    expect(all.length).to.equal(pieces * 1024);
    const order = Array.from({ length: pieces }, (_, i) => all.readUInt32BE(i * 1024));
    expect(order).to.deep.equal(Array.from({ length: pieces }, (_, i) => i));
  });

  it('stalls a flow for a retransmission timeout per lost segment (stall), still delivering everything, the same for a seed', async () => {
    const run = async (): Promise<{ lost: number; ms: number }> => {
      await start({ bandwidth: mbit(64), loss: 0.2, lossMode: 'stall' }, 7);
      const data = randomBytes(256 * 1024);
      const { sha: got, ms } = await aSends(data);
      expect(got).to.equal(sha(data));
      const lost = bed.net.status()[0]!.directions[0].lostSegments;
      await bed.net.close();
      await bed.a.close();
      await bed.b.close();
      return { lost, ms };
    };
    const first = await run();
    const second = await run();
    expect(first.lost).to.be.greaterThan(0);
    expect(first.ms).to.be.at.least(first.lost * 200 * 0.95);
    expect(second.lost).to.equal(first.lost);
  });

  it('resets the connection on a lost segment (drop)', async () => {
    await start({ loss: 1, lossMode: 'drop' });
    onB = () => undefined;
    const c = await connect(bed.aToB);
    const failed = failure(c);
    c.write(randomBytes(1000));
    expect(await failed).to.equal('ECONNRESET');
    const [st] = bed.net.status();
    expect(st!.directions[0].lostSegments).to.equal(1);
    expect(st!.resets).to.equal(1);
  });

  it('applies a new bandwidth to a flow in progress', async () => {
    await start({ bandwidth: mbit(16) });
    const data = randomBytes(3 * MiB);
    const change = sleep(300).then(() => bed.net.set('a', 'b', { bandwidth: mbit(320) }));
    const { sha: got, ms } = await aSends(data);
    await change;
    expect(got).to.equal(sha(data));
    // 16Mbit throughout would take 1.57 s; 0.3 s at 16Mbit, then the rest at 320Mbit, about 0.4 s.
    expect(ms).to.be.within(300, 800);
    expect(bed.net.profile('b', 'a').bandwidth).to.equal(mbit(320));
  });

  it('applies a new latency to bytes in flight', async () => {
    await start({ latencyMs: 2000 });
    let arrived!: Promise<number>;
    const t0 = performance.now();
    onB = (s) => (arrived = new Promise((resolve) => s.once('data', () => resolve(since(t0)))));
    const c = await connect(bed.aToB);
    c.write('hello');
    await sleep(100);
    bed.net.set('a', 'b', { latencyMs: 0 });
    await sleep(50);
    expect(await arrived).to.be.below(400);
    c.destroy();
  });

  it('counts bytes each way and connections open and in all', async () => {
    await start({ latencyMs: 1 });
    const c = await connect(bed.aToB);
    const back = readAll(c);
    await sendAll(c, randomBytes(100_000));
    expect((await back).length).to.equal(100_000);
    const during = bed.net.status()[0]!;
    c.destroy();
    await sleep(50);
    const after = bed.net.status()[0]!;
    expect(during.between).to.deep.equal(['a', 'b']);
    expect(during.description).to.equal('1ms');
    expect(during.state).to.equal('up');
    expect(during.directions.map((d) => d.bytes)).to.deep.equal([100_000, 100_000]);
    expect(after.connections).to.deep.equal({ open: 0, total: 1 });
    expect(after.resets).to.equal(0);
  });
});
