/**
 * Transparency (issue 4, point 5): a memory-heavy workload migrated mid-run, in
 * every mode, ends exactly as the same workload that never moved: each traveler
 * prints the same lines in the same order, and the final memory (code, data and
 * stacks: ps --hashes) has the same hash. config/programs/workload.s rewrites
 * 16 KiB per traveler for 12 rounds and prints each round's checksum, so a page
 * lost, stale or sent twice shows in both.
 *
 * The moves are made with StopAndTransfer from the test process (what `migrate`
 * sends, without a process start-up), so they land at the round the test picks.
 * The four-traveler runs move while they run; the short one-traveler run is
 * paused for its moves.
 */
import { expect } from 'chai';
import { cleanup, example, poll, type EventLog, type NodeProcess } from '../support/processes.ts';
import {
  ConsoleHistory,
  departures,
  expectCompleted,
  kill,
  migrateRpc,
  migrationEvents,
  MODES,
  openLog,
  pause,
  resume,
  startLiveNodes,
  startProgram,
  waitExited,
  type Mode,
} from '../support/live-harness.ts';
import type { TaskView } from '../support/wire-view.ts';

const WORKLOAD = example('workload.s');

interface Outcome {
  /** Console lines per traveler. */
  readonly lines: string[][];
  readonly hash: string;
  readonly exits: string[];
}

function outcome(history: ConsoleHistory, final: TaskView): Outcome {
  return {
    lines: final.travelers.map((t) => history.traveler(t.id)),
    hash: final.memoryHash,
    exits: final.travelers.map((t) => `${t.id}:${t.status}:${t.exitCode}`),
  };
}

describe('Transparency: a migrated workload ends as if it never moved', function () {
  let nodes: Record<string, NodeProcess>;
  const addr: Record<string, string> = {};
  const logs: Record<string, EventLog> = {};
  /** The unmigrated runs, by traveler count. */
  const baseline = new Map<number, Outcome>();

  before(async function () {
    this.timeout(40_000);
    nodes = await startLiveNodes(['live-a', 'live-b']);
    for (const n of ['live-a', 'live-b']) addr[n] = nodes[n]!.address;
    [logs['live-a'], logs['live-b']] = await Promise.all([openLog(addr['live-a']!), openLog(addr['live-b']!)]);
    // The baselines: four travelers on live-a and one on live-b, side by side.
    await Promise.all(
      [
        ['live-a', 4],
        ['live-b', 1],
      ].map(async ([node, travelers]) => {
        const at = addr[node as string]!;
        const task = await startProgram(at, 'ctrl', WORKLOAD, { travelers: travelers as number });
        const final = await waitExited(at, task, 30_000);
        const history = new ConsoleHistory(task);
        history.take(logs[node as string]!);
        baseline.set(travelers as number, outcome(history, final));
        await kill(at, task);
      }),
    );
    const four = baseline.get(4)!;
    expect(four.exits, 'the baseline ran to its end').to.deep.equal(['0:exited:0', '1:exited:0', '2:exited:0', '3:exited:0']);
    expect(four.lines.map((l) => l.length), 'rounds per traveler in the baseline').to.deep.equal([12, 12, 12, 12]);
    expect(baseline.get(1)!.lines[0]).to.have.length(12);
    for (const b of baseline.values()) expect(b.hash, 'a baseline memory hash').to.match(/^[0-9a-f]{64}$/);
    expect(four.hash, 'one traveler and four end with different memory').to.not.equal(baseline.get(1)!.hash);
  });

  after(cleanup);

  /**
   * Runs the workload on live-a and moves it along `route`: each move once
   * traveler 0 has printed `after` more rounds where the task is. A move `paused`
   * pauses the task first and resumes it on the sink (a post-copy sink as soon as
   * the source serves its pages), so it lands where the test says even when the
   * machine is slow; the others move the task while it runs. Returns how the run
   * ended, and checks every node it ran on printed part of it.
   */
  async function migratedRun(travelers: number, route: readonly { to: string; mode: Mode; after: number; paused?: boolean }[]): Promise<Outcome> {
    const task = await startProgram(addr['live-a']!, 'ctrl', WORKLOAD, { travelers });
    const history = new ConsoleHistory(task);
    let at = 'live-a';
    for (const step of route) {
      const log = logs[at]!;
      await poll(`${step.after} round(s) of traveler 0 on ${at}`, () => history.pending(log, 0).length >= step.after, 20_000, 5);
      const left = departures(log, task);
      if (step.paused) await pause(addr[at]!, task);
      const migration = migrateRpc(addr[at]!, task, addr[step.to]!, { mode: step.mode, sinkName: step.to });
      migration.catch(() => undefined);
      if (step.paused && step.mode === 'lazy') {
        await poll('the source serving pages', () => migrationEvents(log, task, 'postcopy').length > left, 10_000, 2);
        await resume(addr[step.to]!, task);
      }
      const stats = await migration;
      expectCompleted(stats, `${step.mode} move ${at} → ${step.to}`);
      if (step.paused && step.mode !== 'lazy') await resume(addr[step.to]!, task);
      await history.takeAfterMove(log, left, at);
      at = step.to;
    }
    const final = await waitExited(addr[at]!, task, 30_000);
    history.take(logs[at]!, at);
    expect(
      history.stretches.map((s) => `${s.node}: ${s.lines.length > 0 ? 'printed' : 'nothing'}`),
      'where the workload printed (every move landed mid-run)',
    ).to.deep.equal(history.stretches.map((s) => `${s.node}: printed`));
    expect(logs[at]!.events.filter((e) => e.kind === 'fault' && e.task === task), 'faults').to.deep.equal([]);
    await kill(addr[at]!, task);
    return outcome(history, final);
  }

  function expectSame(run: Outcome, travelers: number): void {
    const base = baseline.get(travelers)!;
    expect(run.exits, 'exit status per traveler').to.deep.equal(base.exits);
    for (let t = 0; t < travelers; t++) expect(run.lines[t], `console of traveler ${t}`).to.deep.equal(base.lines[t]);
    expect(run.hash, 'final memory hash').to.equal(base.hash);
  }

  for (const mode of MODES) {
    it(`${mode}: four travelers moved live-a → live-b → live-a mid-run print the same lines and end with the same memory`, async () => {
      const run = await migratedRun(4, [
        { to: 'live-b', mode, after: 2 },
        { to: 'live-a', mode, after: 3 },
      ]);
      expectSame(run, 4);
    });
  }

  it('one traveler moved twice (full, then lazy) prints the same lines and ends with the same memory', async () => {
    // Alone, the traveler runs its 12 rounds in a few hundred milliseconds: both
    // moves pause it, so they land mid-run on a busy machine too.
    const run = await migratedRun(1, [
      { to: 'live-b', mode: 'full', after: 1, paused: true },
      { to: 'live-a', mode: 'lazy', after: 2, paused: true },
    ]);
    expectSame(run, 1);
  });
});
