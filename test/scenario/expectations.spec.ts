/**
 * The verdicts of a scenario's expectations, from facts made up here (what a
 * run would have observed): each rule passes what it should, fails what it
 * should, and says why in words a test engineer can act on. No process.
 */
import { expect } from 'chai';
import type { Place } from '../../src/scenario/cluster-access.ts';
import { continuity, evaluate, runsOnce, transparent, type OrderedLine, type Reference, type RunFacts } from '../../src/scenario/expectations.ts';
import type { Expectation, RunPlan, Step } from '../../src/scenario/model.ts';
import type { ExpectationResult, MoveRecord, StepRecord } from '../../src/scenario/report-model.ts';

type Of<K extends Expectation['kind']> = Extract<Expectation, { kind: K }>;

const CONTINUITY: Of<'continuity'> = { kind: 'continuity', task: 'c', minLines: 1, index: 0, line: 9, text: 'continuity of c' };

function line(text: string, node = 'field-a', atMs = 0): OrderedLine {
  return { text, node, atMs };
}

/** `counter from`..`counter to` on `node`, one every 10 ms from `atMs`. */
function counter(from: number, to: number, node = 'field-a', atMs = 0): OrderedLine[] {
  return Array.from({ length: to - from + 1 }, (_, i) => line(`counter ${from + i}`, node, atMs + i * 10));
}

const RUNNING_A: Place = { where: 'field-a', state: 'MIG_STATE_MIG_SOURCE', run: 'RUN_STATE_RUNNING' };
const RUNNING_B: Place = { where: 'field-b', state: 'MIG_STATE_MIG_SOURCE', run: 'RUN_STATE_RUNNING' };
const PARKED: Place = { where: 'middleware', state: 'SNAPSHOT_STATE_PARKED', snapshot: 'snap-1' };

function move(over: Partial<MoveRecord> = {}): MoveRecord {
  return { task: 'c', kind: 'full', from: 'field-a', to: 'field-b', startMs: 100, endMs: 150, phases: [], outcome: 'completed', stats: { downtimeMs: 12 }, ...over };
}

function stepRecord(index: number, over: Partial<StepRecord> = {}): StepRecord {
  return { index, line: 6 + index, text: `step ${index + 1}`, startMs: 0, endMs: 10, ok: true, ...over };
}

/** What a run observed, task by task (`c` unless said). */
interface Seen {
  lines?: Record<string, OrderedLine[]>;
  moves?: Record<string, MoveRecord[]>;
  places?: Record<string, Place[]>;
  lost?: Record<string, string[]>;
  reference?: Record<string, Reference>;
  ended?: Record<string, boolean>;
  steps?: StepRecord[];
  endMs?: number;
}

function facts(seen: Seen): RunFacts {
  return {
    lines: (t) => seen.lines?.[t] ?? [],
    moves: (t) => seen.moves?.[t] ?? [],
    places: (t) => seen.places?.[t] ?? [],
    lost: (t) => seen.lost?.[t] ?? [],
    reference: (t) => seen.reference?.[t],
    ended: (t) => seen.ended?.[t] ?? false,
    steps: seen.steps ?? [],
    endMs: seen.endMs ?? 1000,
  };
}

/** An expectation of `kind` (with `rest`, e.g. its max) about `task`, its text a stand-in. */
function exp(kind: Expectation['kind'], rest: Record<string, unknown> = {}, index = 0, task = 'c'): Expectation {
  return { kind, task, ...rest, index, line: 20 + index, text: `${kind} of ${task}` } as Expectation;
}

/** A step of a plan that moves `task` (or strikes during its move, or does something else). */
function planStep(index: number, what: 'move' | 'during' | 'link', task = 'c'): Step {
  const move = { kind: 'full', task, to: 'field-b', compression: 'auto' } as const;
  const action =
    what === 'move'
      ? ({ type: 'move', move } as const)
      : what === 'during'
        ? ({ type: 'fault', fault: 'kill-node', target: { process: 'field-b' }, during: { move, phase: 'transfer' } } as const)
        : ({ type: 'link', change: 'cut', between: ['field-a', 'field-b'], profile: {}, mode: 'reset', forMs: 0 } as const);
  return { index, line: 6 + index, text: `step ${index + 1}`, waitMs: 0, timeoutMs: 30_000, action };
}

function plan(expectations: Expectation[], steps: Step[] = []): RunPlan {
  return { name: 'run', params: {}, seed: 1, links: [], tasks: [], steps, expect: expectations, stepsLine: 5, timeoutMs: 120_000, settleMs: 500, bootTasks: false };
}

/** Verdict and reason of the one expectation of a plan (the implicit steps one left out). */
function verdictOf(e: Expectation, seen: Seen): [string, string] {
  const results = evaluate(plan([e]), facts(seen));
  expect(results).to.have.length(2);
  return [results[0]!.verdict, results[0]!.reason];
}

/** Verdict and reason of the implicit expectation, every step did what it said. */
function stepsVerdict(expectations: Expectation[], steps: Step[], records: StepRecord[]): ExpectationResult {
  return evaluate(plan(expectations, steps), facts({ steps: records })).at(-1)!;
}

describe('expectation verdicts', () => {
  describe('continuity', () => {
    it('passes numbers that go up by one across a move, naming the range and the nodes', () => {
      const r = continuity(CONTINUITY, [...counter(1, 5, 'field-a'), ...counter(6, 10, 'field-b', 60)], { endMs: 55, to: 'field-b', runEndMs: 1000 });
      expect(r).to.deep.equal({
        index: 0,
        line: 9,
        kind: 'continuity',
        task: 'c',
        text: 'continuity of c',
        verdict: 'passed',
        reason: 'counter 1..10 without a gap or a repeat, on field-a, field-b',
      });
    });

    it('fails a gap, naming the numbers missing', () => {
      expect(continuity(CONTINUITY, [...counter(1, 3), ...counter(6, 8, 'field-b', 60)])).to.deep.include({
        verdict: 'failed',
        reason: '"counter": 4, 5 missing (between 1 and 8)',
      });
      expect(continuity(CONTINUITY, [line('counter 1'), line('counter 10')]).reason).to.equal('"counter": 2, 3, 4, 5, 6 and 3 more missing (between 1 and 10)');
    });

    it('fails a repeat, naming both sightings', () => {
      expect(continuity(CONTINUITY, [...counter(1, 5, 'field-a'), ...counter(5, 8, 'field-b', 60)])).to.deep.include({
        verdict: 'failed',
        reason: '"counter" 5 (on field-a at 40 ms and on field-b at 60 ms) printed twice',
      });
    });

    it('fails a number going back on a node, even with none missing or twice', () => {
      expect(continuity(CONTINUITY, [line('counter 1'), line('counter 3'), line('counter 2')])).to.deep.include({
        verdict: 'failed',
        reason: '"counter" went back from 3 to 2 on field-a',
      });
      // A cold restart: it starts over where it was.
      expect(continuity(CONTINUITY, [...counter(1, 3), ...counter(1, 2, 'field-a', 2000)]).reason).to.equal(
        '"counter" 1 (on field-a at 0 ms and on field-a at 2.00 s), 2 (on field-a at 10 ms and on field-a at 2.01 s) printed twice; "counter" went back from 3 to 1 on field-a',
      );
    });

    it('follows each WORD on its own, and ignores lines that are not WORD N', () => {
      const lines = [line('tick 1'), line('worker 1'), line('hello there'), line('tick 2'), line('worker 2'), line('tick 3'), line('counter 5 more')];
      expect(continuity(CONTINUITY, lines)).to.deep.include({ verdict: 'passed', reason: 'tick 1..3, worker 1..2 without a gap or a repeat, on field-a' });
      expect(continuity(CONTINUITY, [line('tick 1'), line('worker 1'), line('tick 3'), line('worker 2')])).to.deep.include({
        verdict: 'failed',
        reason: '"tick": 2 missing (between 1 and 3)',
      });
    });

    it('with a pattern, reads the number from its group 1 in the lines it matches', () => {
      const e = { ...CONTINUITY, pattern: /sum=(\d+)/ };
      expect(continuity(e, [line('sum=1 ok'), line('noise 7'), line('sum=2 ok'), line('sum=3 ok')])).to.deep.include({
        verdict: 'passed',
        reason: 'numbers 1..3 without a gap or a repeat, on field-a',
      });
      expect(continuity(e, [line('sum=1 ok'), line('noise 7'), line('sum=2 ok'), line('sum=4 ok')])).to.deep.include({
        verdict: 'failed',
        reason: 'the number: 3 missing (between 1 and 4)',
      });
    });

    it('wants at least min_lines numbered lines', () => {
      expect(continuity(CONTINUITY, [])).to.deep.include({ verdict: 'failed', reason: '0 numbered line(s) of c read WORD N, at least 1 expected' });
      expect(continuity({ ...CONTINUITY, minLines: 5 }, counter(1, 4)).reason).to.equal('4 numbered line(s) of c read WORD N, at least 5 expected');
      expect(continuity({ ...CONTINUITY, minLines: 5, pattern: /sum=(\d+)/ }, [line('sum=1'), line('noise 7')]).reason).to.equal(
        '1 numbered line(s) of c match /sum=(\\d+)/, at least 5 expected',
      );
      expect(continuity({ ...CONTINUITY, minLines: 5 }, counter(1, 5)).verdict).to.equal('passed');
    });

    it('fails a task silent after its last move, when the run went on long enough to see it', () => {
      expect(continuity(CONTINUITY, counter(1, 5), { endMs: 50, to: 'field-b', runEndMs: 1000 })).to.deep.include({
        verdict: 'failed',
        reason: 'c printed nothing in the 950 ms after its move to field-b (it did not go on there)',
      });
      // 300 ms is too soon to tell.
      expect(continuity(CONTINUITY, counter(1, 5), { endMs: 50, to: 'field-b', runEndMs: 350 }).verdict).to.equal('passed');
    });

    it('takes the silence after the last completed move that is not a park (a parked task prints nothing)', () => {
      const e = exp('continuity', { minLines: 1 });
      const lines = [...counter(1, 5, 'field-a'), ...counter(6, 30, 'field-b', 60)];
      const parked = [move({ endMs: 55 }), move({ kind: 'park', from: 'field-b', to: 'middleware', startMs: 300, endMs: 320 })];
      expect(verdictOf(e, { lines: { c: lines }, moves: { c: parked }, endMs: 2000 })).to.deep.equal(['passed', 'counter 1..30 without a gap or a repeat, on field-a, field-b']);
      // A failed move after the last completed one changes nothing either.
      const failed = [move({ endMs: 55 }), move({ from: 'field-b', to: 'field-c', startMs: 600, endMs: 700, outcome: 'failed', code: 'UNAVAILABLE' })];
      expect(verdictOf(e, { lines: { c: lines }, moves: { c: failed }, endMs: 2000 })[0]).to.equal('passed');
      // But after a restore it must print again.
      const restored = [move({ kind: 'park', to: 'middleware', endMs: 55 }), move({ kind: 'restore', from: 'middleware', startMs: 300, endMs: 400 })];
      expect(verdictOf(e, { lines: { c: counter(1, 5) }, moves: { c: restored }, endMs: 2000 })).to.deep.equal([
        'failed',
        'c printed nothing in the 1600 ms after its move to field-b (it did not go on there)',
      ]);
    });
  });

  describe('transparent', () => {
    const T = exp('transparent');
    const runsOn: Reference = { lines: counter(1, 10).map((l) => l.text), ended: false };
    const ends: Reference = { lines: ['sum 1', 'sum 3'], ended: true, memoryHash: 'a'.repeat(64) };

    it('passes a prefix of what a program that runs on prints', () => {
      expect(transparent(T, counter(1, 6, 'field-b'), runsOn, false, undefined)).to.deep.include({ verdict: 'passed', reason: 'the 6 line(s) printed agree with a run without the steps' });
    });

    it('fails at the first line that differs, by its number', () => {
      expect(transparent(T, [line('counter 1'), line('counter 2'), line('counter 4')], runsOn, false, undefined)).to.deep.include({
        verdict: 'failed',
        reason: 'line 3 differs: "counter 4" here, "counter 3" without the steps',
      });
    });

    it('compares the whole output and the final memory of a program that ended', () => {
      const out = [line('sum 1'), line('sum 3')];
      expect(transparent(T, out, ends, true, 'a'.repeat(64))).to.deep.include({ verdict: 'passed', reason: 'the same 2 line(s) and final memory as without the steps' });
      expect(transparent(T, out, ends, true, 'b'.repeat(64))).to.deep.include({
        verdict: 'failed',
        reason: 'the output is the same, the final memory differs (bbbbbbbbbbbb… here, aaaaaaaaaaaa… without the steps)',
      });
      expect(transparent(T, [line('sum 1')], ends, true, 'a'.repeat(64))).to.deep.include({ verdict: 'failed', reason: '1 line(s) here, 2 without the steps' });
    });

    it('fails more lines than a program that ended prints', () => {
      expect(transparent(T, [line('sum 1'), line('sum 3'), line('sum 6')], ends, false, undefined)).to.deep.include({
        verdict: 'failed',
        reason: '3 line(s) here, the program prints only 2 without the steps',
      });
    });

    it('fails a task that printed nothing, or that has no reference', () => {
      expect(transparent(T, [], runsOn, false, undefined)).to.deep.include({ verdict: 'failed', reason: 'c printed nothing' });
      expect(transparent(T, counter(1, 3), undefined, false, undefined)).to.deep.include({ verdict: 'failed', reason: 'no reference run was made' });
    });

    it('takes the final memory of the one place the task is in', () => {
      const seen = (hash: string): Seen => ({ lines: { c: [line('sum 1'), line('sum 3')] }, reference: { c: ends }, ended: { c: true }, places: { c: [{ ...RUNNING_B, run: 'RUN_STATE_EXITED', memoryHash: hash }] } });
      expect(verdictOf(T, seen('a'.repeat(64)))[0]).to.equal('passed');
      expect(verdictOf(T, seen('c'.repeat(64)))[0]).to.equal('failed');
    });
  });

  describe('runs_once', () => {
    const R = exp('runs_once');

    it('passes one place, a node or a snapshot, and names it', () => {
      expect(runsOnce(R, [RUNNING_B])).to.deep.include({ verdict: 'passed', reason: 'c is in one place: field-b (mig source, running)' });
      expect(runsOnce(R, [PARKED])).to.deep.include({ verdict: 'passed', reason: 'c is in one place: parked in snap-1' });
    });

    it('fails no place and two places, naming them', () => {
      expect(runsOnce(R, [])).to.deep.include({ verdict: 'failed', reason: 'c is nowhere: no node holds it and no snapshot parks it' });
      expect(runsOnce(R, [{ ...RUNNING_A, run: 'RUN_STATE_PAUSED' }, PARKED])).to.deep.include({
        verdict: 'failed',
        reason: 'c is in 2 places: field-a (mig source, paused), parked in snap-1',
      });
    });
  });

  describe('intact', () => {
    const I = exp('intact');

    it('passes one place, and says what the run saw go wrong', () => {
      expect(verdictOf(I, { places: { c: [RUNNING_A] } })).to.deep.equal(['passed', 'c is in one place: field-a (mig source, running)']);
      expect(verdictOf(I, { places: { c: [RUNNING_A] }, lost: { c: ['field-b died holding c'] } })).to.deep.equal([
        'passed',
        'c is in one place: field-a (mig source, running) (though the run saw: field-b died holding c)',
      ]);
    });

    it('passes no place when the run saw the task lost', () => {
      expect(verdictOf(I, { lost: { c: ['field-b died holding c', 'pages undeliverable'] } })).to.deep.equal([
        'passed',
        'c is gone, and the run saw why: field-b died holding c; pages undeliverable',
      ]);
    });

    it('fails no place the run cannot explain, and two places', () => {
      expect(verdictOf(I, {})).to.deep.equal(['failed', 'c is nowhere, and no fault explains it: silently lost']);
      expect(verdictOf(I, { places: { c: [RUNNING_A, RUNNING_B] }, lost: { c: ['whatever'] } })).to.deep.equal([
        'failed',
        'c is in 2 places: field-a (mig source, running), field-b (mig source, running)',
      ]);
      expect(evaluate(plan([I]), facts({ places: { c: [RUNNING_A, RUNNING_B] } }))[0]!.kind).to.equal('intact');
    });
  });

  describe('lost', () => {
    const L = exp('lost');

    it('passes a task the run saw lost', () => {
      expect(verdictOf(L, { lost: { c: ['field-b died holding c'] } })).to.deep.equal(['passed', 'reported lost: field-b died holding c']);
    });

    it('fails a task not reported lost', () => {
      expect(verdictOf(L, { places: { c: [RUNNING_B] } })).to.deep.equal(['failed', 'c was not reported lost (1 place(s) hold it)']);
    });

    it('fails a loss when a step hung', () => {
      const steps = [stepRecord(0), stepRecord(1, { ok: false, error: 'timed out after 30s waiting for running c' })];
      expect(verdictOf(L, { lost: { c: ['field-b died holding c'] }, steps })).to.deep.equal([
        'failed',
        'c was lost (field-b died holding c), but step 2 hung: timed out after 30s waiting for running c',
      ]);
      // A step that failed without hanging is not that.
      expect(verdictOf(L, { lost: { c: ['field-b died holding c'] }, steps: [stepRecord(0, { ok: false, error: 'UNAVAILABLE: gone' })] })[0]).to.equal('passed');
    });
  });

  describe('ends_on', () => {
    const E = exp('ends_on', { node: 'field-b' });

    it('passes the task running on that node alone', () => {
      expect(verdictOf(E, { places: { c: [RUNNING_B] } })).to.deep.equal(['passed', 'c runs on field-b']);
    });

    it('fails it elsewhere, also there, or nowhere', () => {
      expect(verdictOf(E, { places: { c: [RUNNING_A] } })).to.deep.equal(['failed', 'c is on field-a (mig source, running), not only on field-b']);
      expect(verdictOf(E, { places: { c: [RUNNING_A, RUNNING_B] } })).to.deep.equal([
        'failed',
        'c is on field-a (mig source, running), on field-b (mig source, running), not only on field-b',
      ]);
      expect(verdictOf(E, {})).to.deep.equal(['failed', 'c is nowhere, not only on field-b']);
      expect(verdictOf(E, { places: { c: [{ ...RUNNING_B, state: 'MIG_STATE_COMMITTING' }] } })[0]).to.equal('failed');
    });
  });

  describe('downtime_ms', () => {
    const D = (max: number): Expectation => exp('downtime_ms', { max });
    const moves = [move({ stats: { downtimeMs: 12 } }), move({ kind: 'precopy', from: 'field-b', to: 'field-a', startMs: 400, endMs: 500, stats: { downtimeMs: 40.04 } })];

    it('passes when every completed migration stayed within the budget, naming the worst', () => {
      expect(verdictOf(D(50), { moves: { c: moves } })).to.deep.equal(['passed', '2 move(s), the longest downtime 40 ms (precopy field-b->field-a), at most 50 ms']);
    });

    it('fails the worst migration over the budget', () => {
      expect(verdictOf(D(30), { moves: { c: moves } })).to.deep.equal(['failed', 'the precopy field-b->field-a stopped the task for 40 ms; at most 30 ms expected']);
    });

    it('fails when no migration completed', () => {
      expect(verdictOf(D(50), { moves: { c: [move({ outcome: 'failed', code: 'UNAVAILABLE' })] } })).to.deep.equal(['failed', 'no migration of c completed']);
      expect(verdictOf(D(50), {})).to.deep.equal(['failed', 'no migration of c completed']);
    });

    it('fails a completed migration that reported no statistics (its downtime is unknown, not 0)', () => {
      expect(verdictOf(D(50), { moves: { c: [move({ stats: { downtimeMs: 10 } }), move({ from: 'field-b', to: 'field-a', stats: {} })] } })).to.deep.equal([
        'failed',
        'the full field-b->field-a reported no statistics, so its downtime is unknown',
      ]);
    });

    it('leaves parks and restores out (the task sits in the archive in between)', () => {
      const withPark = [
        move({ kind: 'park', to: 'middleware', stats: { downtimeMs: 900 } }),
        move({ kind: 'restore', from: 'middleware', stats: { downtimeMs: 300 } }),
        move({ stats: { downtimeMs: 10 } }),
        move({ outcome: 'failed', stats: { downtimeMs: 700 } }),
      ];
      expect(verdictOf(D(50), { moves: { c: withPark } })).to.deep.equal(['passed', '1 move(s), the longest downtime 10 ms (full field-a->field-b), at most 50 ms']);
      expect(verdictOf(D(50), { moves: { c: withPark.slice(0, 2) } })).to.deep.equal(['failed', 'no migration of c completed']);
    });
  });

  describe('total_ms', () => {
    const T = (max: number): Expectation => exp('total_ms', { max });
    const moves = [move({ startMs: 100, endMs: 150 }), move({ kind: 'park', from: 'field-b', to: 'middleware', startMs: 300, endMs: 550 }), move({ outcome: 'failed', startMs: 600, endMs: 1600 })];

    it('passes when every completed move, parks included, took at most the budget', () => {
      expect(verdictOf(T(300), { moves: { c: moves } })).to.deep.equal(['passed', '2 move(s), the longest took 250 ms (park field-b->middleware), at most 300 ms']);
    });

    it('fails the longest move over the budget', () => {
      expect(verdictOf(T(200), { moves: { c: moves } })).to.deep.equal(['failed', 'the park field-b->middleware took 250 ms; at most 200 ms expected']);
    });

    it('fails when no move completed', () => {
      expect(verdictOf(T(200), { moves: { c: [moves[2]!] } })).to.deep.equal(['failed', 'no move of c completed']);
    });
  });

  describe('migration_fails', () => {
    const anyCode = exp('migration_fails');
    const aborted = exp('migration_fails', { code: 'ABORTED' });
    const failed = move({ outcome: 'failed', code: 'ABORTED', error: 'the sink went away' });

    it('passes a move that failed and left the task in one place (or none)', () => {
      expect(verdictOf(anyCode, { moves: { c: [failed] }, places: { c: [RUNNING_A] } })).to.deep.equal(['passed', 'full field-a->field-b failed with ABORTED: the sink went away']);
      expect(verdictOf(aborted, { moves: { c: [move(), failed] }, places: { c: [RUNNING_A] } })[0]).to.equal('passed');
      expect(verdictOf(anyCode, { moves: { c: [failed] } })[0]).to.equal('passed');
      expect(verdictOf(anyCode, { moves: { c: [move({ outcome: 'refused', code: 'FAILED_PRECONDITION', error: 'no slot' })] }, places: { c: [RUNNING_A] } })).to.deep.equal([
        'passed',
        'full field-a->field-b was refused with FAILED_PRECONDITION: no slot',
      ]);
    });

    it('fails when every move succeeded', () => {
      expect(verdictOf(anyCode, { moves: { c: [move(), move()] }, places: { c: [RUNNING_B] } })).to.deep.equal(['failed', 'every move of c succeeded (2)']);
    });

    it('fails a failure with another code than the one expected', () => {
      expect(verdictOf(aborted, { moves: { c: [move({ outcome: 'failed', code: 'UNAVAILABLE' }), move({ outcome: 'failed' })] }, places: { c: [RUNNING_A] } })).to.deep.equal([
        'failed',
        'moves of c failed with UNAVAILABLE, ?, not ABORTED',
      ]);
    });

    it('fails a failure that left the task in two places', () => {
      expect(verdictOf(anyCode, { moves: { c: [failed] }, places: { c: [RUNNING_A, RUNNING_B] } })).to.deep.equal(['failed', 'the full failed (ABORTED) but left c in 2 places']);
    });
  });

  describe('the implicit steps expectation', () => {
    const failedMove = stepRecord(0, { ok: false, text: 'migrate c to field-b (full)', error: 'UNAVAILABLE: the sink went away' });

    it('passes when every step did what it said, and comes after the expectations, at the steps line', () => {
      const r = evaluate(plan([exp('runs_once', {}, 0), exp('intact', {}, 1)], [planStep(0, 'move')]), facts({ steps: [stepRecord(0), stepRecord(1)], places: { c: [RUNNING_B] } }));
      expect(r.map((x) => x.kind)).to.deep.equal(['runs_once', 'intact', 'steps']);
      expect(r[2]).to.deep.equal({ index: 2, line: 5, kind: 'steps', text: 'every step did what it said', verdict: 'passed', reason: '2 step(s) done' });
    });

    it('fails a failed move no expectation says may fail, naming the step', () => {
      expect(stepsVerdict([exp('runs_once')], [planStep(0, 'move')], [failedMove])).to.deep.include({
        verdict: 'failed',
        reason: 'step 1 (line 6, migrate c to field-b (full)): UNAVAILABLE: the sink went away',
      });
    });

    it('tolerates a failed move of a task that migration_fails, lost or intact names', () => {
      for (const e of [exp('migration_fails'), exp('lost'), exp('intact')]) {
        expect(stepsVerdict([e], [planStep(0, 'move')], [failedMove]).verdict, e.kind).to.equal('passed');
        expect(stepsVerdict([e], [planStep(0, 'during')], [failedMove]).verdict, `${e.kind} during`).to.equal('passed');
      }
    });

    it('does not tolerate a failed move of another task, nor a failed step that moves nothing', () => {
      expect(stepsVerdict([exp('intact', {}, 0, 'c')], [planStep(0, 'move', 'd')], [failedMove]).verdict).to.equal('failed');
      expect(stepsVerdict([exp('intact')], [planStep(0, 'link')], [stepRecord(0, { ok: false, error: 'no such link' })]).reason).to.equal('step 1 (line 6, step 1): no such link');
    });

    it('never tolerates a step that timed out', () => {
      const hung = stepRecord(0, { ok: false, error: 'timed out after 30s' });
      expect(stepsVerdict([exp('migration_fails'), exp('intact', {}, 1)], [planStep(0, 'move')], [hung])).to.deep.include({
        verdict: 'failed',
        reason: 'step 1 (line 6, step 1): timed out after 30s',
      });
    });

    it('fails a run that ended before every step ran, naming the first it never came to', () => {
      const steps = [planStep(0, 'link'), planStep(1, 'link'), planStep(2, 'link')];
      expect(stepsVerdict([], steps, [stepRecord(0)])).to.deep.include({
        verdict: 'failed',
        reason: '2 of 3 step(s) never ran: the run ended before step 2 (line 7, step 2)',
      });
      expect(stepsVerdict([], steps, [])).to.deep.include({ verdict: 'failed', reason: '3 of 3 step(s) never ran: the run ended before step 1 (line 6, step 1)' });
      expect(stepsVerdict([], steps, [stepRecord(0, { ok: false, error: 'one' })]).reason).to.equal('step 1 (line 6, step 1): one; 2 step(s) never ran');
    });

    it('counts the other failed steps', () => {
      const records = [stepRecord(0, { ok: false, error: 'one' }), stepRecord(1), stepRecord(2, { ok: false, error: 'two' }), stepRecord(3, { ok: false })];
      expect(stepsVerdict([], [planStep(0, 'link'), planStep(1, 'link'), planStep(2, 'link'), planStep(3, 'link')], records).reason).to.equal(
        'step 1 (line 6, step 1): one; 2 more step(s) failed',
      );
    });
  });
});
