/**
 * Tampering with HTTP/2: the frame tracker on hand-made frames (only DATA payload
 * bytes change, pad lengths and padding never; chunk corruption picks the next big
 * frame; a delay starts at a DATA frame header; a stream that is not HTTP/2 is left
 * alone), the same result however the stream is split into reads (seeded random
 * splits), and the faults on a real node:http2 session through a relay: the
 * session survives and exactly the asked-for bytes change.
 */
import { randomBytes } from 'node:crypto';
import * as http2 from 'node:http2';
import { expect } from 'chai';
import { Network } from '../../src/testbed/index.ts';
import { CHUNK_FRAME_BYTES, HTTP2_PREFACE, Http2FrameTracker, TamperFaults } from '../../src/testbed/http2-tamper.ts';
import type { Http2Side } from '../../src/testbed/http2-tamper.ts';
import { Prng } from '../../src/testbed/prng.ts';
import { since, tcpServer } from '../support/tcp-peers.ts';

const DATA = 0;
const HEADERS = 1;
const SETTINGS = 4;

/** An HTTP/2 frame: header and payload. */
function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

/** A DATA frame carrying `data`, padded with `pad` zero bytes when pad is given. */
function dataFrame(data: Buffer, pad?: number): Buffer {
  if (pad === undefined) return frame(DATA, 0, 1, data);
  return frame(DATA, 0x8, 1, Buffer.concat([Buffer.from([pad]), data, Buffer.alloc(pad)]));
}

const settings = (): Buffer => frame(SETTINGS, 0, 0, Buffer.alloc(12, 1));

/** Feeds `stream` in pieces cut at `cuts`; returns the bytes as changed, the bytes changed and the delays found. */
function run(side: Http2Side, stream: Buffer, faults: TamperFaults, cuts: readonly number[] = []): { out: Buffer; corrupted: number; delays: number[] } {
  const t = new Http2FrameTracker(side);
  const copy = Buffer.from(stream);
  const bounds = [0, ...cuts, copy.length];
  let corrupted = 0;
  const delays: number[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const r = t.feed(copy.subarray(bounds[i], bounds[i + 1]), faults);
    corrupted += r.corrupted;
    if (r.delay) delays.push(r.delay.offset);
  }
  return { out: copy, corrupted, delays };
}

/** Positions where `a` and `b` differ. */
function diff(a: Buffer, b: Buffer): number[] {
  const at: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) at.push(i);
  return at;
}

const faults = (arm: Partial<Pick<TamperFaults, 'corruptBytes' | 'chunk' | 'delayMs'>>): TamperFaults => Object.assign(new TamperFaults(), arm);

describe('HTTP/2 tampering', function () {
  describe('the frame tracker', function () {
    it('corrupts the next N DATA payload bytes across frames, never headers, pad lengths or padding', () => {
      const parts = [HTTP2_PREFACE, settings(), frame(HEADERS, 4, 1, Buffer.alloc(30, 7)), dataFrame(Buffer.alloc(5, 1), 3), frame(HEADERS, 4, 3, Buffer.alloc(20, 7)), dataFrame(Buffer.alloc(100, 2))];
      const stream = Buffer.concat(parts);
      const f = faults({ corruptBytes: 8 });
      const r = run('client', stream, f);
      expect(r.corrupted).to.equal(8);
      expect(f.corruptBytes).to.equal(0);
      const firstData = parts.slice(0, 3).reduce((n, p) => n + p.length, 0) + 9 + 1; // after its header and pad length
      const secondData = parts.slice(0, 5).reduce((n, p) => n + p.length, 0) + 9;
      const expected = [0, 1, 2, 3, 4].map((i) => firstData + i).concat([0, 1, 2].map((i) => secondData + i));
      expect(diff(stream, r.out)).to.deep.equal(expected);
      expect([...r.out.subarray(firstData, firstData + 5)]).to.deep.equal(Array(5).fill(0xfe));
    });

    it('corrupts one byte in the middle of the next DATA frame of at least 1 KiB (chunk)', () => {
      const small = dataFrame(Buffer.alloc(CHUNK_FRAME_BYTES - 1));
      const big = dataFrame(Buffer.alloc(3000), 10);
      const stream = Buffer.concat([settings(), small, big, dataFrame(Buffer.alloc(5000))]);
      const f = faults({ chunk: true });
      const r = run('server', stream, f);
      expect(r.corrupted).to.equal(1);
      expect(f.chunk).to.equal(false);
      expect(diff(stream, r.out)).to.deep.equal([settings().length + small.length + 9 + 1 + 1500]);
    });

    it('finds the start of the next non-empty DATA frame for a delay', () => {
      const head = Buffer.concat([HTTP2_PREFACE, settings(), frame(HEADERS, 4, 1, Buffer.alloc(12)), dataFrame(Buffer.alloc(0))]);
      const stream = Buffer.concat([head, dataFrame(Buffer.alloc(50)), dataFrame(Buffer.alloc(50))]);
      const f = faults({ delayMs: 250 });
      const t = new Http2FrameTracker('client');
      const r = t.feed(Buffer.from(stream), f);
      expect(r.delay).to.deep.equal({ offset: head.length, ms: 250 });
      expect(f.delayMs).to.equal(undefined);
    });

    it('leaves a stream that is not HTTP/2 alone', () => {
      const bytes = randomBytes(5000);
      const client = run('client', bytes, faults({ corruptBytes: 100, chunk: true, delayMs: 5 }));
      expect(client.out.equals(bytes)).to.equal(true);
      // A server stream must start with SETTINGS: a DATA frame first is not HTTP/2.
      const notSettings = Buffer.concat([dataFrame(Buffer.alloc(2000)), dataFrame(Buffer.alloc(2000))]);
      const server = run('server', notSettings, faults({ corruptBytes: 100 }));
      expect(server.corrupted).to.equal(0);
      expect(server.out.equals(notSettings)).to.equal(true);
    });

    it('gives the same result however the stream is split into reads (seeded random splits)', () => {
      const random = new Prng(2024);
      const int = (n: number): number => Math.floor(random.next() * n);
      const frames: Buffer[] = [HTTP2_PREFACE, settings()];
      for (let i = 0; i < 300; i++) {
        const kind = int(4);
        if (kind === 0) frames.push(frame(HEADERS, 4, 1 + 2 * int(5), randomBytes(int(60))));
        else if (kind === 1) frames.push(dataFrame(randomBytes(int(3000))));
        else if (kind === 2) frames.push(dataFrame(randomBytes(int(3000)), int(256)));
        else frames.push(frame(8, 0, 0, randomBytes(4)));
      }
      const stream = Buffer.concat(frames);
      const arm = { corruptBytes: 20_000, chunk: true, delayMs: 7 };
      const whole = run('client', stream, faults(arm));
      expect(whole.corrupted).to.be.within(20_000, 20_001);
      expect(whole.delays).to.have.length(1);
      for (let trial = 0; trial < 300; trial++) {
        const cuts = new Set<number>();
        const pieces = trial % 3 === 0 ? 2000 : 1 + int(60);
        for (let i = 0; i < pieces; i++) cuts.add(1 + int(stream.length - 1));
        // Every tenth trial also cuts at every byte of a stretch (1-byte reads through headers and pad lengths).
        if (trial % 10 === 0) for (let i = 0, at = int(stream.length - 200); i < 200; i++) cuts.add(at + i);
        const split = run('client', stream, faults(arm), [...cuts].sort((x, y) => x - y));
        expect(split.corrupted, `trial ${trial}`).to.equal(whole.corrupted);
        expect(split.delays, `trial ${trial}`).to.deep.equal(whole.delays);
        expect(split.out.equals(whole.out), `trial ${trial}`).to.equal(true);
      }
    });
  });

  describe('through a relay, on a node:http2 session', function () {
    let net: Network;
    let server: http2.Http2Server;
    let session: http2.ClientHttp2Session;
    /** When the last request's headers and its first body bytes reached the server. */
    let arrival = { headers: 0, body: 0 };

    beforeEach(async () => {
      // The server echoes the request body.
      server = http2.createServer();
      server.on('stream', (stream) => {
        const parts: Buffer[] = [];
        arrival = { headers: performance.now(), body: 0 };
        stream.on('data', (d: Buffer) => {
          if (arrival.body === 0) arrival.body = performance.now();
          parts.push(d);
        });
        stream.on('end', () => {
          stream.respond({ ':status': 200 });
          stream.end(Buffer.concat(parts));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      const port = (server.address() as { port: number }).port;
      const a = await tcpServer(() => undefined);
      net = await Network.start(
        [
          { name: 'a', address: a.address },
          { name: 'b', address: `127.0.0.1:${port}` },
        ],
        [],
      );
      await a.close();
      session = http2.connect(`http://${net.routesFor('a')[`127.0.0.1:${port}`]!}`);
    });

    afterEach(async () => {
      session.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await net.close();
    });

    /** POSTs `body` and resolves with the echoed body. */
    function post(body: Buffer): Promise<Buffer> {
      return new Promise((resolve, reject) => {
        const req = session.request({ ':method': 'POST', ':path': '/' });
        const parts: Buffer[] = [];
        req.on('data', (d: Buffer) => parts.push(d));
        req.on('end', () => resolve(Buffer.concat(parts)));
        req.on('error', reject);
        req.end(body);
      });
    }

    it('corrupts exactly N payload bytes each way, and the session goes on', async () => {
      const body = randomBytes(100_000);
      expect((await post(body)).equals(body)).to.equal(true);
      const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
      net.corrupt('a', 'b', { bytes: 100 });
      expect(diff(body, await post(body))).to.deep.equal(range(0, 100));
      net.corrupt('b', 'a', { bytes: 7 });
      expect(diff(body, await post(body))).to.deep.equal(range(0, 7));
      const [st] = net.status();
      expect(st!.directions.map((d) => d.corruptedBytes)).to.deep.equal([100, 7]);
      expect((await post(body)).equals(body)).to.equal(true);
      expect(st!.connections.total).to.equal(1);
    });

    it('corrupts one byte of the next big DATA frame (chunk)', async () => {
      net.corrupt('a', 'b', { chunk: true });
      const body = randomBytes(64 * 1024);
      const echoed = await post(body);
      expect(diff(body, echoed)).to.have.length(1);
      expect((await post(body)).equals(body)).to.equal(true);
    });

    it('holds the next DATA frame the given time, the headers before it going on', async () => {
      await post(Buffer.from('warm up'));
      net.delay('a', 'b', 300);
      const t0 = performance.now();
      const body = randomBytes(10_000);
      expect((await post(body)).equals(body)).to.equal(true);
      expect(arrival.headers - t0).to.be.below(100);
      expect(arrival.body - arrival.headers).to.be.within(290, 450);
      const t1 = performance.now();
      await post(body);
      expect(since(t1)).to.be.below(100);
    });
  });
});
