/**
 * Orchestration through the middleware, with real processes: `where` finds a task,
 * `evacuate` empties a node onto its evacuate_to node and refuses clearly, per
 * candidate, when none fits, and never promises one free slot to two tasks; `move` finds the source itself; two moves of the same
 * task at once: the first holds the task's lock, the second is refused naming it.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { unary } from '../../src/common/clients.ts';
import {
  cleanup,
  consecutive,
  control,
  EventLog,
  example,
  fixture,
  oneLineError,
  ps,
  slotStates,
  spawnCli,
  startTask,
  tempDir,
  type NodeProcess,
} from '../support/processes.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import {
  forgetCluster,
  mwCli,
  privateCluster,
  startMiddleware,
  startNodesApart,
  stopMiddlewares,
  whereOverGrpc,
  type MiddlewareProcess,
} from '../support/middleware-harness.ts';

/** A private copy of the fixture (its own node registry); made in before(). */
let FIELD = '';
const DATA = fixture('programs/middleware-data.s');
const COUNTER = 'counter ';

/** One EvacuateResponse of `evacuate --json` (a JSON array of them). */
interface EvacuateJson {
  taskId: string;
  to: string;
  status: 'EVACUATE_STATUS_MOVED' | 'EVACUATE_STATUS_REFUSED' | 'EVACUATE_STATUS_FAILED';
  detail: string;
}

describe('Middleware orchestration: where, evacuate, move under a lock (node and middleware processes)', function () {
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let mw: MiddlewareProcess;
  let counter: string;
  let data: string;
  /** Console lines of field-a and field-b, from the start. */
  let logA: EventLog;
  let logB: EventLog;

  const cli = (args: readonly string[]) => mwCli(mw, FIELD, args, { timeoutMs: 60_000 });
  /** A task's numbers, from both nodes, in order (it runs on one node at a time). */
  const numbers = (task: string): number[] => [...logA.numbers(task, COUNTER), ...logB.numbers(task, COUNTER)].sort((x, y) => x - y);
  const tasksOn = async (address: string): Promise<string[]> => (await ps(address)).map((t) => t.taskId).filter((t) => t);
  const maxOf = (task: string): number => Math.max(0, ...numbers(task));

  before(async function () {
    this.timeout(40_000);
    FIELD = privateCluster(fixture('middleware-field.yaml'));
    nodes = await startNodesApart(FIELD, ['field-a', 'field-b', 'field-c']);
    [A, B] = [nodes['field-a']!.address, nodes['field-b']!.address];
    mw = await startMiddleware(FIELD, `file://${path.join(tempDir('migvisor-mw-orch-'), 'store')}`);
    counter = (await ps(A)).find((t) => t.program === 'counter.s')!.taskId;
    logA = await EventLog.open(A, { kinds: ['console'] });
    logB = new EventLog(B, { kinds: ['console'] });
    data = await startTask(A, 'ctrl', DATA);
    await logA.waitForNumber(data, COUNTER, 2, 15_000);
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (FIELD) forgetCluster(FIELD);
  });

  it('`where` finds a running task on its node', async () => {
    const r = await cli(['where', counter]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(`${counter} runs on field-a (${A})`);
  });

  it('evacuates field-a: every MigTask moves to field-b (its evacuate_to) and counts on', async () => {
    const [c, d] = [maxOf(counter), maxOf(data)];
    const r = await cli(['evacuate', 'field-a']);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n').sort();
    const moved = (task: string) => new RegExp(`^${task}: moved to field-b \\(full, downtime [\\d.]+ ms\\)$`);
    expect(lines).to.have.length(2);
    expect(lines.find((l) => l.startsWith(`${counter}:`))).to.match(moved(counter));
    expect(lines.find((l) => l.startsWith(`${data}:`))).to.match(moved(data));
    expect(await slotStates(A, 'ctrl')).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
    expect((await tasksOn(B)).sort()).to.deep.equal([counter, data].sort());
    await logB.waitForNumber(counter, COUNTER, c + 2, 10_000);
    await logB.waitForNumber(data, COUNTER, d + 2, 10_000);
    expect(consecutive(numbers(counter)), 'counter').to.equal(undefined);
    expect(consecutive(numbers(data)), 'data task').to.equal(undefined);
    expect(await whereOverGrpc(mw.address, counter)).to.include({ state: 'LOCATION_STATE_RUNNING', node: 'field-b', address: B });
  });

  it('moves a task to a node without being told where it runs (`where` finds the source)', async () => {
    const c = maxOf(counter);
    const r = await cli(['move', counter, '--to', 'field-a', '--json']);
    expect(r.code, r.stderr).to.equal(0);
    // The last MoveResponse.
    expect(JSON.parse(r.stdout).stats).to.include({ taskId: counter, status: 'MIGRATION_STATUS_COMPLETED', source: 'field-b', mode: 'MIGRATION_MODE_FULL' });
    await logA.waitForNumber(counter, COUNTER, c + 2, 10_000);
    expect(consecutive(numbers(counter))).to.equal(undefined);
    expect(await tasksOn(A)).to.include(counter);
    expect(await tasksOn(B)).to.not.include(counter);
  });

  it('lets only one of two moves of the same task run: the second is refused while the first holds the lock', async function () {
    this.timeout(60_000);
    // The first move goes through a proxy that freezes its transfer after 64 KiB
    // (the data task's container is ~256 KiB), so it is surely still holding the
    // task's lock when the second move asks.
    const proxy = await TcpProxy.start(A);
    try {
      proxy.holdAfter(64 << 10);
      const d = maxOf(data);
      const first = spawnCli(['move', data, '--to', proxy.address, '--json', '--cluster', FIELD, '--middleware', mw.address], { timeoutMs: 60_000 });
      const holding = proxy.whenHolding(30_000);
      holding.catch(() => undefined);
      const ended = await Promise.race([holding.then(() => undefined), first.result]);
      if (ended) throw new Error(`the first move ended before the proxy held any data: exit ${ended.code}: ${ended.stderr.trim()}`);
      expect((await ps(B)).find((t) => t.taskId === data)?.state, 'the data task, mid-move').to.equal('Transferring');

      const second = await cli(['move', data, '--to', 'field-a']);
      expect(oneLineError(second)).to.match(new RegExp(`^migvisor: task ${data} is being moved by middleware@.+:${mw.pid}$`));

      proxy.release();
      const r = await first.result;
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout).stats).to.include({ taskId: data, status: 'MIGRATION_STATUS_COMPLETED' });
      await logA.waitForNumber(data, COUNTER, d + 2, 10_000);
      expect(consecutive(numbers(data))).to.equal(undefined);
      expect(await tasksOn(A)).to.include(data);
      expect(await tasksOn(B)).to.not.include(data);
    } finally {
      await proxy.close();
    }
  });

  it('refuses to evacuate field-a when field-b has no free slot, naming each candidate\'s reason (exit 1), and the tasks stay', async () => {
    const fillers = [await startTask(B, 'ctrl', example('counter.s')), await startTask(B, 'ctrl', example('counter.s'))];
    expect(await slotStates(B, 'ctrl')).to.deep.equal([`ctrl/0 MigSource ${fillers[0]}`, `ctrl/1 MigSource ${fillers[1]}`]);
    const json = await cli(['evacuate', 'field-a', '--json']);
    expect(json.code).to.equal(1);
    const events = JSON.parse(json.stdout) as EvacuateJson[];
    expect(events.map((e) => e.taskId).sort()).to.deep.equal([counter, data].sort());
    for (const e of events) {
      expect(e.status, e.taskId).to.equal('EVACUATE_STATUS_REFUSED');
      expect(e.detail).to.equal('no compatible node (field-b: no free slot in partition ctrl; field-c: word size differs: source is 32-bit, it is 64-bit)');
    }
    expect((await tasksOn(A)).sort(), 'still on field-a').to.deep.equal([counter, data].sort());
    const c = maxOf(counter);
    await logA.waitForNumber(counter, COUNTER, c + 2, 10_000);
  });

  it('promises a free slot to one task only: with one slot free on field-b, one task moves there and the other is refused (the moves run together)', async () => {
    // field-b: one filler left of the two the test before started.
    const filler = (await ps(B)).find((t) => t.taskId)!.taskId;
    const c = control(B);
    await unary(c.Kill, c, { taskId: filler }, 'Kill');
    expect((await slotStates(B, 'ctrl')).filter((x) => x.endsWith('MigSink')), 'one slot free on field-b').to.have.length(1);
    const json = await cli(['evacuate', 'field-a', '--json']);
    expect(json.code, 'one refused: exit 1').to.equal(1);
    const events = JSON.parse(json.stdout) as EvacuateJson[];
    expect(events.map((e) => e.status).sort()).to.deep.equal(['EVACUATE_STATUS_MOVED', 'EVACUATE_STATUS_REFUSED']);
    const refused = events.find((e) => e.status === 'EVACUATE_STATUS_REFUSED')!;
    const moved = events.find((e) => e.status === 'EVACUATE_STATUS_MOVED')!;
    expect(moved.to).to.equal('field-b');
    expect(refused.detail).to.equal('no compatible node (field-b: no free slot in partition ctrl; field-c: word size differs: source is 32-bit, it is 64-bit)');
    expect(await tasksOn(A)).to.deep.equal([refused.taskId]);
    expect(await tasksOn(B)).to.include(moved.taskId);
    await (moved.taskId === counter ? logB : logA).waitForNumber(counter, COUNTER, maxOf(counter) + 2, 10_000);
    await (moved.taskId === data ? logB : logA).waitForNumber(data, COUNTER, maxOf(data) + 2, 10_000);
    expect(consecutive(numbers(counter)), 'counter').to.equal(undefined);
    expect(consecutive(numbers(data)), 'data task').to.equal(undefined);
  });
});
