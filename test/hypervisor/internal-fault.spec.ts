/**
 * The node survives its own bugs: an unexpected exception in one traveler's step
 * (its run, the poll of its wait, a system call handler) faults that traveler
 * with kind `internal`, published as a fault event like any other, and the node
 * goes on running every other task. The defects are injected through the node's
 * test hooks (no request reaches them).
 */
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { seededIds } from '../../src/common/ids.ts';
import { Node, type NodeTestHooks } from '../../src/hypervisor/node.ts';
import type { MigTask } from '../../src/migtask/index.ts';
import { EventLog, example, fixture, TestCluster } from '../support/node-harness.ts';

describe('a defect in one traveler step', () => {
  let cluster: TestCluster;
  const nodes: Node[] = [];
  const logged: string[] = [];

  before(() => {
    cluster = new TestCluster();
  });
  after(() => {
    for (const n of nodes) n.shutdown();
    cluster.cleanup();
  });

  function node(hooks: NodeTestHooks): Node {
    const n = new Node(cluster.config.nodes.find((d) => d.name === 'field-a')!, cluster.config, { ids: seededIds(7), testHooks: hooks, log: (l) => logged.push(l) });
    nodes.push(n);
    return n;
  }

  /** Hooks that throw a TypeError once the victim is known (set after the task starts). */
  function injector(where: keyof NodeTestHooks): { hooks: NodeTestHooks; victim: { task?: MigTask } } {
    const victim: { task?: MigTask } = {};
    const hook = (task: MigTask): void => {
      if (task === victim.task) throw new TypeError("Cannot read properties of undefined (reading 'injected')");
    };
    return { hooks: { [where]: hook }, victim };
  }

  it('in its run faults that traveler (kind internal), and the other task goes on', () => {
    const { hooks, victim } = injector('beforeRun');
    const n = node(hooks);
    const log = new EventLog(n);
    const bad = n.startTask({ partition: 'ctrl', program: example('counter.s') });
    const good = n.startTask({ partition: 'ctrl', program: example('counter.s') });
    victim.task = bad;
    logged.length = 0;
    expect(() => n.runTicks(60)).not.to.throw();
    const faults = log.faults();
    expect(faults.map((f) => [f.task, f.fault, f.message])).to.deep.equal([[bad.id, 'internal', "internal error: Cannot read properties of undefined (reading 'injected')"]]);
    expect(bad.travelers[0]!.status).to.equal('faulted');
    expect(bad.travelers[0]!.fault?.kind).to.equal('internal');
    expect(log.lines(good.id!).length, 'the other task kept printing').to.be.greaterThan(2);
    expect(good.travelers[0]!.status).not.to.equal('faulted');
    // The cause is in the node log, for whoever fixes the defect.
    expect(logged).to.have.length(1);
    expect(logged[0]).to.match(/^node field-a: internal error in task .* traveler 0: TypeError: Cannot read properties of undefined/);
  });

  it('in the poll of its wait faults that traveler, while the node is paced', () => {
    const { hooks, victim } = injector('beforePoll');
    const n = node(hooks);
    const log = new EventLog(n);
    const sleeper = n.startTask({ partition: 'ctrl', program: fixture('sleeper.s') });
    const counter = n.startTask({ partition: 'ctrl', program: example('counter.s') });
    victim.task = sleeper;
    const scheduler = new VirtualTimeScheduler();
    n.start(scheduler, 80);
    expect(() => scheduler.flush()).not.to.throw();
    expect(n.tick).to.equal(80);
    expect(log.faults().map((f) => [f.task, f.fault])).to.deep.equal([[sleeper.id, 'internal']]);
    expect(log.lines(counter.id!).length).to.be.greaterThan(2);
  });

  it('in a system call handler faults that traveler, not the node', () => {
    const n = node({});
    const log = new EventLog(n);
    const receiver = n.startTask({ partition: 'ctrl', program: fixture('gate-recv.s') });
    const counter = n.startTask({ partition: 'ctrl', program: example('counter.s') });
    // The gate lookup behind gate_recv breaks, as a defect in it would.
    (n as unknown as { gate: () => never }).gate = () => {
      throw new RangeError('injected defect in the gate table');
    };
    expect(() => n.runTicks(60)).not.to.throw();
    expect(log.faults().map((f) => [f.task, f.fault, f.message])).to.deep.equal([[receiver.id, 'internal', 'internal error: injected defect in the gate table']]);
    expect(log.lines(counter.id!).length).to.be.greaterThan(2);
  });

  it('in a wait the node cannot complete (a restored gate_send larger than the gate allows) faults that traveler', () => {
    const n = node({});
    const log = new EventLog(n);
    const counter = n.startTask({ partition: 'ctrl', program: example('counter.s') });
    const sender = n.startTask({ partition: 'ctrl', program: example('counter.s') });
    // As a loaded container could leave it: waiting to send 100 bytes on a gate of 16-byte messages.
    const t = sender.travelers[0]!;
    t.status = 'waiting';
    t.wait = { kind: 'gate_send', gate: 'inbox', data: new Uint8Array(100) };
    expect(() => n.runTicks(60)).not.to.throw();
    const faults = log.faults();
    expect(faults.map((f) => [f.task, f.fault])).to.deep.equal([[sender.id, 'internal']]);
    expect(faults[0]!.message).to.match(/^internal error: .*100/);
    expect(log.lines(counter.id!).length).to.be.greaterThan(2);
  });
});
