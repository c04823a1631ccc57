/**
 * The prediction model (src/migtask/prediction-model.ts), pure, in tables: the
 * fit of a dirty curve to a window's samples, the pages a curve dirties in a
 * given time, the bandwidth of a series of probes, and what each mode costs,
 * computed by hand for small inputs and checked for the shape pre-copy's rounds
 * take (the rule that ends them is the one StopAndTransfer uses).
 */
import { expect } from 'chai';
import {
  bandwidthOf,
  dirtiedWithin,
  fitDirtyCurve,
  median,
  predictOutcome,
  type DirtyCurve,
  type DirtySample,
  type PredictionInputs,
} from '../../src/migtask/index.ts';
import { TRAILER_BYTES } from '../../src/migtask/prediction-model.ts';
import { BATCH_OVERHEAD_BYTES, PAGE_INDEX_BYTES } from '../../src/migtask/source-stream-model.ts';

const POINTS = [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 3 / 4, 1];
/** Samples of a 200 ms window of a task whose distinct dirty pages follow `curve`. */
const window200 = (curve: (ms: number) => number): DirtySample[] => POINTS.map((f) => ({ ms: f * 200, pages: curve(f * 200) }));

const still: DirtyCurve = { windowMs: 200, workingSetPages: 0, ratePagesPerS: 0, growthPagesPerS: 0 };

/** 1000 non-zero pages of 4 KiB, 200 zero pages, a 2000-byte header, 1 MB/s, 4 ms round trips, nothing dirtied. */
const base: PredictionInputs = {
  pageSize: 4096,
  presentPages: 1200,
  nonzeroPages: 1000,
  headerBytes: 2000,
  scanMs: 5,
  dirty: still,
  bandwidthBytesPerS: 1e6,
  rttMs: 4,
  compressionRatio: 1,
  batchMs: 0,
  batchLatencyMs: 0,
  zeroBatches: 0,
  probeBytes: 0,
  precopyStopPages: 64,
  precopyMaxRounds: 12,
  // 0: the downtime rule fires only for nothing dirty (few-dirty comes first); its own cases set one.
  downtimeLimitMs: 0,
  maxBandwidthBytesPerS: 0,
  autoConverge: false,
};
const BATCH = 64;
const CATCH_UP_MAX = 2000;
/** Payload bytes of n data pages in batches of 64, uncompressed. */
const data = (n: number, ratio = 1): number => (n * (4096 + PAGE_INDEX_BYTES)) / ratio + Math.ceil(n / BATCH) * BATCH_OVERHEAD_BYTES;
const close = (actual: number, expected: number, what: string): void => {
  expect(actual, what).to.be.closeTo(expected, 1e-6);
};

describe('the prediction model', function () {
  describe('median', function () {
    const table: [number[], number][] = [
      [[], 0],
      [[7], 7],
      [[3, 1, 2], 2],
      [[4, 1, 3, 2], 2.5],
    ];
    for (const [values, expected] of table) it(`of [${values.join(', ')}] is ${expected}`, () => expect(median(values)).to.equal(expected));
  });

  describe('fitting a dirty curve to the samples of a window', function () {
    const table: { what: string; samples: DirtySample[]; ws: number; rate: [number, number]; growth: [number, number] }[] = [
      { what: 'a task that dirties nothing', samples: window200(() => 0), ws: 0, rate: [0, 0], growth: [0, 0] },
      { what: 'a sweep of 16 pages every tick: all 16 at once, levelled', samples: window200(() => 16), ws: 16, rate: [5000, Infinity], growth: [0, 0] },
      { what: 'one new page a millisecond, never levelling', samples: window200((t) => Math.floor(t)), ws: 200, rate: [950, 1050], growth: [990, 1010] },
      { what: '2000 pages/s into a working set of 256 (full by 128 ms)', samples: window200((t) => Math.min(256, Math.floor(2 * t))), ws: 256, rate: [1900, 2100], growth: [0, 0] },
      {
        what: 'the same after a burst of catch-up ticks at the start (60 pages at once): the rate is how fast half the working set was reached (128 pages in 34 ms)',
        samples: window200((t) => Math.min(256, 60 + Math.floor(2 * t))),
        ws: 256,
        rate: [3700, 3800],
        growth: [0, 0],
      },
    ];
    for (const row of table) {
      it(row.what, () => {
        const c = fitDirtyCurve(row.samples);
        expect(c.windowMs).to.equal(row.samples.at(-1)!.ms);
        expect(c.workingSetPages).to.equal(row.ws);
        expect(c.ratePagesPerS).to.be.within(row.rate[0], row.rate[1]);
        expect(c.growthPagesPerS).to.be.within(row.growth[0], row.growth[1]);
      });
    }

    it('of no samples is a task that dirties nothing', () => {
      expect(fitDirtyCurve([])).to.deep.equal({ windowMs: 0, workingSetPages: 0, ratePagesPerS: 0, growthPagesPerS: 0 });
    });
  });

  describe('pages a curve dirties in a given time', function () {
    const curve: DirtyCurve = { windowMs: 200, workingSetPages: 300, ratePagesPerS: 2000, growthPagesPerS: 100 };
    const table: [number, number][] = [
      [0, 0],
      [50, 100], // rate × t
      [150, 300], // the working set
      [200, 300],
      [1200, 400], // beyond the window: the growth, 100 pages/s for 1 s
      [100_000, 1000], // never more than present
    ];
    for (const [ms, pages] of table) it(`in ${ms} ms: ${pages}`, () => expect(dirtiedWithin(curve, ms, 1000)).to.equal(pages));
  });

  describe('the bandwidth of a series of probes', function () {
    const table: { what: string; probes: { bytes: number; ms: number }[]; bytesPerS: number }[] = [
      { what: 'none', probes: [], bytesPerS: 0 },
      { what: 'one probe: its bytes over its time', probes: [{ bytes: 100_000, ms: 100 }], bytesPerS: 1e6 },
      { what: 'two: the difference, so a fixed cost (a round trip, a burst) cancels', probes: [{ bytes: 100_000, ms: 30 }, { bytes: 200_000, ms: 130 }], bytesPerS: 1e6 },
      { what: 'three in line: their slope', probes: [{ bytes: 100_000, ms: 60 }, { bytes: 200_000, ms: 110 }, { bytes: 400_000, ms: 210 }], bytesPerS: 2e6 },
      { what: 'the small first ones are left out of the fit', probes: [{ bytes: 1000, ms: 50 }, { bytes: 100_000, ms: 60 }, { bytes: 200_000, ms: 110 }, { bytes: 400_000, ms: 210 }], bytesPerS: 2e6 },
      { what: 'noise is averaged: least squares', probes: [{ bytes: 100_000, ms: 62 }, { bytes: 200_000, ms: 108 }, { bytes: 400_000, ms: 212 }], bytesPerS: 1_988_636.3636363635 },
      { what: 'two that do not grow: the last alone', probes: [{ bytes: 100_000, ms: 50 }, { bytes: 100_000, ms: 40 }], bytesPerS: 2.5e6 },
    ];
    for (const row of table) it(row.what, () => close(bandwidthOf(row.probes), row.bytesPerS, 'bytes/s'));
  });

  describe('a full migration', function () {
    it('is one round trip, the scan, the header, the non-zero pages and the trailer, then Receive and Commit', () => {
      const o = predictOutcome('full', base, BATCH, CATCH_UP_MAX);
      const bytes = 2000 + TRAILER_BYTES + data(1000);
      close(o.downtimeMs, 5 + bytes / 1000 + 8, 'downtime');
      close(o.totalMs, 4 + o.downtimeMs, 'total');
      expect(o).to.include({ rounds: 1, pages: 1000, bytes: Math.round(bytes) });
      expect(o.pagesPerRound).to.deep.equal([1000]);
      expect(o.precopyStop).to.equal(undefined);
    });

    it('sends the pages compressed by the ratio', () => {
      const o = predictOutcome('full', { ...base, compressionRatio: 4 }, BATCH, CATCH_UP_MAX);
      expect(o.bytes).to.equal(Math.round(2000 + TRAILER_BYTES + data(1000, 4)));
    });

    it('does not depend on the dirty rate', () => {
      const busy = { ...base, dirty: { windowMs: 200, workingSetPages: 1000, ratePagesPerS: 1e6, growthPagesPerS: 0 } };
      expect(predictOutcome('full', busy, BATCH, CATCH_UP_MAX)).to.deep.equal(predictOutcome('full', base, BATCH, CATCH_UP_MAX));
    });
  });

  describe('a lazy migration', function () {
    it('stops only for the header; every present page is pushed after the sink resumes', () => {
      const o = predictOutcome('lazy', base, BATCH, CATCH_UP_MAX);
      const ends = 2000 + TRAILER_BYTES;
      const pushed = data(1000) + 200 * PAGE_INDEX_BYTES;
      close(o.downtimeMs, ends / 1000 + 8, 'downtime');
      close(o.totalMs, 4 + o.downtimeMs + pushed / 1000 + 4, 'total');
      expect(o).to.include({ rounds: 1, pages: 1200, bytes: Math.round(ends + pushed) });
    });
  });

  describe('a pre-copy migration', function () {
    /** 5000 pages of data at 1 MB/s: round 0 is far larger than the buffers of the stream. */
    const large: PredictionInputs = { ...base, presentPages: 5000, nonzeroPages: 5000 };
    const curve = (workingSetPages: number, ratePagesPerS: number): DirtyCurve => ({ windowMs: 200, workingSetPages, ratePagesPerS, growthPagesPerS: 0 });

    it('of a task that dirties nothing: round 0, then a stop-and-copy of nothing', () => {
      const fast = { ...base, bandwidthBytesPerS: 100e6 };
      const o = predictOutcome('precopy', fast, BATCH, CATCH_UP_MAX);
      expect(o.pagesPerRound).to.deep.equal([1200, 0]);
      expect(o).to.include({ rounds: 2, pages: 1200, precopyStop: 'few-dirty' });
      // The header and round 0 go at 100 MB/s after the negotiation, the link busy all along; the source waits
      // until a query after the last byte arrived (1.5 round trips); then the state, the trailer, Receive's reply, the Commit.
      const round0 = data(1000) + 200 * PAGE_INDEX_BYTES;
      const stopAt = 4 + (2000 + round0) / 1e5 + 1.5 * 4;
      close(o.downtimeMs, (2000 + TRAILER_BYTES) / 1e5 + 8, 'downtime');
      close(o.totalMs, stopAt + o.downtimeMs, 'total');
    });

    it('sends in each round what the one before dirtied: a geometric series while rounds are larger than the call buffer', () => {
      // 50000 pages of data, 100 MB/s (24400 pages/s), 12000 pages/s dirtied: each round about 0.49 of the one before.
      const dirty: DirtyCurve = { windowMs: 200, workingSetPages: 1e6, ratePagesPerS: 12_000, growthPagesPerS: 0 };
      const big = { ...base, presentPages: 50_000, nonzeroPages: 50_000, bandwidthBytesPerS: 100e6, dirty };
      const o = predictOutcome('precopy', big, BATCH, CATCH_UP_MAX);
      const r = o.pagesPerRound;
      for (let i = 1; i <= 4; i++) expect(r[i]! / r[i - 1]!, `round ${i} / round ${i - 1}`).to.be.within(0.44, 0.52);
      // Once a round fits the call buffer it is written at once and looks clean, but while the sink catches up
      // the task dirties about as many pages as before: asked again, the rules say no-progress.
      expect(o.precopyStop).to.equal('no-progress');
      expect(o.rounds).to.be.within(7, 12);
      expect(o.pages).to.equal(r.reduce((a, b) => a + b, 0));
      expect(o.bytes).to.be.greaterThan(o.pages * 4096);
    });

    it('ends a round as soon as its last batch is in the call buffer: a small round takes no time', () => {
      // All 100 pages of the working set are dirty after round 0; round 1 (two batches) fits the buffer and is
      // written at once, so nothing is dirty after it (few-dirty); the wait for the sink lets the task dirty all
      // 100 again, and asked again then, the rules find the set did not shrink.
      const o = predictOutcome('precopy', { ...large, dirty: curve(100, 1e6) }, BATCH, CATCH_UP_MAX);
      expect(o.pagesPerRound).to.deep.equal([5000, 100, 100]);
      expect(o).to.include({ rounds: 3, precopyStop: 'no-progress' });
    });

    it('lasts, for a small round, the latency of its first batch and the pace of the rest', () => {
      // On a link that is never the bottleneck: round 1 (256 pages: 4 batches) takes 8 + 3 × 4 = 20 ms, in which
      // 5000 pages/s dirty 100; round 2 (2 batches) 12 ms: 60, few enough, but with the wait (about 6 ms) 91, more
      // than 64 and fewer than 100: taken back; round 3 sends the 91, and with its wait dirties 91 again: no-progress.
      const o = predictOutcome('precopy', { ...large, bandwidthBytesPerS: 1e9, dirty: curve(256, 5000), batchMs: 4, batchLatencyMs: 8 }, BATCH, CATCH_UP_MAX);
      expect(o.pagesPerRound).to.deep.equal([5000, 256, 100, 91, 91]);
      expect(o).to.include({ rounds: 5, precopyStop: 'no-progress' });
    });

    it('stops for no progress when a round leaves as many pages dirty as the one before (the working set stays above precopy_stop_pages)', () => {
      const o = predictOutcome('precopy', { ...large, dirty: curve(100, 1e6), batchMs: 1, precopyMaxRounds: 12 }, BATCH, CATCH_UP_MAX);
      expect(o.pagesPerRound).to.deep.equal([5000, 100, 100]);
      expect(o).to.include({ rounds: 3, precopyStop: 'no-progress' });
    });

    it('stops after precopy_max_rounds before it looks for progress', () => {
      const o = predictOutcome('precopy', { ...large, dirty: curve(100, 1e6), batchMs: 1, precopyMaxRounds: 2 }, BATCH, CATCH_UP_MAX);
      expect(o.pagesPerRound).to.deep.equal([5000, 100, 100]);
      expect(o).to.include({ rounds: 3, precopyStop: 'max-rounds' });
    });

    describe('the downtime limit, the bandwidth cap and auto-converge (as StopAndTransfer takes them)', function () {
      // 1000 pages always dirty at 100 MB/s: sending them takes 41 ms.
      const busy = { ...large, bandwidthBytesPerS: 100e6, dirty: curve(1000, 1e6) };

      it('stops after round 0 when the dirty pages fit the downtime limit at the link rate', () => {
        const o = predictOutcome('precopy', { ...busy, downtimeLimitMs: 300 }, BATCH, CATCH_UP_MAX);
        expect(o).to.include({ rounds: 2, precopyStop: 'downtime-limit' });
        expect(o.pagesPerRound).to.deep.equal([5000, 1000]);
      });

      it('goes on while they do not fit (a limit of 40 ms for 41 ms of pages), until a round makes no progress', () => {
        const o = predictOutcome('precopy', { ...busy, downtimeLimitMs: 40 }, BATCH, CATCH_UP_MAX);
        expect(o).to.include({ precopyStop: 'no-progress' });
        expect(o.pagesPerRound).to.deep.equal([5000, 1000, 1000]);
      });

      it('takes the compression seen into the expected downtime: at 2:1 the same pages fit 21 ms', () => {
        const o = predictOutcome('precopy', { ...busy, compressionRatio: 2, downtimeLimitMs: 21 }, BATCH, CATCH_UP_MAX);
        expect(o).to.include({ rounds: 2, precopyStop: 'downtime-limit' });
      });

      it('sends at the bandwidth cap when it is below the link: a full migration at half the rate takes about twice as long', () => {
        const slow = { ...base, bandwidthBytesPerS: 1e6 };
        const free = predictOutcome('full', slow, BATCH, CATCH_UP_MAX);
        const capped = predictOutcome('full', { ...slow, maxBandwidthBytesPerS: 5e5 }, BATCH, CATCH_UP_MAX);
        expect(capped.downtimeMs / free.downtimeMs).to.be.within(1.95, 2.05);
        expect(predictOutcome('full', { ...slow, maxBandwidthBytesPerS: 1e9 }, BATCH, CATCH_UP_MAX).downtimeMs, 'a cap above the link changes nothing').to.equal(free.downtimeMs);
      });

      it('auto-converge: a task that dirties faster than half the rate converges, the throttle growing 20 %, then 10 % a round', () => {
        // 400 new pages/s (1.6 MB/s) against 1 MB/s: without auto-converge every round is all 5000 pages.
        const racing = { ...large, dirty: { windowMs: 200, workingSetPages: 1e6, ratePagesPerS: 400, growthPagesPerS: 0 }, downtimeLimitMs: 300 };
        const plain = predictOutcome('precopy', racing, BATCH, CATCH_UP_MAX);
        expect(plain).to.include({ precopyStop: 'no-progress' });
        expect(plain.throttlePerRound, 'no throttle without auto-converge').to.equal(undefined);
        const o = predictOutcome('precopy', { ...racing, autoConverge: true }, BATCH, CATCH_UP_MAX);
        expect(o.precopyStop).to.be.oneOf(['few-dirty', 'downtime-limit']);
        expect(o.rounds, 'at most precopy_max_rounds live rounds, then the stop-and-copy').to.be.at.most(13);
        expect(o.throttlePerRound!.slice(0, 4)).to.deep.equal([0, 20, 30, 40]);
        expect(o.throttlePerRound, 'one throttle per live round').to.have.length(o.rounds - 1);
        expect(o.downtimeMs).to.be.lessThan(plain.downtimeMs / 5);
      });
    });

    it('stops for few dirty pages before it counts rounds, as StopAndTransfer does', () => {
      const o = predictOutcome('precopy', { ...large, dirty: curve(10, 1e6), precopyMaxRounds: 1 }, BATCH, CATCH_UP_MAX);
      expect(o).to.include({ rounds: 2, precopyStop: 'few-dirty' });
      expect(o.pagesPerRound).to.deep.equal([5000, 10]);
    });

    it('with one round at most, stops after round 0 whatever is dirty', () => {
      const o = predictOutcome('precopy', { ...large, dirty: curve(5000, 1e6), precopyMaxRounds: 1 }, BATCH, CATCH_UP_MAX);
      expect(o).to.include({ rounds: 2, precopyStop: 'max-rounds', pages: 10_000 });
    });

    it('waits at most the catch-up limit; what is still on its way then is in the downtime', () => {
      const slow = { ...base, bandwidthBytesPerS: 1000 };
      const short = predictOutcome('precopy', slow, BATCH, 50);
      const long = predictOutcome('precopy', slow, BATCH, 100);
      close(short.downtimeMs - long.downtimeMs, 50, 'the downtime holds the backlog the wait did not');
      close(short.totalMs, long.totalMs, 'total: the link is busy all along');
    });

    it('writes no faster than it prepares batches, whatever the link', () => {
      const fast = { ...base, bandwidthBytesPerS: 1e12, batchMs: 10 };
      const o = predictOutcome('full', fast, BATCH, CATCH_UP_MAX);
      // 16 batches of 10 ms, four at a time in the pipeline but one after the other in throughput.
      expect(o.downtimeMs).to.be.within(5 + 160, 5 + 160 + 9);
    });
  });

  it('refuses a bandwidth that is not positive', () => {
    expect(() => predictOutcome('full', { ...base, bandwidthBytesPerS: 0 }, BATCH, CATCH_UP_MAX)).to.throw(RangeError, /bandwidth/);
  });
});
