import { expect } from 'chai';
import { RunQueue, TimePartitionSchedule } from '../../src/hypervisor/scheduler.ts';
import { EventLog, fixture, instructionsPerTick, TestCluster } from '../support/node-harness.ts';

const BUDGET = 200;

/** Ticks in [0, n) whose offset in a frame of 10 is in `offsets`. */
function ticksWhere(n: number, offsets: (o: number) => boolean): number[] {
  return Array.from({ length: n }, (_, t) => t).filter((t) => offsets(t % 10));
}
const CTRL_TICKS = (n: number): number[] => ticksWhere(n, (o) => o < 6);
const SENSOR_TICKS = (n: number): number[] => ticksWhere(n, (o) => o === 6 || o === 7);

describe('scheduling', () => {
  describe('TimePartitionSchedule', () => {
    const schedule = new TimePartitionSchedule({
      majorFrame: 10,
      windows: [
        { partition: 'ctrl', start: 0, duration: 6, line: 1 },
        { partition: 'sensor', start: 6, duration: 2, line: 2 },
      ],
    });

    it('gives each tick of the major frame to its window owner, and none to idle ticks', () => {
      expect(Array.from({ length: 10 }, (_, t) => schedule.ownerAt(t) ?? '-')).to.deep.equal([
        'ctrl', 'ctrl', 'ctrl', 'ctrl', 'ctrl', 'ctrl', 'sensor', 'sensor', '-', '-',
      ]);
    });

    it('repeats the major frame forever', () => {
      expect([schedule.ownerAt(1000), schedule.ownerAt(1006), schedule.ownerAt(123459)]).to.deep.equal(['ctrl', 'sensor', undefined]);
    });
  });

  describe('RunQueue', () => {
    type E = { name: string; priority: number };
    const e = (name: string, priority: number): E => ({ name, priority });

    it('picks the eligible entry of highest priority', () => {
      const q = new RunQueue<E>();
      const [a, b, c] = [e('a', 10), e('b', 20), e('c', 15)];
      q.sync([a, b, c]);
      expect(q.pick(() => true)).to.equal(b);
      expect(q.pick((x) => x !== b)).to.equal(c);
      expect(q.pick(() => false)).to.equal(undefined);
    });

    it('takes turns at equal priority after rotate', () => {
      const q = new RunQueue<E>();
      const [a, b, c] = [e('a', 10), e('b', 10), e('c', 10)];
      q.sync([a, b, c]);
      const order: string[] = [];
      for (let i = 0; i < 6; i++) {
        const x = q.pick(() => true)!;
        order.push(x.name);
        q.rotate(x);
      }
      expect(order.join('')).to.equal('abcabc');
    });

    it('sync keeps the turn order of entries that stay and appends new ones', () => {
      const q = new RunQueue<E>();
      const [a, b, c, d] = [e('a', 1), e('b', 1), e('c', 1), e('d', 1)];
      q.sync([a, b, c]);
      q.rotate(a);
      q.sync([d, c, a]);
      const order: string[] = [];
      for (let i = 0; i < 3; i++) {
        const x = q.pick(() => true)!;
        order.push(x.name);
        q.rotate(x);
      }
      expect(order.join('')).to.equal('cad');
      expect(q.size).to.equal(3);
    });
  });

  describe('on a node', () => {
    let cluster: TestCluster;

    before(() => {
      cluster = new TestCluster({ instructionsPerTick: BUDGET });
    });

    after(() => {
      cluster.cleanup();
    });

    it('runs travelers of a partition only in its windows', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const ctrl = node.startTask({ partition: 'ctrl', program: fixture('ticker.s') }).id!;
      const sensor = node.startTask({ partition: 'sensor', program: fixture('ticker.s') }).id!;
      node.runTicks(40);
      expect(log.ticks(ctrl)).to.deep.equal(CTRL_TICKS(40));
      expect(log.ticks(sensor)).to.deep.equal(SENSOR_TICKS(40));
      // The program prints the tick it read with `sys tick`: it agrees with the event's tick.
      expect(log.lines(ctrl)).to.deep.equal(CTRL_TICKS(40).map(String));
    });

    it('gives no instructions to anyone in idle ticks', () => {
      const node = cluster.node('field-a');
      const a = node.startTask({ partition: 'ctrl', program: fixture('spin.s') }).id!;
      const b = node.startTask({ partition: 'sensor', program: fixture('spin.s') }).id!;
      const perTick = instructionsPerTick(node, 20, [a, b]);
      expect(perTick.map(([x, y]) => `${x}/${y}`)).to.deep.equal(
        Array.from({ length: 20 }, (_, t) => (t % 10 < 6 ? `${BUDGET}/0` : t % 10 < 8 ? `0/${BUDGET}` : '0/0')),
      );
    });

    it('lets a higher-priority busy traveler starve a lower one in the same partition', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const high = node.startTask({ partition: 'ctrl', program: fixture('ticker.s'), priority: 20 }).id!;
      const low = node.startTask({ partition: 'ctrl', program: fixture('ticker.s'), priority: 10 }).id!;
      node.runTicks(30);
      expect(log.ticks(high)).to.deep.equal(CTRL_TICKS(30));
      expect(log.ticks(low)).to.deep.equal([]);
      expect(node.task(low).instructions).to.equal(0);
      // Once the higher one stops competing, the lower one runs.
      node.pause(high);
      node.runTicks(10);
      expect(log.ticks(low)).to.deep.equal([30, 31, 32, 33, 34, 35]);
    });

    it('alternates two equal-priority busy travelers tick by tick', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const id = node.startTask({ partition: 'ctrl', program: fixture('ticker.s'), travelers: 2 }).id!;
      node.runTicks(30);
      const byTraveler = (n: number): number[] => log.console(id).filter((e) => e.traveler === n).map((e) => e.tick);
      const ticks = CTRL_TICKS(30);
      expect(byTraveler(0)).to.deep.equal(ticks.filter((_, i) => i % 2 === 0));
      expect(byTraveler(1)).to.deep.equal(ticks.filter((_, i) => i % 2 === 1));
    });

    it('alternates equal-priority travelers of different tasks too', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const a = node.startTask({ partition: 'ctrl', program: fixture('ticker.s') }).id!;
      const b = node.startTask({ partition: 'ctrl', program: fixture('ticker.s') }).id!;
      node.runTicks(10);
      expect(log.ticks(a)).to.deep.equal([0, 2, 4]);
      expect(log.ticks(b)).to.deep.equal([1, 3, 5]);
    });

    it('spends exactly instructions_per_tick in every window tick while busy', () => {
      const node = cluster.node('field-a');
      const spin = node.startTask({ partition: 'ctrl', program: fixture('spin.s') }).id!;
      const perTick = instructionsPerTick(node, 30, [spin]).map(([n]) => n);
      expect(perTick).to.deep.equal(Array.from({ length: 30 }, (_, t) => (t % 10 < 6 ? BUDGET : 0)));
    });

    it('counts system calls in the budget and shares it exactly among travelers', () => {
      const node = cluster.node('field-a');
      const a = node.startTask({ partition: 'ctrl', program: fixture('ticker.s'), travelers: 3 }).id!;
      const b = node.startTask({ partition: 'ctrl', program: fixture('spin.s') }).id!;
      const perTick = instructionsPerTick(node, 20, [a, b]);
      for (const t of CTRL_TICKS(20)) expect(perTick[t]![0]! + perTick[t]![1]!, `tick ${t}`).to.equal(BUDGET);
    });

    it('wakes a sleeper exactly N ticks later', () => {
      const node = cluster.node('solo');
      const log = new EventLog(node);
      const id = node.startTask({ partition: 'ctrl', program: fixture('sleeper.s') }).id!;
      node.runTicks(20);
      expect(log.ticks(id)).to.deep.equal([0, 3, 6, 9, 12, 15, 18]);
    });

    it('runs a sleeper whose wake-up falls outside its window at the next window', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const id = node.startTask({ partition: 'ctrl', program: fixture('sleeper.s') }).id!;
      node.runTicks(30);
      // 3 + 3 = 6 is the sensor's tick, so the wake-up waits for tick 10.
      expect(log.ticks(id)).to.deep.equal([0, 3, 10, 13, 20, 23]);
    });

    it('gives a sleeping traveler no CPU: a lower-priority one gets the whole budget meanwhile', () => {
      const node = cluster.node('solo');
      const sleeper = node.startTask({ partition: 'ctrl', program: fixture('sleeper.s'), priority: 20 }).id!;
      const spin = node.startTask({ partition: 'ctrl', program: fixture('spin.s'), priority: 10 }).id!;
      const perTick = instructionsPerTick(node, 6, [sleeper, spin]);
      const [wake0, wake3] = [perTick[0]![0]!, perTick[3]![0]!];
      expect(wake0).to.be.greaterThan(0);
      expect(perTick.map(([s, p]) => s! + p!)).to.deep.equal([BUDGET, BUDGET, BUDGET, BUDGET, BUDGET, BUDGET]);
      expect(perTick.map(([s]) => s)).to.deep.equal([wake0, 0, 0, wake3, 0, 0]);
    });

    it('yield gives the rest of the tick to the others', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const yielder = node.startTask({ partition: 'ctrl', program: fixture('yielder.s'), priority: 20 }).id!;
      const spin = node.startTask({ partition: 'ctrl', program: fixture('spin.s'), priority: 10 }).id!;
      const perTick = instructionsPerTick(node, 20, [yielder, spin]);
      // The yielder runs once per window tick (it prints every time) and only briefly...
      expect(log.ticks(yielder)).to.deep.equal(CTRL_TICKS(20));
      for (const t of CTRL_TICKS(20)) {
        const [y, s] = perTick[t]!;
        expect(y, `yielder at tick ${t}`).to.be.within(1, 6);
        // ...and the lower-priority spinner, starved without the yield, gets the rest.
        expect(y! + s!, `tick ${t}`).to.equal(BUDGET);
      }
    });

    it('a lone yielder leaves the rest of its tick idle and runs again next tick', () => {
      const node = cluster.node('solo');
      const log = new EventLog(node);
      const id = node.startTask({ partition: 'ctrl', program: fixture('yielder.s') }).id!;
      const perTick = instructionsPerTick(node, 4, [id]).map(([n]) => n);
      expect(log.ticks(id)).to.deep.equal([0, 1, 2, 3]);
      // sys tick, putn, li, putc, yield (+ the branch back from tick 1 on).
      expect(perTick).to.deep.equal([5, 6, 6, 6]);
    });
  });
});
