/**
 * A node's Prometheus collectors in virtual time (README, "Operating a
 * cluster"): faults and health-monitor events by kind, instructions, slots by
 * MigThread state and the gates' depth and refusals, read from the registry's
 * exposition with the real parser. Migrations' counters are covered with real
 * processes in test/integration/observe.spec.ts.
 */
import { expect } from 'chai';
import { createRegistry } from '../../src/common/index.ts';
import { registerNodeMetrics } from '../../src/hypervisor/index.ts';
import { hmNode } from '../support/hm-harness.ts';
import { exposition, value } from '../support/prometheus.ts';

const DIVIDE = `
        .text
start:  li    r1, 0
        div   r2, r1, r1
        li    r0, 0
        sys   exit
`;

const LOOP = `
        .text
start:  b     start
`;

describe('node metrics', () => {
  it('count faults and health-monitor events by kind, instructions, and slots by state', async () => {
    const { node, start } = hmNode();
    const registry = createRegistry();
    registerNodeMetrics(node, registry);
    start(DIVIDE);
    start(LOOP);
    node.runTicks(8);
    const s = exposition(await registry.metrics());
    expect(value(s, 'migvisor_faults_total', { kind: 'divide-by-zero' })).to.equal(1);
    expect(value(s, 'migvisor_hm_events_total', { event: 'divide-by-zero', action: 'stop-traveler' })).to.equal(1);
    expect(value(s, 'migvisor_node_events_total', { kind: 'fault' })).to.equal(1);
    // Both app slots hold a task; io has its one slot free.
    expect(value(s, 'migvisor_tasks', { state: 'MigSource' })).to.equal(2);
    expect(value(s, 'migvisor_tasks', { state: 'MigSink' })).to.equal(1);
    expect(value(s, 'migvisor_tick')).to.equal(8);
    // The loop ran the app windows' budget (100 a tick, ticks 0-2 and 4-6), less what the divide took.
    const executed = value(s, 'migvisor_instructions_total');
    expect(executed).to.equal(node.slots.reduce((n, t) => n + t.instructions, 0));
    expect(executed).to.be.within(590, 600);
  });

  it('report a gate\'s depth, the messages it took and the sends it refused when full', async () => {
    const { node } = hmNode();
    const registry = createRegistry();
    registerNodeMetrics(node, registry);
    node.taskGates.deliver('box', Uint8Array.of(1));
    node.taskGates.deliver('box', Uint8Array.of(2));
    expect(() => node.taskGates.deliver('box', Uint8Array.of(3))).to.throw(/gate box is full/);
    const s = exposition(await registry.metrics());
    expect(value(s, 'migvisor_gate_queue_depth', { gate: 'box' })).to.equal(2);
    expect(value(s, 'migvisor_gate_capacity', { gate: 'box' })).to.equal(2);
    expect(value(s, 'migvisor_gate_messages_total', { gate: 'box' })).to.equal(2);
    expect(value(s, 'migvisor_gate_refused_total', { gate: 'box' })).to.equal(1);
  });
});
