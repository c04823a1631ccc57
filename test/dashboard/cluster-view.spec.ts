/**
 * The dashboard's picture of the cluster (src/dashboard/cluster-view.ts), on a
 * clock turned by hand: residences and moves of the timeline, migrations seen
 * in the events, and the bounds of every list.
 */
import { expect } from 'chai';
import { ClusterView, type SlotView } from '../../src/dashboard/index.ts';

const slot = (taskId: string, run = 'RUNNING', state = 'MIG_SOURCE'): SlotView => ({
  slot: 'ctrl/0',
  partition: 'ctrl',
  taskId,
  program: 'counter.s',
  state,
  run,
  instructions: 0,
  pages: 4,
  pagesPresent: 4,
  travelers: [],
});
const empty = (): SlotView => ({ ...slot(''), state: 'MIG_SINK', run: 'EMPTY' });

describe('the dashboard\'s ClusterView', () => {
  let now: number;
  let view: ClusterView;
  beforeEach(() => {
    now = 1_000_000;
    view = new ClusterView([{ name: 'a', address: '127.0.0.1:1' }, { name: 'b', address: '127.0.0.1:2' }], () => now);
  });

  it('draws a task\'s residence per node and run state, and a move when it shows up on another node', () => {
    view.setSlots('a', 1, [slot('t')]);
    now += 1000;
    view.setSlots('a', 2, [slot('t', 'PAUSED')]);
    now += 1000;
    view.setSlots('a', 3, [empty()]);
    now += 500;
    view.setSlots('b', 4, [slot('t')]);
    const t = view.snapshot().timeline;
    expect(t.residences.map((r) => [r.node, r.run, r.from - 1_000_000, r.to - 1_000_000])).to.deep.equal([
      ['a', 'RUNNING', 0, 0],
      ['a', 'PAUSED', 0, 1000],
      ['b', 'RUNNING', 2500, 2500],
    ]);
    expect(t.moves.map((m) => [m.task, m.from, m.to, m.left - 1_000_000, m.arrived - 1_000_000])).to.deep.equal([['t', 'a', 'b', 1000, 2500]]);
  });

  it('counts memory of the slots that hold a task, and says why a node is unreachable', () => {
    view.setCpu('a', { word: 32, endian: 'little', pageSize: 4096, tickUs: 1000 });
    view.setSlots('a', 1, [slot('t'), empty()]);
    view.unreachable('b', 'ps on b: connection refused');
    const [a, b] = view.snapshot().nodes;
    expect(a!.memory.used).to.equal(4 * 4096);
    expect([b!.reachable, b!.error]).to.deep.equal([false, 'ps on b: connection refused']);
  });

  it('follows a migration it only sees in the events, from STOPPED to RELEASED', () => {
    view.migrationStep('a', 't', 'STOPPED');
    view.migrationStep('b', 't', 'ACTIVATED');
    expect(view.snapshot().migrations.map((m) => [m.from, m.to, m.phase, m.outcome])).to.deep.equal([['a', 'b', 'ACTIVATED', undefined]]);
    view.migrationStep('a', 't', 'RELEASED');
    expect(view.snapshot().migrations.map((m) => [m.phase, m.outcome])).to.deep.equal([['RELEASED', 'completed']]);
  });

  it('keeps the lists bounded: 200 lines each, 20 ended migrations', () => {
    for (let i = 0; i < 250; i++) view.addEvent('a', 'console', 't', `line ${i}`);
    for (let i = 0; i < 30; i++) view.endMigration(view.startMigration(`t${i}`, 'a', 'b', 'full'), 'completed');
    const s = view.snapshot();
    expect([s.console.length, s.console[0]!.text, s.console.at(-1)!.text]).to.deep.equal([200, 'line 50', 'line 249']);
    expect(s.migrations.map((m) => m.task)).to.deep.equal(Array.from({ length: 20 }, (_, i) => `t${i + 10}`));
  });
});
