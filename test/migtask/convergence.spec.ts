/**
 * The pieces of migration control that need no node (README, "Migration
 * control"): the stop rules in their order, auto-converge's throttle steps, the
 * bandwidth pacer (in virtual time) and the turn queue of the concurrency limits.
 */
import { expect } from 'chai';
import { ManualClock } from '../../src/common/index.ts';
import { nextThrottle, Pacer, PrecopyGovernor, SLICE_MS, stopRule, TurnQueue, type RoundFacts } from '../../src/migtask/index.ts';
import type { MigrationRun } from '../../src/migtask/migration-run.ts';

const facts = (f: Partial<RoundFacts>): RoundFacts => ({
  rounds: 1,
  dirtyPages: 1024,
  previousDirtyPages: undefined,
  expectedDowntimeMs: 1000,
  stopPages: 64,
  maxRounds: 12,
  downtimeLimitMs: 300,
  canThrottleMore: false,
  ...f,
});

describe('pre-copy stop rules', () => {
  it('stop by few-dirty, downtime-limit, max-rounds and no-progress, in that order', () => {
    expect(stopRule(facts({ dirtyPages: 10, expectedDowntimeMs: 5 })), 'few pages dirty').to.equal('few-dirty');
    expect(stopRule(facts({ expectedDowntimeMs: 299 })), 'the dirty pages fit in the limit').to.equal('downtime-limit');
    expect(stopRule(facts({ rounds: 12, previousDirtyPages: 1024 })), 'the rounds ran out').to.equal('max-rounds');
    expect(stopRule(facts({ rounds: 2, previousDirtyPages: 1024 })), 'the round did not shrink the dirty set').to.equal('no-progress');
    expect(stopRule(facts({ rounds: 2, previousDirtyPages: 2000 })), 'it shrank: go on').to.equal(undefined);
    expect(stopRule(facts({ rounds: 1 })), 'after the first round there is nothing to compare').to.equal(undefined);
  });

  it('with auto-converge, a round that did not shrink the set goes on while the throttle can grow', () => {
    expect(stopRule(facts({ rounds: 2, previousDirtyPages: 1024, canThrottleMore: true }))).to.equal(undefined);
    expect(stopRule(facts({ rounds: 12, previousDirtyPages: 1024, canThrottleMore: true })), 'max-rounds still holds').to.equal('max-rounds');
  });
});

describe('pre-copy governor: a stop confirmed after the sink caught up', () => {
  /** The parts of a migration run the governor reads and writes; nothing is sent. */
  const run = (downtimeLimitMs: number) => {
    const passes: string[] = [];
    const r = {
      stats: { bytes: 0, rounds: 0, pagesPerRound: [] as number[], throttlePerRound: [] as number[], precopyStop: undefined as string | undefined, transferBytesPerS: 0, expectedDowntimeMs: 0 },
      control: { pass: 0, remainingBytes: 0, throttle: 0, maxBandwidth: 0, transferBytesPerS: 0, dirtyRatePagesPerS: 0, expectedDowntimeMs: 0, downtimeLimitMs, autoConverge: false },
      raw: 0,
      sent: 0,
      host: { migrationEvent: (_t: string, _step: string, detail: string) => passes.push(detail) },
      options: { task: 't' },
      task: { throttle: 0 },
    };
    return { r, passes, governor: new PrecopyGovernor(r as unknown as MigrationRun, 4096, 16, 12) };
  };
  const round = (g: PrecopyGovernor, r: { stats: { rounds: number } }, dirty: number) => {
    r.stats.rounds++;
    g.beginRound(1024);
    return g.endRound(dirty);
  };

  it('asks the rules again once the sink caught up: a round that looked clean before the task ran stops by no-progress', () => {
    const { r, governor } = run(0);
    expect(round(governor, r, 1024), 'the first round leaves the write set dirty').to.equal(undefined);
    expect(round(governor, r, 0), 'a round queued before the task ran looks clean').to.equal('few-dirty');
    expect(governor.confirmStop(1024), 'the write set is dirty again once the sink caught up: it did not shrink').to.equal(true);
    expect(r.stats.precopyStop).to.equal('no-progress');
  });

  it('takes a stop back when no rule holds once the sink caught up, and goes on', () => {
    const { r, passes, governor } = run(0);
    expect(round(governor, r, 1024)).to.equal(undefined);
    expect(round(governor, r, 0)).to.equal('few-dirty');
    expect(governor.confirmStop(512), 'fewer pages than the round before, more than precopy_stop_pages').to.equal(false);
    expect(r.stats.precopyStop, 'the stop is taken back').to.equal(undefined);
    expect(passes.at(-1), 'the pass event says so').to.match(/512 dirty once the sink caught up: the stop is taken back/);
    expect(round(governor, r, 512), 'the next round did not shrink the 512').to.equal('no-progress');
  });

  it('keeps a few-dirty stop when the pages dirty after catching up are still few', () => {
    const { r, governor } = run(0);
    expect(round(governor, r, 10)).to.equal('few-dirty');
    expect(governor.confirmStop(16), 'at most precopy_stop_pages dirty').to.equal(true);
    expect(r.stats.precopyStop).to.equal('few-dirty');
  });
});

describe('auto-converge throttle', () => {
  it('starts at 20 %, adds 10 % a round and stops at 99 %, while the task dirties faster than half the transfer rate', () => {
    const steps: number[] = [];
    let t = 0;
    for (let i = 0; i < 11; i++) steps.push((t = nextThrottle(t, 100, 150)));
    expect(steps).to.deep.equal([20, 30, 40, 50, 60, 70, 80, 90, 99, 99, 99]);
  });

  it('keeps the throttle it has once the dirty rate is at most half the transfer rate', () => {
    expect(nextThrottle(0, 50, 100)).to.equal(0);
    expect(nextThrottle(40, 50, 100)).to.equal(40);
    expect(nextThrottle(40, 51, 100)).to.equal(50);
  });
});

describe('bandwidth pacer', () => {
  it('lets a burst pass at once, then paces chunks to the rate; a new rate applies from the next chunk', async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(clock, 1000); // 1000 bytes/s, burst 100 bytes
    const passed: number[] = [];
    const send = (n: number): Promise<void> => pacer.take(100).then(() => void passed.push(n));
    await send(0);
    expect(clock.now(), 'the first chunk needs no wait').to.equal(0);
    const second = send(1);
    await clock.advance(50);
    expect(passed, 'half a chunk earned').to.deep.equal([0]);
    await clock.advance(60);
    await second;
    expect(passed).to.deep.equal([0, 1]);
    pacer.setRate(0);
    await send(2);
    expect(passed, 'unlimited: at once').to.deep.equal([0, 1, 2]);
  });
});

describe('bandwidth pacer in debt', () => {
  // 64 KiB at 1 B/s: the chunk goes (the bucket was full) and leaves 65,536 s of debt.
  async function inDebt(): Promise<{ clock: ManualClock; pacer: Pacer }> {
    const clock = new ManualClock();
    const pacer = new Pacer(clock, 1);
    await pacer.take(65_536);
    return { clock, pacer };
  }

  it('a new rate (unlimited, or higher) ends a wait within one slice, not after the debt', async () => {
    const { clock, pacer } = await inDebt();
    let passed = false;
    const next = pacer.take(100).then(() => (passed = true));
    await clock.advance(5 * SLICE_MS);
    expect(passed, 'still paying the debt').to.equal(false);
    pacer.setRate(0);
    await clock.advance(SLICE_MS);
    await next;
    expect(passed).to.equal(true);
    expect(clock.now()).to.be.at.most(6 * SLICE_MS);
  });

  it('an aborted signal ends a wait within one slice with its reason', async () => {
    const { clock, pacer } = await inDebt();
    const ended = new AbortController();
    const next = pacer.take(100, ended.signal).then(
      () => 'passed',
      (e: Error) => e.message,
    );
    await clock.advance(3 * SLICE_MS);
    ended.abort(new Error('the call ended'));
    await clock.advance(SLICE_MS);
    expect(await next).to.equal('the call ended');
    expect(clock.now()).to.be.at.most(4 * SLICE_MS);
  });
});

describe('turn queue', () => {
  it('admits at most the limit, the rest in order with a reason; a cancelled wait loses no turn for the others', async () => {
    const q = new TurnQueue(2, 'outbound migrations of n (max_outbound 2)');
    const order: string[] = [];
    const reasons: string[] = [];
    const take = (k: string) =>
      q.acquire(k, (r) => reasons.push(`${k}: ${r}`)).then(
        (release) => {
          order.push(k);
          return release;
        },
        (e: Error) => {
          order.push(`${k} gave up: ${e.message}`);
          return () => {};
        },
      );
    const [a, b] = await Promise.all([take('a'), take('b')]);
    const c = take('c');
    const d = take('d');
    const e = take('e');
    await Promise.resolve();
    expect(q.inFlight).to.equal(2);
    expect(reasons).to.deep.equal([
      'c: waiting for a turn: 2 of 2 outbound migrations of n (max_outbound 2) in flight (0 ahead)',
      'd: waiting for a turn: 2 of 2 outbound migrations of n (max_outbound 2) in flight (1 ahead)',
      'e: waiting for a turn: 2 of 2 outbound migrations of n (max_outbound 2) in flight (2 ahead)',
    ]);
    expect(q.cancel('d')).to.equal(true);
    expect(q.waiterOf('e')?.reason, 'e moved up').to.match(/\(1 ahead\)$/);
    a();
    a();
    (await c)();
    b();
    (await e)();
    await d;
    expect(order).to.deep.equal(['a', 'b', 'd gave up: the wait of d was cancelled', 'c', 'e']);
    expect(q.inFlight).to.equal(0);
  });
});
