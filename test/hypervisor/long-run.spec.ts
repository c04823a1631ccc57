/**
 * Long runs in virtual time: a paced node keeps one pending action on its
 * scheduler however long it runs (the stack overflow of interval() on a
 * VirtualTimeScheduler cannot come back), and runTicks, which passes idle
 * stretches in one go, gives exactly the events, ticks and final state of
 * stepping tick by tick, on a mix of the shipped programs (README, "Benchmarks").
 */
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import type { NodeEvent } from '../../src/hypervisor/events.ts';
import type { Node } from '../../src/hypervisor/node.ts';
import { EventLog, example, fixture, TestCluster } from '../support/node-harness.ts';

/** What a run leaves behind that a user can see: every event, the tick, and ps with memory hashes. */
function outcome(node: Node, log: EventLog): { events: NodeEvent[]; tick: number; ps: unknown } {
  return { events: log.events, tick: node.tick, ps: node.ps({ hashes: true }) };
}

describe('long runs', () => {
  let cluster: TestCluster;
  before(() => {
    cluster = new TestCluster();
  });
  after(() => cluster.cleanup());

  it('a node paced by a VirtualTimeScheduler runs 100000 ticks with one pending action at a time', () => {
    const node = cluster.node('field-a');
    const log = new EventLog(node);
    node.startTask({ partition: 'ctrl', program: example('counter.s') });
    const scheduler = new VirtualTimeScheduler(undefined, 0);
    node.start(scheduler, 100_000);
    // Flush a stretch at a time: between stretches the pacer's next period is all that is queued.
    for (let frames = 10_000; frames < 100_000; frames += 10_000) {
      scheduler.maxFrames = frames;
      scheduler.flush();
      expect(node.tick).to.equal(frames);
      expect(scheduler.actions).to.have.length(1);
    }
    scheduler.maxFrames = Infinity;
    scheduler.flush();
    expect(node.tick).to.equal(100_000);
    expect(node.running).to.equal(false);
    expect(log.lines()).to.have.length(10_000);
    expect(log.console().at(-1)).to.include({ tick: 99_990, text: 'counter 10000' });
    expect(scheduler.actions).to.have.length(0);
  });

  it('stops a paced run from a watcher without leaving an action behind', () => {
    const node = cluster.node('field-a');
    node.startTask({ partition: 'ctrl', program: example('counter.s') });
    const scheduler = new VirtualTimeScheduler();
    node.events.subscribe((e) => {
      if (e.kind === 'console' && e.text === 'counter 3') node.stop();
    });
    node.start(scheduler, 1000);
    scheduler.flush();
    expect(node.tick).to.equal(21);
    expect(scheduler.actions).to.have.length(0);
  });

  describe('runTicks gives the result of stepping tick by tick', () => {
    /** Runs `script` twice on fresh nodes: once with runTicks, once with step() per tick. */
    function both(name: string, setup: (node: Node) => void, script: (node: Node, run: (n: number) => void) => void) {
      const runs = [true, false].map((skipping) => {
        const node = cluster.node(name);
        const log = new EventLog(node);
        setup(node);
        script(node, (n) => {
          if (skipping) node.runTicks(n);
          else for (let i = 0; i < n; i++) node.step();
        });
        return outcome(node, log);
      });
      return { skipped: runs[0]!, stepped: runs[1]! };
    }

    it('sleeps and gates: the counter, the sensor feeding the inbox through a gate, a blocking sender', () => {
      const { skipped, stepped } = both(
        'field-a',
        (node) => {
          node.startTask({ partition: 'ctrl', program: example('counter.s') });
          node.startTask({ partition: 'ctrl', program: example('inbox.s') });
          node.startTask({ partition: 'sensor', program: example('sensor.s') });
        },
        (_node, run) => run(2_003),
      );
      const texts = skipped.events.flatMap((e) => (e.kind === 'console' ? [e.text] : []));
      expect(texts.filter((t) => t.startsWith('counter '))).to.have.length(201);
      expect(texts.filter((t) => /^reading \d+$/.test(t)).length, 'readings received through the gate').to.be.greaterThan(100);
      expect(skipped).to.deep.equal(stepped);
    });

    it('a receiver and a sender that block on a gate in turn, with nothing else to run', () => {
      const { skipped, stepped } = both(
        'field-a',
        (node) => {
          node.startTask({ partition: 'ctrl', program: example('inbox.s') });
          node.startTask({ partition: 'sensor', program: fixture('gate-sendw.s') });
        },
        (_node, run) => run(500),
      );
      const texts = skipped.events.flatMap((e) => (e.kind === 'console' ? [e.text] : []));
      expect(texts.filter((t) => t.startsWith('sent '))).to.have.length(10);
      expect(texts.filter((t) => t.startsWith('reading '))).to.have.length(10);
      expect(skipped).to.deep.equal(stepped);
    });

    it('yields, several travelers, a task that ends, a fault, pause and resume, a task started mid-run', () => {
      const { skipped, stepped } = both(
        'field-a',
        (node) => {
          node.startTask({ partition: 'ctrl', program: example('shared.s'), travelers: 3 });
          node.startTask({ partition: 'ctrl', program: fixture('team.s'), travelers: 2 });
          node.startTask({ partition: 'sensor', program: fixture('gate-sendw.s') });
        },
        (node, run) => {
          run(3_001);
          const shared = node.slots[0]!;
          node.kill(shared.id!);
          node.startTask({ partition: 'ctrl', program: example('counter.s') });
          run(57);
          const counter = node.slots[0]!;
          node.pause(counter.id!);
          run(400);
          node.resume(counter.id!);
          run(333);
          node.kill(node.slots[1]!.id!);
          node.startTask({ partition: 'ctrl', program: example('fault.s') });
          run(1_000);
        },
      );
      const kinds = new Set(skipped.events.map((e) => e.kind));
      expect([...kinds]).to.include.members(['console', 'exit', 'fault', 'transition']);
      expect(skipped.events.some((e) => e.kind === 'console' && e.text.endsWith('total 8002000'))).to.equal(true);
      expect(skipped).to.deep.equal(stepped);
    });

    it('on a 64-bit big-endian node, and on a node whose one partition owns the whole frame', () => {
      for (const name of ['field-c', 'solo']) {
        const { skipped, stepped } = both(
          name,
          (node) => {
            node.startTask({ partition: 'ctrl', program: example('counter.s') });
            node.startTask({ partition: 'ctrl', program: fixture('sleeper.s') });
          },
          (_node, run) => {
            run(1);
            run(998);
            run(1_501);
          },
        );
        expect(skipped.events.filter((e) => e.kind === 'console').length, name).to.be.greaterThan(250);
        expect(skipped, name).to.deep.equal(stepped);
      }
    });
  });
});
