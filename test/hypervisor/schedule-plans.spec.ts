/**
 * Schedule plans (README, "Schedule plans"): a switch takes effect at the next
 * major-frame boundary of the current plan and the new plan's frame starts
 * there; status shows the current plan, the next one and the last switch; the
 * plan_switch system call works in a system partition only. In virtual time.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { NotFoundError } from '../../src/common/errors.ts';
import { seededIds } from '../../src/common/ids.ts';
import { loadCluster, parseClusterText, type ClusterConfig, type NodeDef } from '../../src/config/index.ts';
import { Node } from '../../src/hypervisor/node.ts';
import { SchedulePlans } from '../../src/hypervisor/schedule-plans.ts';
import { assembleFor } from '../../src/machine/program-loader.ts';
import { SysError } from '../../src/partition/sys-error.ts';
import { EventLog, example, fixture } from '../support/node-harness.ts';

const CLUSTER = fileURLToPath(new URL('../fixtures/arinc-cluster.yaml', import.meta.url));

/** A node with plans day (frame 10: a [0, 6), b [6, 10)) and night (frame 4: b [0, 1), a [1, 4)). */
function twoPlans(): NodeDef {
  const text = `version: 1
partitions:
  a: { regions: [{ name: code, vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }, { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }] }
  b: { regions: [{ name: code, vaddr: 0x10000, paddr: 0x40000, size: 4KiB, rights: rx }, { name: stack, vaddr: 0x20000, paddr: 0x50000, size: 16KiB, rights: rw }] }
nodes:
  - name: n1
    cpu: { word: 32, endian: little }
    memory: 1MiB
    partitions: [a, b]
    plans:
      day: { major_frame: 10, windows: [{ partition: a, start: 0, duration: 6 }, { partition: b, start: 6, duration: 4 }] }
      night: { major_frame: 4, windows: [{ partition: b, start: 0, duration: 1 }, { partition: a, start: 1, duration: 3 }] }
`;
  const r = parseClusterText(text, 'c.yaml', { fileExists: () => true });
  expect(r.problems).to.deep.equal([]);
  return r.config!.nodes[0]!;
}

/** Owners of ticks [from, to), calling ownerAt in order as the node does. */
function owners(plans: SchedulePlans, from: number, to: number): string {
  let out = '';
  for (let t = from; t < to; t++) out += plans.ownerAt(t) ?? '.';
  return out;
}

describe('schedule plans', () => {
  describe('switching', () => {
    it('boots the first plan and switches at the next major-frame boundary', () => {
      const plans = new SchedulePlans(twoPlans());
      expect(owners(plans, 0, 23)).to.equal('aaaaaabbbbaaaaaabbbbaaa');
      expect(plans.request('night', 23)).to.equal(30);
      expect(plans.status()).to.deep.include({ current: 'day', next: { plan: 'night', at: 30 } });
      // The rest of day's frame, then night's frames from tick 30 on.
      expect(owners(plans, 23, 42)).to.equal('aaabbbb' + 'baaabaaabaaa');
      expect(plans.status()).to.deep.include({ current: 'night', lastSwitchTick: 30 });
      expect(plans.status().next).to.equal(undefined);
    });

    it('switches at once when asked exactly at a boundary, and back at the new plan\'s boundary', () => {
      const plans = new SchedulePlans(twoPlans());
      owners(plans, 0, 20);
      expect(plans.request('night', 20)).to.equal(20);
      owners(plans, 20, 25);
      // night's frames start at 20: 20, 24, 28.
      expect(plans.request('day', 25)).to.equal(28);
      expect(owners(plans, 25, 40)).to.equal('aaa' + 'aaaaaabbbbaa');
      expect(plans.status().lastSwitchTick).to.equal(28);
    });

    it('a second request replaces one still pending; an unknown plan is refused', () => {
      const plans = new SchedulePlans(twoPlans());
      plans.request('night', 3);
      plans.request('day', 4);
      expect(plans.status().next).to.deep.equal({ plan: 'day', at: 10 });
      expect(() => plans.request('dusk', 5)).to.throw(NotFoundError, 'schedule plan "dusk" not found (plans: day, night)');
    });

    it('keeps a switch that is due when ticks were skipped, with the frame starting at the boundary', () => {
      const plans = new SchedulePlans(twoPlans());
      plans.request('night', 3);
      // The next tick asked about is 13 (ticks 3..12 ran idle): night began at 10.
      expect(plans.ownerAt(13)).to.equal('a');
      expect(plans.ownerAt(14)).to.equal('b');
      expect(plans.status().lastSwitchTick).to.equal(10);
    });

    it('the old schedule form is the single plan default', () => {
      const field = loadCluster(fileURLToPath(new URL('../fixtures/cluster-field.yaml', import.meta.url)));
      const node = new Node(field.nodes[0]!, field);
      try {
        expect(node.plans.names).to.deep.equal(['default']);
        expect(node.plans.status().current).to.equal('default');
      } finally {
        node.shutdown();
      }
    });
  });

  describe('on a node', () => {
    let cluster: ClusterConfig;
    let node: Node;
    let log: EventLog;

    before(() => {
      cluster = loadCluster(CLUSTER);
    });

    beforeEach(() => {
      node = new Node(cluster.nodes.find((n) => n.name === 'arinc-a')!, cluster, { ids: seededIds(1) });
      log = new EventLog(node);
    });

    afterEach(() => node.shutdown());

    it('a system partition switches the plan; the windows change at the frame boundary', () => {
      const ticker = node.startTask({ partition: 'ctrl', program: fixture('ticker.s') });
      const switcher = node.startTask({ partition: 'sys', program: example('plan-switch.s') });
      node.runTicks(60);
      // sys runs at offset 6 of default's frame: it wakes at 29 and asks at 36.
      expect(log.console(switcher.id).map((e) => `${e.tick} ${e.text}`)).to.deep.equal(['36 plan_switch 0']);
      const ran = log.ticks(ticker.id);
      // default: ctrl owns [0, 4) of 10 until tick 40; fast: [1, 3) of 5 from tick 40.
      expect(ran.filter((t) => t < 40)).to.deep.equal([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33]);
      expect(ran.filter((t) => t >= 40)).to.deep.equal([41, 42, 46, 47, 51, 52, 56, 57]);
      expect(node.plans.status()).to.deep.include({ current: 'fast', lastSwitchTick: 40 });
    });

    it('plan_switch outside a system partition is E_PERM, an unknown plan E_NOENT', () => {
      const call = (partition: string, plan: string): string => {
        const source = `        .text\nstart:  la r0, plan\n        li r1, ${plan.length}\n        sys plan_switch\n        sys putn\n        li r0, '\\n'\n        sys putc\n        li r0, 0\n        sys exit\n        .data\nplan:   .ascii "${plan}"\n`;
        const t = node.startTask({ partition, assembled: { program: assembleFor(source, 'switch.s', node.partition(partition).def, node.def.cpu), name: 'switch.s' } });
        node.runTicks(10);
        return log.lines(t.id)[0]!;
      };
      expect(call('ctrl', 'fast')).to.equal(String(-SysError.E_PERM));
      expect(call('sys', 'dusk')).to.equal(String(-SysError.E_NOENT));
      expect(node.plans.status().next).to.equal(undefined);
    });
  });
});
