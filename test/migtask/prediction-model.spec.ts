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
import { BATCH_OVERHEAD_BYTES, IN_FLIGHT_BYTES, PAGE_INDEX_BYTES, TRAILER_BYTES } from '../../src/migtask/prediction-model.ts';

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
  probeBytes: 0,
  precopyStopPages: 64,
  precopyMaxRounds: 12,
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
      { what: 'three: the last two', probes: [{ bytes: 1, ms: 1 }, { bytes: 100_000, ms: 10 }, { bytes: 200_000, ms: 60 }], bytesPerS: 2e6 },
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
    it('of a task that dirties nothing: round 0, then a stop-and-copy of nothing', () => {
      const o = predictOutcome('precopy', base, BATCH, CATCH_UP_MAX);
      expect(o.pagesPerRound).to.deep.equal([1200, 0]);
      expect(o).to.include({ rounds: 2, pages: 1200, precopyStop: 'few-dirty' });
      const round0 = data(1000) + 200 * PAGE_INDEX_BYTES;
      const catchUp = IN_FLIGHT_BYTES / 1000 + 4;
      close(o.downtimeMs, (2000 + TRAILER_BYTES) / 1000 + 8, 'downtime: the state, the trailer, Receive and Commit');
      close(o.totalMs, 4 + 2000 / 1000 + round0 / 1000 + catchUp + o.downtimeMs, 'total');
    });

    it('sends in each round what the one before dirtied: a geometric series when the rate is below the bandwidth', () => {
      // About 244 pages/s of bandwidth against 100 pages/s dirtied: each round about 0.41 of the one before.
      const dirty: DirtyCurve = { windowMs: 200, workingSetPages: 1e6, ratePagesPerS: 100, growthPagesPerS: 0 };
      const o = predictOutcome('precopy', { ...base, dirty }, BATCH, CATCH_UP_MAX);
      // Round 0 takes 4100 ms and dirties 410 pages; 410 take 1681 ms (168 dirtied), 168 take 689 ms (69), 69 take 283 ms (28: few
      // enough); the catch-up (64 KiB and a round trip, 69.5 ms) adds to what the last round dirtied: 352 ms, 35 pages.
      expect(o.pagesPerRound).to.deep.equal([1200, 410, 168, 69, 35]);
      expect(o).to.include({ rounds: 5, precopyStop: 'few-dirty', pages: 1200 + 410 + 168 + 69 + 35 });
      close(o.downtimeMs, (data(35) + 2000 + TRAILER_BYTES) / 1000 + 8, 'downtime: the last 35 pages, the state, the trailer, Receive and Commit');
    });

    it('stops after precopy_max_rounds when the working set stays above precopy_stop_pages', () => {
      const dirty: DirtyCurve = { windowMs: 200, workingSetPages: 100, ratePagesPerS: 1e6, growthPagesPerS: 0 };
      const o = predictOutcome('precopy', { ...base, dirty, precopyMaxRounds: 3 }, BATCH, CATCH_UP_MAX);
      expect(o.pagesPerRound).to.deep.equal([1200, 100, 100, 100]);
      expect(o).to.include({ rounds: 4, precopyStop: 'max-rounds' });
    });

    it('stops for few dirty pages before it counts rounds, as StopAndTransfer does', () => {
      const dirty: DirtyCurve = { windowMs: 200, workingSetPages: 10, ratePagesPerS: 1e6, growthPagesPerS: 0 };
      const o = predictOutcome('precopy', { ...base, dirty, precopyMaxRounds: 1 }, BATCH, CATCH_UP_MAX);
      expect(o).to.include({ rounds: 2, precopyStop: 'few-dirty' });
      expect(o.pagesPerRound).to.deep.equal([1200, 10]);
    });

    it('with one round at most, stops after round 0 whatever is dirty', () => {
      const dirty: DirtyCurve = { windowMs: 200, workingSetPages: 1200, ratePagesPerS: 1e6, growthPagesPerS: 0 };
      const o = predictOutcome('precopy', { ...base, dirty, precopyMaxRounds: 1 }, BATCH, CATCH_UP_MAX);
      expect(o).to.include({ rounds: 2, precopyStop: 'max-rounds', pages: 2400 });
    });

    it('waits at most the catch-up limit for the sink', () => {
      const slow = predictOutcome('precopy', { ...base, bandwidthBytesPerS: 10 }, BATCH, 50);
      const faster = predictOutcome('precopy', { ...base, bandwidthBytesPerS: 10 }, BATCH, 100);
      close(faster.totalMs - slow.totalMs, 50, 'the catch-up wait, capped');
    });
  });

  it('refuses a bandwidth that is not positive', () => {
    expect(() => predictOutcome('full', { ...base, bandwidthBytesPerS: 0 }, BATCH, CATCH_UP_MAX)).to.throw(RangeError, /bandwidth/);
  });
});
