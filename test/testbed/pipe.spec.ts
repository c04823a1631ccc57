/**
 * One direction of a link on a ManualClock, with ports that record what they are
 * given: the token bucket's rate and burst, round robin between flows, latency,
 * stalls and resets on loss, holds, backpressure both ways, the end of a flow and
 * pass-through when nothing shapes the pipe. Every figure here is exact, since
 * time moves only when the test says so.
 */
import { expect } from 'chai';
import { ManualClock } from '../../src/common/index.ts';
import type { LinkProfile } from '../../src/config/index.ts';
import { UNSHAPED } from '../../src/config/index.ts';
import { HIGH_WATER_BYTES, Pipe, SEGMENT_BYTES } from '../../src/testbed/pipe.ts';
import type { FlowPort } from '../../src/testbed/pipe.ts';
import { Prng } from '../../src/testbed/prng.ts';

const KiB = 1024;

/** A port that records writes (with the time), ends, pauses and resets; `full` makes write return false. */
class Recorder implements FlowPort {
  readonly writes: { at: number; data: Buffer }[] = [];
  ended = -1;
  paused = false;
  pauses = 0;
  resets = 0;
  full = false;
  constructor(private readonly clock: ManualClock) {}
  write(data: Buffer): boolean {
    this.writes.push({ at: this.clock.now(), data });
    return !this.full;
  }
  end(): void {
    this.ended = this.clock.now();
  }
  pauseInput(): void {
    this.paused = true;
    this.pauses++;
  }
  resumeInput(): void {
    this.paused = false;
  }
  reset(): void {
    this.resets++;
  }
  /** Bytes written by time `t` (all when t is omitted). */
  bytes(t = Infinity): number {
    return this.writes.filter((w) => w.at <= t).reduce((n, w) => n + w.data.length, 0);
  }
  all(): Buffer {
    return Buffer.concat(this.writes.map((w) => w.data));
  }
}

describe('a pipe (one direction of a link)', function () {
  let clock: ManualClock;
  const pipe = (p: Partial<LinkProfile>, seed = 1): Pipe => new Pipe('a->b', { ...UNSHAPED, ...p }, new Prng(seed), clock);
  const pattern = (n: number, salt = 0): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + salt) & 0xff));

  beforeEach(() => {
    clock = new ManualClock();
  });

  it('passes bytes straight through when nothing shapes it', () => {
    const p = pipe({});
    const out = new Recorder(clock);
    const f = p.open(out);
    const data = pattern(100_000);
    f.push(data);
    expect(out.writes).to.have.length(1);
    expect(out.writes[0]!.data).to.equal(data);
    f.end();
    expect(out.ended).to.equal(0);
    expect(p.counters.bytes).to.equal(100_000);
    expect(clock.waiting).to.equal(0);
  });

  it('sends a full bucket at once, then the bandwidth, in segments of at most 16 KiB', async () => {
    const rate = 10e6; // 10 MB/s: a 100 kB bucket (10 ms)
    const p = pipe({ bandwidth: rate });
    const out = new Recorder(clock);
    const f = p.open(out);
    f.push(pattern(2_000_000));
    expect(out.bytes(0)).to.be.within(100_000 - SEGMENT_BYTES, 100_000);
    await clock.advance(100);
    expect(out.bytes()).to.be.within(1_100_000 - SEGMENT_BYTES, 1_100_000);
    expect(Math.max(...out.writes.map((w) => w.data.length))).to.equal(SEGMENT_BYTES);
    await clock.advance(200);
    expect(out.all().equals(pattern(2_000_000))).to.equal(true);
  });

  it('lets the flows with data take turns, one segment each', async () => {
    const p = pipe({ bandwidth: 1e6 });
    const [x, y] = [new Recorder(clock), new Recorder(clock)];
    const fx = p.open(x);
    const fy = p.open(y);
    fx.push(pattern(400 * KiB));
    // x had the full bucket to itself; from now on they share.
    const x0 = x.bytes();
    fy.push(pattern(400 * KiB));
    for (let t = 50; t <= 300; t += 50) {
      await clock.advance(50);
      expect(Math.abs(x.bytes() - x0 - y.bytes()), `at ${t} ms`).to.be.at.most(SEGMENT_BYTES);
    }
    expect(x.bytes() + y.bytes()).to.be.within(64 * KiB + 300_000 - SEGMENT_BYTES, 64 * KiB + 300_000);
  });

  it('delivers each segment the latency after it was sent, and a new latency applies to segments in flight', async () => {
    const p = pipe({ latencyMs: 40 });
    const out = new Recorder(clock);
    const f = p.open(out);
    f.push(pattern(10));
    await clock.advance(39);
    expect(out.bytes()).to.equal(0);
    await clock.advance(1);
    expect(out.writes.map((w) => w.at)).to.deep.equal([40]);
    f.push(pattern(10));
    await clock.advance(10);
    // Sent at 40: due at 45 now, so delivered at once.
    p.setProfile({ ...p.profile, latencyMs: 5 });
    expect(out.writes.map((w) => w.at)).to.deep.equal([40, 50]);
  });

  it('stalls a flow that lost a segment for the retransmission timeout while other flows go on', async () => {
    const p = pipe({ loss: 1, latencyMs: 10 });
    const [x, y] = [new Recorder(clock), new Recorder(clock)];
    const fx = p.open(x);
    fx.push(pattern(1000));
    expect(p.counters.lostSegments).to.equal(1);
    p.setProfile({ ...p.profile, loss: 0 });
    const fy = p.open(y);
    fy.push(pattern(1000));
    await clock.advance(10);
    expect([x.bytes(), y.bytes()]).to.deep.equal([0, 1000]);
    // RTO = max(200 ms, 2 × RTT): 200 ms, then the latency.
    await clock.advance(199);
    expect(x.bytes()).to.equal(0);
    await clock.advance(1);
    expect(x.writes.map((w) => w.at)).to.deep.equal([210]);
    expect(x.all().equals(pattern(1000))).to.equal(true);
  });

  it('resets the connection on a lost segment in drop mode, and forgets the flow', async () => {
    const p = pipe({ loss: 1, lossMode: 'drop', bandwidth: 1e6 });
    const out = new Recorder(clock);
    const f = p.open(out);
    f.push(pattern(100 * KiB));
    expect(out.resets).to.equal(1);
    expect(f.closed).to.equal(true);
    await clock.advance(1000);
    expect(out.writes).to.have.length(0);
    expect(p.queuedBytes).to.equal(0);
  });

  it('repeats its losses and jitter for a seed', async () => {
    const runOnce = async (seed: number): Promise<number[]> => {
      clock = new ManualClock();
      const p = pipe({ bandwidth: 5e6, latencyMs: 5, jitterMs: 5, loss: 0.2 }, seed);
      const out = new Recorder(clock);
      p.open(out).push(pattern(300 * KiB));
      await clock.advance(3000);
      expect(out.all().equals(pattern(300 * KiB))).to.equal(true);
      return out.writes.map((w) => w.at);
    };
    const first = await runOnce(9);
    expect(await runOnce(9)).to.deep.equal(first);
    expect(await runOnce(10)).not.to.deep.equal(first);
  });

  it('holds the bytes from an offset on for the time asked, those before it going on', async () => {
    const p = pipe({});
    const out = new Recorder(clock);
    const f = p.open(out);
    f.push(pattern(50));
    f.holdFrom(80, 30);
    f.push(pattern(100, 50));
    expect(out.bytes()).to.equal(80);
    await clock.advance(29);
    expect(out.bytes()).to.equal(80);
    await clock.advance(1);
    expect(out.bytes()).to.equal(150);
    expect(out.all().equals(Buffer.concat([pattern(50), pattern(100, 50)]))).to.equal(true);
  });

  it('pauses its input above the high-water mark and waits for drain on a full output', async () => {
    const p = pipe({ bandwidth: 1e6 });
    const out = new Recorder(clock);
    const f = p.open(out);
    const first = HIGH_WATER_BYTES + 64 * KiB + 1;
    f.push(pattern(first));
    expect(out.paused).to.equal(true);
    await clock.advance(300);
    expect([out.bytes(), out.paused]).to.deep.equal([first, false]);
    out.full = true;
    f.push(pattern(100 * KiB));
    const stuck = out.writes.length;
    await clock.advance(500);
    expect(out.writes.length).to.equal(stuck);
    expect(out.paused).to.equal(true);
    out.full = false;
    f.drained();
    expect(out.paused).to.equal(false);
    await clock.advance(1000);
    f.end();
    expect(out.bytes()).to.equal(first + 100 * KiB);
    expect(out.ended).to.equal(clock.now());
    expect(clock.waiting).to.equal(0);
  });

  it('holds everything in a blackhole and lets it go in order on release', async () => {
    const p = pipe({ latencyMs: 5 });
    const out = new Recorder(clock);
    const f = p.open(out);
    f.push(pattern(100));
    p.hold();
    f.push(pattern(100, 1));
    await clock.advance(100);
    expect(out.bytes()).to.equal(0);
    p.release();
    await clock.advance(5);
    expect(out.all().equals(Buffer.concat([pattern(100), pattern(100, 1)]))).to.equal(true);
  });
});
