/**
 * Sampling ports and schedule plans with real node processes (issue 11, items 4
 * and 5), on test/fixtures/arinc-cluster.yaml: a sampling-port reader that
 * migrates keeps reading, its validity judged by the clock of the node it runs
 * on (arinc-b counts ticks at half arinc-a's rate); a plan switch through the
 * CLI takes effect at a major-frame boundary of a running node; `simulate`
 * switches at the boundary in virtual time; a migration that needs a plan the
 * sink lacks is refused with the reason: by the source, by the sink of a saved
 * container and by an evacuation.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { serverStream, unary } from '../../src/common/clients.ts';
import { recordNode } from '../../src/common/endpoints.ts';
import { cleanup, cliJson, cliOk, control, example, fixture, info, poll, rejection, runCli, startNodes, tempDir, type EventLog, type NodeProcess } from '../support/processes.ts';
import { startMiddleware, stopMiddlewares, withMiddlewareClient } from '../support/middleware-harness.ts';
import { migrateRpc, openLog, pause, resume, startProgram } from '../support/live-harness.ts';

const ARINC = fixture('arinc-cluster.yaml');

/** `sample N valid V age A`, parsed. */
interface Sample {
  readonly value: number;
  readonly valid: boolean;
  readonly age: number;
  readonly tick: number;
}

function samples(log: EventLog, task: string): Sample[] {
  return log.events
    .filter((e) => e.kind === 'console' && e.task === task && e.text.startsWith('sample '))
    .map((e) => {
      const [, value, valid, age] = /^sample (\d+) valid (\d) age (\d+)/.exec(e.text) ?? [];
      return { value: Number(value), valid: valid === '1', age: Number(age), tick: e.tick };
    });
}

interface ScheduleStatus {
  node: string;
  tick: string;
  currentPlan: string;
  nextPlan: string;
  nextPlanTick: string;
  lastSwitchTick?: string;
  plans: { name: string; majorFrame: number }[];
}

describe('Sampling ports and schedule plans on real nodes', function () {
  let nodes: Record<string, NodeProcess>;
  let logA: EventLog;
  let logB: EventLog;

  before(async function () {
    this.timeout(30_000);
    nodes = await startNodes(ARINC, ['arinc-a', 'arinc-b'], { boot: false });
    for (const n of Object.values(nodes)) recordNode(ARINC, n.name, n.address);
    [logA, logB] = await Promise.all([openLog(nodes['arinc-a']!.address), openLog(nodes['arinc-b']!.address)]);
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
  });

  it('a reader that migrates keeps reading the port, its validity judged by the sink\'s clock', async function () {
    this.timeout(30_000);
    const A = nodes['arinc-a']!.address;
    const B = nodes['arinc-b']!.address;
    const writer = await startProgram(A, 'sensor', example('port-writer.s'));
    const reader = await startProgram(A, 'ctrl', example('port-reader.s'));
    await poll('valid samples on arinc-a', () => samples(logA, reader).filter((s) => s.valid).length >= 3, 10_000);

    await cliOk(['migrate', reader, '--from', 'arinc-a', '--to', 'arinc-b', '--mode', 'full', '--cluster', ARINC, '--json'], { timeoutMs: 20_000 });
    const before = Math.max(...samples(logA, reader).map((s) => s.value));
    // On arinc-b it reads the messages arinc-a's writer goes on writing (pushed to arinc-b).
    await poll('newer valid samples on arinc-b', () => samples(logB, reader).filter((s) => s.valid && s.value > before + 3).length >= 3, 10_000);
    // Valid while the age in arinc-b's ticks is at most 15, although the two nodes' tick counts are far apart.
    const [ia, ib] = await Promise.all([info(A, {}), info(B, {})]);
    expect(Number(ia.tick) - Number(ib.tick)).to.be.greaterThan(200);
    for (const s of samples(logB, reader)) expect(s.valid, `age ${s.age}`).to.equal(s.age <= 15);
    // arinc-b holds the port's messages itself (Info), taken from arinc-a.
    const portB = ib.samplingPorts.find((p) => p.name === 'speed');
    expect(portB).to.include({ messageSize: 4, refresh: 15, written: true, valid: Number(portB?.age) <= 15 });
    expect(Number(portB!.writes)).to.be.greaterThan(3);

    // The writer stops: on arinc-b the message ages by arinc-b's ticks (5 a read, the reader's period), valid up to refresh 15.
    await pause(A, writer);
    const paused = samples(logB, reader).length;
    await poll('invalid samples on arinc-b', () => samples(logB, reader).slice(paused).filter((s) => !s.valid).length >= 2, 10_000);
    const last = samples(logB, reader).at(-1)!;
    const stale = samples(logB, reader)
      .slice(paused)
      .filter((s) => s.value === last.value);
    for (let i = 1; i < stale.length; i++) {
      expect(stale[i]!.age - stale[i - 1]!.age, `ages ${stale.map((s) => s.age).join(', ')}`).to.equal(stale[i]!.tick - stale[i - 1]!.tick);
    }
    for (const s of stale) expect(s.valid).to.equal(s.age <= 15);

    const text = await cliOk(['info', '--node', 'arinc-b', '--cluster', ARINC]);
    expect(text).to.match(/^sampling port speed: 4-byte messages valid 15 ticks; latest \d+ tick\(s\) old, invalid \(\d+ written\)$/m);

    await resume(A, writer);
    await poll('valid again on arinc-b', () => samples(logB, reader).at(-1)?.valid === true && samples(logB, reader).at(-1)!.value > last.value, 10_000);
  });

  it('`schedule switch` takes effect at the next major-frame boundary of a running node', async function () {
    this.timeout(20_000);
    const c = control(nodes['arinc-a']!.address);
    const s0 = await unary(c.ScheduleStatus, c, {}, 'schedule status');
    expect(s0).to.include({ currentPlan: 'default', nextPlan: '' });
    expect(s0.lastSwitchTick ?? undefined).to.equal(undefined);
    expect(s0.plans.map((p) => `${p.name}/${p.majorFrame}`)).to.deep.equal(['default/10', 'fast/5']);

    const sw = await cliJson<{ effectiveTick: string; status: ScheduleStatus }>(['schedule', 'switch', '--node', 'arinc-a', 'fast', '--cluster', ARINC, '--json']);
    const at = Number(sw.effectiveTick);
    expect(at % 10, 'a boundary of the default plan (frame 10)').to.equal(0);
    expect(at).to.be.at.least(Number(s0.tick));
    const s1 = await poll('the switch', async () => {
      const s = await unary(c.ScheduleStatus, c, {}, 'schedule status');
      return s.currentPlan === 'fast' ? s : undefined;
    }, 10_000);
    expect(s1).to.include({ nextPlan: '', lastSwitchTick: at });
    const text = await cliOk(['schedule', 'status', '--node', 'arinc-a', '--cluster', ARINC]);
    expect(text).to.include('current plan: fast').and.include('next plan:    none').and.include(`last switch:  tick ${at}`);
    expect(text).to.match(/fast \* +│ 5 +│ sensor \[0, 1\) ctrl \[1, 3\) sys \[3, 4\) planned \[4, 5\)/);

    const bad = await runCli(['schedule', 'switch', '--node', 'arinc-a', 'dusk', '--cluster', ARINC]);
    expect(bad.code).to.equal(1);
    expect(bad.stderr.trim()).to.equal('migvisor: schedule plan "dusk" not found on node arinc-a (plans: default, fast)');
  });

  it('a migration needing a plan the sink lacks is refused with the reason', async function () {
    this.timeout(20_000);
    const task = await startProgram(nodes['arinc-a']!.address, 'planned', fixture('programs/sleeper.s'));
    const e = await rejection(migrateRpc(nodes['arinc-a']!.address, task, nodes['arinc-b']!.address, { mode: 'full', sinkName: 'arinc-b' }));
    expect(e.message).to.include('arinc-b has no schedule plan fast, which partition planned requires (its plans: default)');

    // A saved container of the task is refused by arinc-b too, for the same reason.
    const file = path.join(tempDir('migvisor-arinc-'), 'planned.mvc');
    await cliOk(['save', task, file, '--node', 'arinc-a', '--leave-running', '--cluster', ARINC]);
    const load = await runCli(['load', file, '--node', 'arinc-b', '--cluster', ARINC]);
    expect(load.code).to.equal(1);
    expect(load.stderr.trim()).to.equal('migvisor: container refused: arinc-b has no schedule plan fast, which partition planned requires (its plans: default)');

    // An evacuation looks for a node with the plan, and says why none will do.
    const mw = await startMiddleware(ARINC, `file://${path.join(tempDir('migvisor-arinc-'), 'store')}`);
    const entries = await withMiddlewareClient(mw.address, async (m) => {
      const out: { taskId: string; status: string; detail: string }[] = [];
      for await (const r of serverStream(m.Evacuate({ node: 'arinc-a' }), 'evacuate arinc-a')) out.push(r);
      return out;
    });
    expect(entries.find((x) => x.taskId === task), JSON.stringify(entries)).to.deep.include({
      status: 'EVACUATE_STATUS_REFUSED',
      detail: 'no compatible node (arinc-b: arinc-b has no schedule plan fast, which partition planned requires (its plans: default))',
    });
  });

  it('`simulate` switches the plan at the frame boundary in virtual time', async function () {
    this.timeout(20_000);
    const out = await cliJson<{ events: { tick: string; taskId: string; console?: { text: string } }[]; schedule: ScheduleStatus }>([
      'simulate', ARINC, '--node', 'arinc-a', '--ticks', '60', '--task', `ctrl:${fixture('programs/ticker.s')}`, '--task', `sys:${example('plan-switch.s')}`, '--json',
    ]);
    expect(out.schedule).to.include({ currentPlan: 'fast', lastSwitchTick: '40' });
    const lines = out.events.filter((e) => e.console).map((e) => ({ tick: Number(e.tick), text: e.console!.text }));
    expect(lines.filter((l) => l.text.startsWith('plan_switch')).map((l) => `${l.tick} ${l.text}`)).to.deep.equal(['36 plan_switch 0']);
    const ticker = lines.filter((l) => /^\d+$/.test(l.text)).map((l) => l.tick);
    // ctrl's windows: [0, 4) of 10 before tick 40, [1, 3) of 5 from tick 40.
    expect(ticker.filter((t) => t >= 30)).to.deep.equal([30, 31, 32, 33, 41, 42, 46, 47, 51, 52, 56, 57]);

    const text = await cliOk(['simulate', ARINC, '--node', 'arinc-a', '--ticks', '38', '--task', `sys:${example('plan-switch.s')}`]);
    expect(text).to.match(/^\[arinc-a tick 36\] plan-switch-[0-9a-f]{6}\/0: plan_switch 0$/m);
    expect(text.trim().split('\n').at(-1)).to.equal('schedule plan default (never switched), fast from tick 40');
  });
});
