/**
 * Stop-and-copy migration between real node processes, driven by the CLI as a
 * user would: the counter moves field-a → field-b → field-a and its console goes
 * on at N+1; refusals (word size, fingerprint, compression, no free slot) happen
 * before any traveler stops; a multi-traveler task moves whole.
 */
import { expect } from 'chai';
import {
  cleanup,
  cliJson,
  cliOk,
  consecutive,
  control,
  EventLog,
  example,
  fixture,
  oneLineError,
  ps,
  runCli,
  sleep,
  slotStates,
  startNodes,
  startTask,
  stateOf,
  type NodeProcess,
} from '../support/processes.ts';
import { unary } from '../../src/common/clients.ts';
import { TRAVELER_STATUS_WIRE } from '../../src/migtask/index.ts';
import type { Stats } from '../support/live-harness.ts';

const FIELD = fixture('cluster-field.yaml');
const ODD = fixture('cluster-odd.yaml');
const COUNTER = 'counter ';

/** `migrate --json`: the last StopAndTransferResponse, in the proto3 JSON mapping (64-bit integers as strings). */
interface MigrateJson {
  stats: Stats;
}

/** `ps --json`: a PsResponse in the proto3 JSON mapping (uint64 as strings, bytes base64). */
interface PsJson {
  node: string;
  tasks: { slot: string; taskId: string; state: string; run: string; memoryHash: string; travelers: { id: number; pc: string; registers: string; status: string }[] }[];
}

describe('Migration between node processes (full mode)', function () {
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let counter: string;
  /** Console and transition events of the counter on each node, from the start. */
  let logA: EventLog;
  let logB: EventLog;

  const migrate = (task: string, from: string, to: string, ...extra: string[]) => runCli(['migrate', task, '--from', from, '--to', to, '--json', ...extra]);

  /** The counter's numbers in the order the nodes ran it. */
  const history = (...logs: EventLog[]): number[] => logs.flatMap((l) => l.numbers(counter, COUNTER));

  before(async function () {
    this.timeout(30_000);
    const [field, odd] = await Promise.all([startNodes(FIELD, ['field-a', 'field-b', 'field-c', 'field-e']), startNodes(ODD, ['field-d'])]);
    nodes = { ...field, ...odd };
    A = nodes['field-a']!.address;
    B = nodes['field-b']!.address;
    const boot = (await ps(A)).find((t) => t.program === 'counter.s');
    expect(boot, 'field-a boots the counter').to.not.equal(undefined);
    counter = boot!.taskId;
    logA = await EventLog.open(A, { task: counter });
    logB = new EventLog(B, { task: counter });
  });

  after(cleanup);

  it('moves the counter to field-b: it keeps its id and its console continues at N+1', async () => {
    const r = await migrate(counter, A, B);
    expect(r.code, r.stderr).to.equal(0);
    const stats = (JSON.parse(r.stdout) as MigrateJson).stats;
    await logB.waitForNumber(counter, COUNTER, 1, 5000);
    const last = logA.numbers(counter, COUNTER).at(-1)!;
    await logB.waitForNumber(counter, COUNTER, last + 3, 5000);
    expect(logB.numbers(counter, COUNTER)[0], 'first line on field-b').to.equal(last + 1);
    expect(consecutive(history(logA, logB))).to.equal(undefined);

    const onB = (await ps(B)).find((t) => t.taskId === counter);
    expect(onB, 'the task is on field-b under the same id').to.include({ state: 'MigSource', run: 'running' });

    // The statistics, as a user reads them.
    expect(stats).to.include({ taskId: counter, mode: 'MIGRATION_MODE_FULL', status: 'MIGRATION_STATUS_COMPLETED', source: 'field-a', compression: 'COMPRESSION_DEFLATE' });
    expect(stats.migrationId).to.match(/^[0-9a-f-]{36}$/);
    // Doubles are JSON numbers; uint64 counts are decimal strings (proto3 JSON).
    for (const k of ['totalMs', 'downtimeMs', 'setupMs', 'compressionRatio'] as const) {
      expect(stats[k], k).to.be.a('number');
    }
    for (const k of ['bytes', 'pagesSent', 'pagesElided'] as const) {
      expect(stats[k], k).to.be.a('string').and.match(/^\d+$/);
    }
    expect(Number(stats.pagesSent), 'pages_sent').to.be.greaterThan(0);
    expect(Number(stats.pagesElided), 'pages_elided: zero pages are not sent').to.be.greaterThan(0);
    expect(Number(stats.bytes), 'bytes').to.be.greaterThan(0);
    expect(stats.downtimeMs).to.be.greaterThan(0).and.at.most(stats.totalMs);
    expect(stats.setupMs).to.be.at.least(0).and.at.most(stats.totalMs);
    expect(stats.compressionRatio).to.be.at.least(1);
  });

  it('after the commit the task runs only on the sink; the source says where it went', async () => {
    expect((await ps(A)).map((t) => t.taskId)).to.not.include(counter);
    const text = await cliOk(['info', '--node', A, '--task', counter]);
    expect(text).to.match(new RegExp(`task ${counter}: left this node for ${B.replace(/\./g, '\\.')}`));
    // The source's console for the task has stopped for good, the sink's goes on.
    const fromA = logA.numbers(counter, COUNTER).length;
    const onB = logB.numbers(counter, COUNTER).at(-1)!;
    await logB.waitForNumber(counter, COUNTER, onB + 5, 5000);
    expect(logA.numbers(counter, COUNTER).length, 'lines printed on field-a after the move').to.equal(fromA);
  });

  it('carries the task with compression none, brotli and deflate, back and forth', async () => {
    const route: [string, string, string][] = [
      [B, A, 'none'],
      [A, B, 'brotli'],
      [B, A, 'deflate'],
    ];
    const order: EventLog[] = [logA, logB];
    for (const [from, to, compression] of route) {
      const r = await migrate(counter, from, to, '--compress', compression);
      expect(r.code, `${compression}: ${r.stderr}`).to.equal(0);
      const stats = (JSON.parse(r.stdout) as MigrateJson).stats;
      expect(stats).to.include({ status: 'MIGRATION_STATUS_COMPLETED', compression: `COMPRESSION_${compression.toUpperCase()}` });
      expect(stats.compressionRatio, `${compression} ratio`).to.be.at.least(1);
      if (compression === 'none') expect(stats.compressionRatio).to.equal(1);
      order.push(to === A ? logA : logB);
    }
    // field-a's log holds two stretches; split them by where the task ran.
    await logA.waitForNumber(counter, COUNTER, logB.numbers(counter, COUNTER).at(-1)! + 3, 5000);
    expect(consecutive(mergeByNode([logA, logB], counter))).to.equal(undefined);
    expect((await ps(A)).find((t) => t.taskId === counter)?.state).to.equal('MigSource');
  });

  it('refuses field-c for its word size, before any traveler stops, and the task keeps running', async () => {
    const C = nodes['field-c']!.address;
    const before = logA.events.length;
    const r = await migrate(counter, A, C);
    expect(oneLineError(r)).to.equal('migvisor: migration refused: word size differs: field-a is 32-bit, field-c is 64-bit');
    await expectNeverStopped(before);
    expect(await slotStates(C, 'ctrl')).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
  });

  it('refuses a node whose ctrl partition differs, naming the region, before any traveler stops', async () => {
    const before = logA.events.length;
    const r = await migrate(counter, A, nodes['field-d']!.address);
    const line = oneLineError(r);
    expect(line).to.contain('migration refused: partition ctrl fingerprint differs between field-a and field-d');
    expect(line).to.contain('region data size 0x40000 vs 0x20000');
    await expectNeverStopped(before);
  });

  it('refuses brotli for a sink that supports only none and deflate', async () => {
    const before = logA.events.length;
    const r = await migrate(counter, A, nodes['field-e']!.address, '--compress', 'brotli');
    expect(oneLineError(r)).to.equal('migvisor: migration refused: field-e does not support brotli compression (it supports none, deflate)');
    await expectNeverStopped(before);
  });

  it('refuses a sink whose partition has no MigSink slot free', async () => {
    const E = nodes['field-e']!.address;
    const busy = [await startTask(E, 'ctrl', example('counter.s')), await startTask(E, 'ctrl', example('counter.s'))];
    const before = logA.events.length;
    const r = await migrate(counter, A, E);
    expect(oneLineError(r)).to.match(/migration refused: field-e has no MigSink slot free in partition ctrl/);
    await expectNeverStopped(before);
    const c = control(E);
    for (const task of busy) await unary(c.Kill, c, { taskId: task }, 'kill');
  });

  it('moves a paused three-traveler task whole: same registers, same memory hash, each traveler goes on at N+1', async () => {
    const team = await startTask(A, 'ctrl', fixture('programs/team.s'), 3);
    const teamA = await EventLog.open(A, { task: team });
    const teamB = new EventLog(B, { task: team });
    await teamA.waitFor((e) => e.traveler === 2 && e.text.startsWith('worker '), 5000, 'traveler 2 at work');
    const cA = control(A);
    await unary(cA.Pause, cA, { taskId: team }, 'pause');
    const before = (await cliJson<PsJson>(['ps', '--node', A, '--hashes'])).tasks.find((t) => t.taskId === team)!;
    expect(before.travelers).to.have.length(3);
    expect(before.run).to.equal('RUN_STATE_PAUSED');

    const r = await migrate(team, A, B);
    expect(r.code, r.stderr).to.equal(0);
    const moved = (await ps(B, true)).find((t) => t.taskId === team)!;
    expect(moved, 'the team on field-b').to.not.equal(undefined);
    expect(moved.run, 'still paused after the move').to.equal('paused');
    expect(moved.memoryHash, 'memory hash').to.equal(before.memoryHash);
    // ps over gRPC (domain names, pc a number, registers bytes) against ps --json (wire names, uint64 strings, base64).
    expect(moved.travelers.map((t) => [t.id, t.pc, Buffer.from(t.registers).toString('base64'), t.status])).to.deep.equal(
      before.travelers.map((t) => [t.id, Number(t.pc), t.registers, TRAVELER_STATUS_WIRE.fromWire(t.status)]),
    );

    const lastA = [0, 1, 2].map((id) => workerNumbers(teamA, id).at(-1)!);
    await sleep(100);
    expect(teamB.events.filter((e) => e.kind === 'console'), 'a paused task prints nothing').to.have.length(0);
    const cB = control(B);
    await unary(cB.Resume, cB, { taskId: team }, 'resume');
    for (const id of [0, 1, 2]) {
      await teamB.waitFor((e) => e.kind === 'console' && e.traveler === id && e.text === `worker ${lastA[id]! + 2}`, 5000, `traveler ${id} at ${lastA[id]! + 2}`);
      const all = [...workerNumbers(teamA, id), ...workerNumbers(teamB, id)];
      expect(consecutive(all), `traveler ${id}`).to.equal(undefined);
    }
  });

  /** The task's transitions and console on field-a since event `from`: no stop, no gap. */
  async function expectNeverStopped(from: number): Promise<void> {
    const last = logA.numbers(counter, COUNTER).at(-1)!;
    await logA.waitForNumber(counter, COUNTER, last + 2, 3000);
    const since = logA.events.slice(from);
    // QEMU's status of the refused migration (setup, failed) is not a stop; any other transition or migration step is.
    const stops = since.filter((e) => e.kind !== 'console' && !(e.kind === 'migration' && e.phase === 'status'));
    expect(stops.map((e) => `${e.kind} ${e.from}→${e.to} ${e.phase}`), 'transitions or migration events').to.deep.equal([]);
    expect(consecutive(logA.numbers(counter, COUNTER).slice(-20))).to.equal(undefined);
    expect(await stateOf(A, counter)).to.equal('MigSource');
  }
});

function workerNumbers(log: EventLog, traveler: number): number[] {
  return log.events.filter((e) => e.kind === 'console' && e.traveler === traveler && e.text.startsWith('worker ')).map((e) => Number(e.text.slice(7)));
}

/**
 * All numbered console lines of a task from several nodes, sorted: a user sees
 * every number once, each one more than the last (no gap, no repeat).
 */
function mergeByNode(logs: EventLog[], task: string): number[] {
  return logs.flatMap((l) => l.numbers(task, COUNTER)).sort((a, b) => a - b);
}
