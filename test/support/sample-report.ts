/**
 * Scenario reports for the renderers' specs, shaped like what `scenario run`
 * produces: {@link sampleReport} (one run over three lanes: a pre-copy
 * migration, a refused full one, a lazy one that fails UNAVAILABLE with
 * downtime, a park and a restore, a link cut and healed, a node killed, six
 * expectations of which one failed), {@link sampleCampaign} (a matrix of four
 * runs: passed, passed, failed, error), {@link busyReport} (ten moves of three
 * tasks, the density the timeline must stay legible at) and
 * {@link hostileReport} (markup, CDATA ends, entities, control characters, a
 * lone surrogate and emoji in every name and message).
 */
import type { ExpectationResult, MoveRecord, Residence, RunReport, ScenarioReport, StepRecord, Verdict } from '../../src/scenario/index.ts';

const PRECOPY_STATS = {
  migrationId: '6f1c2a9e-1b7d-4c55-9a10-3d2f4e5a6b7c',
  mode: 'MIGRATION_MODE_PRECOPY',
  pagesSent: '412',
  bytesSent: '1687552',
  rounds: 3,
  downtimeUs: '220000',
  durationUs: '1400000',
};

/** The one run of {@link sampleReport}, with `params` and `name` as given (a campaign cell reuses it). */
export function sampleRun(name = 'run', params: Readonly<Record<string, string>> = {}, seed = 42): RunReport {
  const residences: Residence[] = [
    { task: 'c', lane: 'field-a', fromMs: 0, toMs: 3100, state: 'running' },
    { task: 'c', lane: 'field-a', fromMs: 3100, toMs: 3320, state: 'stopped' },
    { task: 'c', lane: 'field-b', fromMs: 3320, toMs: 7200, state: 'running' },
    { task: 'c', lane: 'field-b', fromMs: 7200, toMs: 9500, state: 'stopped' },
    { task: 'c', lane: 'field-b', fromMs: 9500, toMs: 12100, state: 'running' },
    { task: 'c', lane: 'field-b', fromMs: 12100, toMs: 12800, state: 'stopped' },
    { task: 'c', lane: 'middleware', fromMs: 12800, toMs: 16000, state: 'parked' },
    { task: 'c', lane: 'field-a', fromMs: 16900, state: 'running' },
    { task: 'counter', lane: 'field-a', fromMs: 0, state: 'running' },
    { task: 'logger', lane: 'field-b', fromMs: 0, toMs: 14000, state: 'running' },
    { task: 'logger', lane: 'field-b', fromMs: 14000, state: 'lost' },
  ];
  const moves: MoveRecord[] = [
    {
      task: 'c',
      kind: 'precopy',
      from: 'field-a',
      to: 'field-b',
      startMs: 2000,
      endMs: 3400,
      phases: [
        { phase: 'negotiate', atMs: 2000 },
        { phase: 'precopy', atMs: 2050 },
        { phase: 'stop', atMs: 3100 },
        { phase: 'transfer', atMs: 3110 },
        { phase: 'commit', atMs: 3300 },
        { phase: 'release', atMs: 3350 },
        { phase: 'done', atMs: 3400 },
      ],
      outcome: 'completed',
      downtime: { fromMs: 3100, toMs: 3320 },
      stats: PRECOPY_STATS,
    },
    {
      task: 'counter',
      kind: 'full',
      from: 'field-a',
      to: 'field-b',
      startMs: 4500,
      endMs: 4560,
      phases: [{ phase: 'negotiate', atMs: 4500 }],
      outcome: 'refused',
      code: 'FAILED_PRECONDITION',
      error: 'field-b cannot take counter: its partition p1 has 64-bit words, counter needs 32',
    },
    {
      task: 'c',
      kind: 'lazy',
      from: 'field-b',
      to: 'field-a',
      startMs: 7000,
      endMs: 9500,
      phases: [
        { phase: 'negotiate', atMs: 7000 },
        { phase: 'stop', atMs: 7200 },
        { phase: 'transfer', atMs: 7210 },
      ],
      outcome: 'failed',
      code: 'UNAVAILABLE',
      error: 'sink field-a did not answer: link field-a<->field-b is cut',
      downtime: { fromMs: 7200, toMs: 9500 },
      stats: { migrationId: '0b9d7e21-5a3c-4f8e-b2d1-7c6e5f4a3b2c', mode: 'MIGRATION_MODE_POSTCOPY', pagesSent: '9', bytesSent: '36864' },
    },
    {
      task: 'c',
      kind: 'park',
      from: 'field-b',
      to: 'middleware',
      startMs: 12000,
      endMs: 12800,
      phases: [
        { phase: 'negotiate', atMs: 12000 },
        { phase: 'stop', atMs: 12100 },
        { phase: 'transfer', atMs: 12150 },
        { phase: 'commit', atMs: 12700 },
        { phase: 'done', atMs: 12800 },
      ],
      outcome: 'completed',
      downtime: { fromMs: 12100, toMs: 12800 },
      stats: { snapshot: 'c@12800', pagesSent: '410', bytesSent: '1679360', pagesDeduplicated: '388' },
    },
    {
      task: 'c',
      kind: 'restore',
      from: 'middleware',
      to: 'field-a',
      startMs: 16000,
      endMs: 16900,
      phases: [
        { phase: 'restore', atMs: 16000 },
        { phase: 'commit', atMs: 16800 },
        { phase: 'done', atMs: 16900 },
      ],
      outcome: 'completed',
    },
  ];
  const steps: StepRecord[] = [
    { index: 0, line: 14, text: 'migrate c to field-b (precopy)', startMs: 2000, endMs: 3400, ok: true },
    { index: 1, line: 15, text: 'migrate counter to field-b (full)', startMs: 4500, endMs: 4560, ok: true },
    { index: 2, line: 16, text: 'cut field-a<->field-b', startMs: 6000, endMs: 6010, ok: true },
    { index: 3, line: 17, text: 'migrate c to field-a (lazy)', startMs: 7000, endMs: 9500, ok: false, error: 'UNAVAILABLE: sink field-a did not answer: link field-a<->field-b is cut' },
    { index: 4, line: 18, text: 'heal field-a<->field-b', startMs: 11000, endMs: 11005, ok: true },
    { index: 5, line: 19, text: 'park c', startMs: 12000, endMs: 12800, ok: true },
    { index: 6, line: 20, text: 'kill-node field-b', startMs: 14000, endMs: 14030, ok: true },
    { index: 7, line: 21, text: 'restore c to field-a', startMs: 16000, endMs: 16900, ok: true },
    { index: 8, line: 22, text: 'wait 5s', startMs: 17000, endMs: 22000, ok: true },
  ];
  const expectations: ExpectationResult[] = [
    { index: 0, line: 25, kind: 'continuity', task: 'c', text: 'c: continuity (its counter never goes back)', verdict: 'passed', reason: 'counter rose from 0 to 21874 without going back across 4 moves' },
    { index: 1, line: 26, kind: 'transparent', task: 'c', text: 'c: transparent (output as without moves)', verdict: 'passed', reason: 'console output equals the reference run (318 lines)' },
    { index: 2, line: 27, kind: 'downtime_ms', task: 'c', text: 'c: downtime_ms <= 300 (precopy)', verdict: 'passed', reason: 'the pre-copy migration stopped c for 220 ms' },
    { index: 3, line: 28, kind: 'migration_fails', task: 'counter', text: 'counter: migration_fails to field-b', verdict: 'passed', reason: 'refused FAILED_PRECONDITION, as expected' },
    { index: 4, line: 29, kind: 'runs_once', task: 'c', text: 'c: runs_once', verdict: 'passed', reason: 'c ran on exactly one node at every moment' },
    {
      index: 5,
      line: 30,
      kind: 'downtime_ms',
      task: 'c',
      text: 'c: downtime_ms <= 500 (lazy)',
      verdict: 'failed',
      reason: 'the lazy migration of c failed (UNAVAILABLE) and kept it stopped for 2300 ms; expected at most 500 ms',
    },
  ];
  const verdict: Verdict = expectations.some((e) => e.verdict === 'failed') ? 'failed' : 'passed';
  return {
    name,
    params,
    verdict,
    durationMs: 22500,
    seed,
    lanes: ['field-a', 'field-b', 'middleware'],
    tasks: ['c', 'counter', 'logger'],
    residences,
    moves,
    faults: [
      { atMs: 6000, kind: 'cut', target: 'field-a<->field-b', detail: 'link cut both ways' },
      { atMs: 14000, kind: 'kill-node', target: 'field-b', detail: 'SIGKILL to field-b (pid 48211)' },
    ],
    links: [
      { atMs: 6000, between: ['field-a', 'field-b'], change: 'cut' },
      { atMs: 11000, between: ['field-a', 'field-b'], change: 'heal', profile: '10Mbit 5ms' },
    ],
    steps,
    expectations,
  };
}

/** A run that passed: {@link sampleRun} without the link cut, its third move (in `mode`) completed, so c is parked from field-a. */
function passingRun(name: string, params: Readonly<Record<string, string>>, seed: number, mode: MoveRecord['kind']): RunReport {
  const base = sampleRun(name, params, seed);
  const moves = base.moves.map((m): MoveRecord => {
    if (m.startMs === 7000) {
      const { code: _code, error: _error, ...rest } = m;
      return { ...rest, kind: mode, outcome: 'completed', downtime: { fromMs: 7200, toMs: 7380 }, phases: [...m.phases, { phase: 'commit', atMs: 7360 }, { phase: 'done', atMs: 7380 }], endMs: 7380 };
    }
    return m.kind === 'park' ? { ...m, from: 'field-a' } : m;
  });
  const residences = base.residences.map((r): Residence => {
    if (r.task !== 'c') return r;
    if (r.fromMs === 7200) return { ...r, toMs: 7380 };
    if (r.fromMs === 9500) return { ...r, fromMs: 7380, lane: 'field-a' };
    if (r.fromMs === 12100) return { ...r, lane: 'field-a' };
    return r;
  });
  const expectations = base.expectations.map((e) => (e.verdict === 'failed' ? { ...e, text: `c: downtime_ms <= 500 (${mode})`, verdict: 'passed' as const, reason: `the ${mode} migration stopped c for 180 ms` } : e));
  const steps = base.steps
    .filter((s) => !/^(cut|heal) /.test(s.text))
    .map((s, index): StepRecord => {
      const { error: _error, ...rest } = s;
      return s.ok ? { ...s, index } : { ...rest, index, text: `migrate c to field-a (${mode})`, endMs: 7380, ok: true };
    });
  return { ...base, verdict: 'passed', moves, residences, expectations, steps, faults: base.faults.filter((f) => f.kind !== 'cut'), links: [] };
}

/** A run that never started: its cluster did not come up. */
function erroneousRun(name: string, params: Readonly<Record<string, string>>, seed: number): RunReport {
  const base = sampleRun(name, params, seed);
  return {
    ...base,
    verdict: 'error',
    error: 'cluster did not start: field-b exited with code 1 (port 50061 in use)',
    durationMs: 1800,
    residences: [],
    moves: [],
    faults: [],
    links: [],
    steps: [],
    expectations: base.expectations.map((e) => ({ ...e, verdict: 'error' as const, reason: 'not judged: the run did not start' })),
  };
}

/** A report of `runs`, its summary counted from them. */
export function reportOf(name: string, runs: readonly RunReport[], started = '2025-03-14T09:26:53.589Z'): ScenarioReport {
  const count = (v: Verdict): number => runs.filter((r) => r.verdict === v).length;
  const expect = (v: Verdict): number => runs.reduce((n, r) => n + r.expectations.filter((e) => e.verdict === v).length, 0);
  return {
    format: 'migvisor-scenario-report',
    version: 1,
    file: `scenarios/${name}.yaml`,
    name,
    started,
    durationMs: runs.reduce((n, r) => n + r.durationMs, 0) + 1500 * runs.length,
    verdict: count('error') > 0 ? 'error' : count('failed') > 0 ? 'failed' : 'passed',
    runs,
    summary: {
      runs: runs.length,
      passed: count('passed'),
      failed: count('failed'),
      errors: count('error'),
      expectations: { passed: expect('passed'), failed: expect('failed'), errors: expect('error') },
    },
  };
}

/** The single-run report: one run, one failed expectation. */
export function sampleReport(): ScenarioReport {
  return reportOf('move-park-restore', [sampleRun()]);
}

/** A campaign over a matrix of four cells: two passed, one failed, one error. */
export function sampleCampaign(): ScenarioReport {
  return reportOf('modes-under-faults', [
    passingRun('mode=full fault=none', { mode: 'full', fault: 'none' }, 101, 'full'),
    passingRun('mode=precopy fault=none', { mode: 'precopy', fault: 'none' }, 102, 'precopy'),
    sampleRun('mode=lazy fault=cut', { mode: 'lazy', fault: 'cut' }, 103),
    erroneousRun('mode=lazy fault=kill-sink', { mode: 'lazy', fault: 'kill-sink' }, 104),
  ]);
}

/** Three tasks moved ten times over 40 s: how dense a typical run gets. */
export function busyReport(): ScenarioReport {
  const lanes = ['field-a', 'field-b', 'field-c', 'middleware'];
  const tasks = ['counter', 'logger', 'sensor'];
  const kinds: MoveRecord['kind'][] = ['precopy', 'full', 'lazy'];
  const residences: Residence[] = [];
  const moves: MoveRecord[] = [];
  const steps: StepRecord[] = [];
  const at = new Map(tasks.map((t, i) => [t, { lane: lanes[i]!, since: 0 }]));
  for (let i = 0; i < 10; i++) {
    const task = tasks[i % 3]!;
    const here = at.get(task)!;
    const to = lanes[(lanes.indexOf(here.lane) + 1) % 3]!;
    const startMs = 2500 + i * 3600 + (i % 3) * 400;
    const stopMs = startMs + 600 + (i % 4) * 150;
    const endMs = stopMs + 250 + (i % 2) * 120;
    const kind = kinds[i % 3]!;
    const failed = i === 6;
    residences.push({ task, lane: here.lane, fromMs: here.since, toMs: stopMs, state: 'running' });
    residences.push({ task, lane: here.lane, fromMs: stopMs, toMs: endMs, state: 'stopped' });
    moves.push({
      task,
      kind,
      from: here.lane,
      to,
      startMs,
      endMs,
      phases: [
        { phase: 'negotiate', atMs: startMs },
        { phase: 'stop', atMs: stopMs },
        { phase: 'transfer', atMs: stopMs + 10 },
        ...(failed ? [] : [{ phase: 'commit', atMs: endMs - 40 }, { phase: 'done', atMs: endMs }]),
      ],
      outcome: failed ? 'failed' : 'completed',
      ...(failed ? { code: 'DEADLINE_EXCEEDED', error: 'commit not answered within 2s' } : {}),
      downtime: { fromMs: stopMs, toMs: endMs },
    });
    steps.push({ index: i, line: 10 + i, text: `migrate ${task} to ${to} (${kind})`, startMs, endMs, ok: !failed, ...(failed ? { error: 'DEADLINE_EXCEEDED' } : {}) });
    at.set(task, { lane: failed ? here.lane : to, since: endMs });
  }
  for (const [task, where] of at) residences.push({ task, lane: where.lane, fromMs: where.since, state: 'running' });
  const run: RunReport = {
    ...sampleRun(),
    durationMs: 40_000,
    lanes,
    tasks,
    residences,
    moves,
    faults: [
      { atMs: 9000, kind: 'freeze', target: 'field-c', detail: 'SIGSTOP for 800 ms' },
      { atMs: 9100, kind: 'corrupt', target: 'field-a<->field-b', detail: '1 byte in 10,000' },
      { atMs: 21000, kind: 'restart-node', target: 'field-a', detail: 'killed and started again' },
      { atMs: 30000, kind: 'cut', target: 'middleware', detail: 'archive unreachable' },
    ],
    links: [
      { atMs: 5000, between: ['field-a', 'field-b'], change: 'set', profile: '10Mbit 5ms' },
      { atMs: 5200, between: ['field-b', 'field-c'], change: 'set', profile: '1Mbit 40ms' },
      { atMs: 18000, between: ['field-a', 'field-c'], change: 'cut' },
      { atMs: 26000, between: ['field-a', 'field-c'], change: 'heal' },
    ],
    steps,
    expectations: tasks.map((t, index) => ({ index, line: 30 + index, kind: 'continuity', task: t, text: `${t}: continuity`, verdict: 'passed' as const, reason: 'never went back' })),
    verdict: 'passed',
  };
  return reportOf('busy', [run]);
}

/** Names and messages meant to break out of markup: every renderer must show them as text. */
export const HOSTILE = {
  scenario: '<script>alert("scenario")</script>',
  task: '<img src=x onerror=alert(1)>',
  cdata: 'end]]>&amp;"quoted"\'single\'',
  control: 'bell\u0007esc\u001b[31mred\u0000nul',
  surrogate: 'half\ud800pair',
  emoji: '🚀 rocket-task',
  lane: '"><svg onload=alert(2)>',
  error: '</title></text></svg><iframe src="https://example.com/x"></iframe><script>alert(3)</script>',
} as const;

/** {@link sampleReport} with {@link HOSTILE} names and messages in every field a renderer shows. */
export function hostileReport(): ScenarioReport {
  const base = sampleRun(`run ${HOSTILE.cdata}`, { mode: HOSTILE.task }, 7);
  const rename = (s: string): string => (s === 'c' ? HOSTILE.task : s === 'counter' ? HOSTILE.emoji : s === 'logger' ? HOSTILE.control : s === 'field-b' ? HOSTILE.lane : s);
  const run: RunReport = {
    ...base,
    lanes: base.lanes.map(rename),
    tasks: base.tasks.map(rename),
    residences: base.residences.map((r) => ({ ...r, task: rename(r.task), lane: rename(r.lane) })),
    moves: base.moves.map((m) => ({ ...m, task: rename(m.task), from: rename(m.from), to: rename(m.to), ...(m.error ? { error: HOSTILE.error, code: HOSTILE.cdata } : {}) })),
    faults: base.faults.map((f) => ({ ...f, target: f.target === 'field-b' ? HOSTILE.lane : `field-a<->${HOSTILE.lane}`, detail: HOSTILE.error, kind: `${f.kind}${HOSTILE.surrogate}` })),
    links: base.links.map((l) => ({ ...l, between: ['field-a', HOSTILE.lane] as const, profile: HOSTILE.cdata })),
    steps: base.steps.map((s) => ({ ...s, text: `${s.text} ${HOSTILE.control}`, ...(s.error ? { error: HOSTILE.error } : {}) })),
    expectations: base.expectations.map((e) => ({ ...e, task: e.task === undefined ? undefined : rename(e.task), text: `${HOSTILE.cdata} ${HOSTILE.surrogate}`, reason: e.verdict === 'failed' ? HOSTILE.error : e.reason, kind: e.verdict === 'failed' ? HOSTILE.cdata : e.kind })),
  };
  return { ...reportOf(HOSTILE.scenario, [run]), file: `scenarios/${HOSTILE.emoji}.yaml` };
}
