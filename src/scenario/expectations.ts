/**
 * The verdicts of a run's expectations, from what the run observed (its
 * {@link RunFacts}): pure functions, so each rule is tested without a cluster.
 * Every verdict comes with a reason a test engineer can act on: what was seen
 * against what was expected.
 */
import type { Expectation, RunPlan } from './model.ts';
import type { Place } from './cluster-access.ts';
import type { ExpectationResult, MoveRecord, StepRecord } from './report-model.ts';

/** A console line of a task, in the order the task printed it. */
export interface OrderedLine {
  readonly text: string;
  readonly node: string;
  readonly atMs: number;
}

/** What a reference run (the task alone, no steps) printed. */
export interface Reference {
  readonly lines: readonly string[];
  /** Whether the program ended (every traveler exited or faulted) within the run. */
  readonly ended: boolean;
  readonly memoryHash?: string;
}

/** What one run observed, by task name. */
export interface RunFacts {
  /** The task's console, in the order it printed. */
  readonly lines: (task: string) => readonly OrderedLine[];
  /** Moves of the task, in order. */
  readonly moves: (task: string) => readonly MoveRecord[];
  /** Where the task is at the end. */
  readonly places: (task: string) => readonly Place[];
  /** Why the task is lost, if the run saw it lost (its node killed with it; pages that could not be delivered). */
  readonly lost: (task: string) => readonly string[];
  /** The reference of a task, for `transparent`. */
  readonly reference: (task: string) => Reference | undefined;
  /** Whether the task had ended (exited or faulted) on its node at the end of the run. */
  readonly ended: (task: string) => boolean;
  readonly steps: readonly StepRecord[];
  /** When the run ended, ms since its start. */
  readonly endMs: number;
}

const WORD_N = /^(\S+) (-?\d+)$/;

/** `a, b, c and 3 more`. */
function some(items: readonly (string | number)[], max = 5): string {
  const shown = items.slice(0, max).map(String);
  return items.length > max ? `${shown.join(', ')} and ${items.length - max} more` : shown.join(', ');
}

function result(e: Expectation, passed: boolean, reason: string): ExpectationResult {
  return { index: e.index, line: e.line, kind: e.kind, task: e.task, text: e.text, verdict: passed ? 'passed' : 'failed', reason };
}

/** How long a task that printed before its last move may stay silent after it before continuity says it stopped (ms). */
export const SILENCE_MS = 300;

/**
 * Continuity: per WORD (or the pattern), the numbers go up by one: none missing,
 * none twice, none going back on a node; and a task that printed before its last
 * completed move prints after it too (if the run went on long enough): a task
 * left waiting for pages that never come has not continued.
 */
export function continuity(e: Extract<Expectation, { kind: 'continuity' }>, lines: readonly OrderedLine[], lastMove?: { readonly endMs: number; readonly to: string; readonly runEndMs: number }): ExpectationResult {
  const series = new Map<string, { n: number; node: string; atMs: number }[]>();
  for (const l of lines) {
    let word: string | undefined;
    let n: number | undefined;
    if (e.pattern) {
      const m = e.pattern.exec(l.text);
      if (m?.[1] !== undefined && /^-?\d+$/.test(m[1])) {
        word = e.pattern.source;
        n = Number(m[1]);
      }
    } else {
      const m = WORD_N.exec(l.text);
      if (m) {
        word = m[1]!;
        n = Number(m[2]);
      }
    }
    if (word === undefined || n === undefined) continue;
    let s = series.get(word);
    if (!s) series.set(word, (s = []));
    s.push({ n, node: l.node, atMs: l.atMs });
  }
  const counted = [...series.values()].reduce((k, s) => k + s.length, 0);
  if (counted < e.minLines) {
    return result(e, false, `${counted} numbered line(s) of ${e.task}${e.pattern ? ` match /${e.pattern.source}/` : ' read WORD N'}, at least ${e.minLines} expected`);
  }
  const problems: string[] = [];
  for (const [word, s] of series) {
    const label = e.pattern ? 'the number' : `"${word}"`;
    // Twice: the same number printed again (the task ran twice, or went back).
    const seen = new Map<number, { node: string; atMs: number }>();
    const twice: string[] = [];
    for (const x of s) {
      const first = seen.get(x.n);
      if (first) twice.push(`${x.n} (on ${first.node} at ${fmt(first.atMs)} and on ${x.node} at ${fmt(x.atMs)})`);
      else seen.set(x.n, x);
    }
    if (twice.length) problems.push(`${label} ${some(twice, 3)} printed twice`);
    const sorted = [...seen.keys()].sort((a, b) => a - b);
    const missing: number[] = [];
    for (let i = 1; i < sorted.length; i++) for (let k = sorted[i - 1]! + 1; k < sorted[i]! && missing.length < 1000; k++) missing.push(k);
    if (missing.length) problems.push(`${label}: ${some(missing)} missing (between ${sorted[0]} and ${sorted[sorted.length - 1]})`);
    // Back: on one node, a number lower than one printed before it there.
    const lastOn = new Map<string, number>();
    for (const x of s) {
      const last = lastOn.get(x.node);
      if (last !== undefined && x.n < last) {
        problems.push(`${label} went back from ${last} to ${x.n} on ${x.node}`);
        break;
      }
      lastOn.set(x.node, x.n);
    }
  }
  if (lastMove && lastMove.runEndMs - lastMove.endMs > SILENCE_MS) {
    const before = lines.some((l) => l.atMs < lastMove.endMs);
    const after = lines.some((l) => l.atMs >= lastMove.endMs);
    if (before && !after) problems.push(`${e.task} printed nothing in the ${Math.round(lastMove.runEndMs - lastMove.endMs)} ms after its move to ${lastMove.to} (it did not go on there)`);
  }
  if (problems.length) return result(e, false, problems.join('; '));
  const ranges = [...series].map(([word, s]) => {
    const ns = s.map((x) => x.n);
    return `${e.pattern ? 'numbers' : word} ${Math.min(...ns)}..${Math.max(...ns)}`;
  });
  const nodes = new Set(lines.map((l) => l.node));
  return result(e, true, `${ranges.join(', ')} without a gap or a repeat, on ${some([...nodes])}`);
}

/** Transparent: the same console as the reference (a prefix for a program that runs on), and the same final memory when it ended. */
export function transparent(e: Expectation, lines: readonly OrderedLine[], ref: Reference | undefined, ended: boolean, hash: string | undefined): ExpectationResult {
  if (!ref) return result(e, false, 'no reference run was made');
  const real = lines.map((l) => l.text);
  const n = Math.min(real.length, ref.lines.length);
  for (let i = 0; i < n; i++) {
    if (real[i] !== ref.lines[i]) {
      return result(e, false, `line ${i + 1} differs: ${JSON.stringify(real[i])} here, ${JSON.stringify(ref.lines[i])} without the steps`);
    }
  }
  if (ref.ended && ended) {
    if (real.length !== ref.lines.length) return result(e, false, `${real.length} line(s) here, ${ref.lines.length} without the steps`);
    if (ref.memoryHash && hash && ref.memoryHash !== hash) return result(e, false, `the output is the same, the final memory differs (${hash.slice(0, 12)}… here, ${ref.memoryHash.slice(0, 12)}… without the steps)`);
    return result(e, true, `the same ${real.length} line(s) and final memory as without the steps`);
  }
  if (ref.ended && real.length > ref.lines.length) return result(e, false, `${real.length} line(s) here, the program prints only ${ref.lines.length} without the steps`);
  if (real.length === 0) return result(e, false, `${e.task} printed nothing`);
  return result(e, true, `the ${n} line(s) printed agree with a run without the steps`);
}

/** Runs once: exactly one place at the end. */
export function runsOnce(e: Expectation, places: readonly Place[]): ExpectationResult {
  const where = places.map((p) => (p.where === 'middleware' ? `parked in ${p.snapshot}` : `${p.where} (${stateWords(p)})`));
  if (places.length === 1) return result(e, true, `${e.task} is in one place: ${where[0]}`);
  if (places.length === 0) return result(e, false, `${e.task} is nowhere: no node holds it and no snapshot parks it`);
  return result(e, false, `${e.task} is in ${places.length} places: ${where.join(', ')}`);
}

function stateWords(p: Place): string {
  const s = p.state.replace('MIG_STATE_', '').toLowerCase().replace(/_/g, ' ');
  const r = p.run ? `, ${p.run.replace('RUN_STATE_', '').toLowerCase()}` : '';
  return `${s}${r}`;
}

/** Every expectation of `plan`, then the implicit one: every step did what it said. */
export function evaluate(plan: RunPlan, facts: RunFacts): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  for (const e of plan.expect) {
    switch (e.kind) {
      case 'continuity': {
        const last = facts.moves(e.task).filter((m) => m.outcome === 'completed' && m.kind !== 'park').at(-1);
        out.push(continuity(e, facts.lines(e.task), last ? { endMs: last.endMs, to: last.to, runEndMs: facts.endMs } : undefined));
        break;
      }
      case 'transparent': {
        const places = facts.places(e.task);
        out.push(transparent(e, facts.lines(e.task), facts.reference(e.task), facts.ended(e.task), places.length === 1 ? places[0]?.memoryHash : undefined));
        break;
      }
      case 'runs_once':
        out.push(runsOnce(e, facts.places(e.task)));
        break;
      case 'intact': {
        const places = facts.places(e.task);
        const why = facts.lost(e.task);
        if (places.length > 1) out.push(runsOnce(e, places));
        else if (places.length === 1) out.push(result(e, true, `${runsOnce(e, places).reason}${why.length ? ` (though the run saw: ${why[0]})` : ''}`));
        else if (why.length) out.push(result(e, true, `${e.task} is gone, and the run saw why: ${why.join('; ')}`));
        else out.push(result(e, false, `${e.task} is nowhere, and no fault explains it: silently lost`));
        break;
      }
      case 'lost': {
        const why = facts.lost(e.task);
        const hung = facts.steps.filter((s) => !s.ok && /timed out/.test(s.error ?? ''));
        if (why.length === 0) out.push(result(e, false, `${e.task} was not reported lost (${facts.places(e.task).length} place(s) hold it)`));
        else if (hung.length) out.push(result(e, false, `${e.task} was lost (${why[0]}), but step ${hung[0]!.index + 1} hung: ${hung[0]!.error}`));
        else out.push(result(e, true, `reported lost: ${why.join('; ')}`));
        break;
      }
      case 'ends_on': {
        const places = facts.places(e.task);
        const on = places.find((p) => p.where === e.node && p.state === 'MIG_STATE_MIG_SOURCE');
        out.push(
          on && places.length === 1
            ? result(e, true, `${e.task} runs on ${e.node}`)
            : result(e, false, `${e.task} is ${places.length ? places.map((p) => `on ${p.where} (${stateWords(p)})`).join(', ') : 'nowhere'}, not only on ${e.node}`),
        );
        break;
      }
      case 'downtime_ms':
      case 'total_ms': {
        const moves = facts.moves(e.task).filter((m) => m.outcome === 'completed' && (e.kind === 'total_ms' || (m.kind !== 'park' && m.kind !== 'restore')));
        if (moves.length === 0) {
          out.push(result(e, false, `no ${e.kind === 'total_ms' ? 'move' : 'migration'} of ${e.task} completed`));
          break;
        }
        const unmeasured = e.kind === 'downtime_ms' ? moves.find((m) => m.stats?.['downtimeMs'] === undefined) : undefined;
        if (unmeasured) {
          out.push(result(e, false, `the ${unmeasured.kind} ${unmeasured.from}->${unmeasured.to} reported no statistics, so its downtime is unknown`));
          break;
        }
        const value = (m: MoveRecord): number => (e.kind === 'downtime_ms' ? Number(m.stats?.['downtimeMs']) : m.endMs - m.startMs);
        const worst = moves.reduce((a, b) => (value(b) > value(a) ? b : a));
        const what = e.kind === 'downtime_ms' ? 'downtime' : 'took';
        const desc = (m: MoveRecord): string => `${m.kind} ${m.from}->${m.to}`;
        out.push(
          value(worst) <= e.max
            ? result(e, true, `${moves.length} move(s), the longest ${what} ${round(value(worst))} ms (${desc(worst)}), at most ${e.max} ms`)
            : result(e, false, `the ${desc(worst)} ${e.kind === 'downtime_ms' ? 'stopped the task for' : 'took'} ${round(value(worst))} ms; at most ${e.max} ms expected`),
        );
        break;
      }
      case 'migration_fails': {
        const failed = facts.moves(e.task).filter((m) => m.outcome !== 'completed');
        const matching = failed.filter((m) => !e.code || m.code === e.code);
        const clean = facts.places(e.task).length <= 1 ? matching[0] : undefined;
        if (matching.length === 0) {
          out.push(
            result(
              e,
              false,
              failed.length ? `moves of ${e.task} failed with ${some(failed.map((m) => m.code ?? '?'))}, not ${e.code}` : `every move of ${e.task} succeeded (${facts.moves(e.task).length})`,
            ),
          );
        } else if (!clean) out.push(result(e, false, `the ${matching[0]!.kind} failed (${matching[0]!.code}) but left ${e.task} in ${facts.places(e.task).length} places`));
        else out.push(result(e, true, `${clean.kind} ${clean.from}->${clean.to} ${clean.outcome === 'refused' ? 'was refused' : 'failed'} with ${clean.code}: ${clean.error ?? ''}`));
        break;
      }
    }
  }
  out.push(stepsDid(plan, facts));
  return out;
}

/** The implicit expectation: every step did what it said, but for failed moves of tasks an expectation says may fail or be lost. */
function stepsDid(plan: RunPlan, facts: RunFacts): ExpectationResult {
  const mayFail = new Set(plan.expect.filter((e) => e.kind === 'migration_fails' || e.kind === 'lost' || e.kind === 'intact').map((e) => e.task));
  const moveOf = (s: StepRecord): string | undefined => {
    const step = plan.steps.find((x) => x.index === s.index);
    const a = step?.action;
    if (a?.type === 'move') return a.move.task;
    if (a?.type === 'fault' && a.during) return a.during.move.task;
    return undefined;
  };
  const bad = facts.steps.filter((s) => !s.ok && !(moveOf(s) !== undefined && mayFail.has(moveOf(s)!) && !/timed out/.test(s.error ?? '')));
  // A run that broke off (its timeout, a task that would not start) never came to the rest.
  const ran = new Set(facts.steps.map((s) => s.index));
  const notRun = plan.steps.filter((s) => !ran.has(s.index));
  const base = { index: plan.expect.length, line: plan.stepsLine, kind: 'steps', text: 'every step did what it said' } as const;
  if (bad.length === 0 && notRun.length === 0) return { ...base, verdict: 'passed', reason: `${facts.steps.length} step(s) done` };
  if (bad.length === 0) {
    const next = notRun[0]!;
    return { ...base, verdict: 'failed', reason: `${notRun.length} of ${plan.steps.length} step(s) never ran: the run ended before step ${next.index + 1} (line ${next.line}, ${next.text})` };
  }
  const first = bad[0]!;
  const more = [bad.length > 1 ? `${bad.length - 1} more step(s) failed` : '', notRun.length ? `${notRun.length} step(s) never ran` : ''].filter(Boolean);
  return { ...base, verdict: 'failed', reason: `step ${first.index + 1} (line ${first.line}, ${first.text}): ${first.error ?? 'failed'}${more.map((m) => `; ${m}`).join('')}` };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function fmt(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
