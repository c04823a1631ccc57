/**
 * What the retention policies release and what that frees (src/middleware/
 * retention.ts): keep_last per task, max_age, several policies, pinned and parked
 * snapshots never released, and chunks shared with a kept snapshot not counted
 * as freed.
 */
import { expect } from 'chai';
import type { RetentionRule } from '../../src/config/index.ts';
import type { Manifest } from '../../src/middleware/index.ts';
import { planPrune } from '../../src/middleware/retention.ts';
import { testManifest } from '../support/middleware-harness.ts';

const DAY = 86_400_000;
const NOW = 100 * DAY;

/** A restored (copy) snapshot of `task`, `daysAgo` old, with pages [index, hash]. */
function snap(id: string, task: string, daysAgo: number, hashes: string[], extra: Partial<Manifest> = {}): Manifest {
  return { ...testManifest(id, hashes.map((h, i) => [i, h] as const), NOW - daysAgo * DAY, task), state: 'restored', restoredTo: 'field-b', ...extra };
}

const rule = (r: Omit<RetentionRule, 'line'>): RetentionRule => ({ ...r, line: 1 });

describe('retention: planPrune', () => {
  it('keeps the newest N of each task a label policy applies to, and frees only chunks no kept snapshot uses', () => {
    const all = [
      snap('a1', 'a', 3, ['code', 'a-old']),
      snap('a2', 'a', 2, ['code', 'a-mid']),
      snap('a3', 'a', 1, ['code', 'a-new']),
      snap('b1', 'b', 3, ['code', 'b-old']),
      snap('b2', 'b', 1, ['code', 'b-new']),
    ];
    const plan = planPrune(all, [rule({ label: { key: 'suite', value: 'store' }, keepLast: 1 })], NOW);
    expect(plan.release.map((m) => m.id)).to.deep.equal(['a1', 'b1', 'a2']);
    expect(plan.kept).to.equal(2);
    expect([plan.freedChunks, plan.freedBytes]).to.deep.equal([3, 3 * 4096]);
    expect(plan.sharedChunks, 'the code page stays: a3 and b2 use it').to.equal(1);
  });

  it('keeps snapshots younger than max_age; a snapshot no policy applies to stays', () => {
    const all = [snap('t-old', 't', 10, ['x']), snap('t-new', 't', 1, ['y']), snap('u-old', 'u', 10, ['z'])];
    const plan = planPrune(all, [rule({ task: 't', maxAgeMs: 7 * DAY })], NOW);
    expect(plan.release.map((m) => m.id)).to.deep.equal(['t-old']);
    expect(plan.kept).to.equal(1);
    expect(plan.freedBytes).to.equal(4096);
  });

  it('releases a snapshot only when no policy that applies to it keeps it', () => {
    const all = [snap('t1', 't', 10, ['p']), snap('t2', 't', 5, ['q'])];
    const rules = [rule({ task: 't', keepLast: 1 }), rule({ label: { key: 'suite', value: 'store' }, maxAgeMs: 7 * DAY })];
    expect(planPrune(all, rules, NOW).release.map((m) => m.id), 't2 is kept by age, t1 by nothing').to.deep.equal(['t1']);
  });

  it('never releases a pinned snapshot nor a parked one (the only copy of its task)', () => {
    const all = [snap('p1', 'p', 9, ['a'], { pinned: true }), snap('p2', 'p', 8, ['b'], { state: 'parked', restoredTo: '' }), snap('p3', 'p', 1, ['c'])];
    const plan = planPrune(all, [rule({ task: 'p', keepLast: 0 })], NOW);
    expect(plan.release.map((m) => m.id)).to.deep.equal(['p3']);
    expect(plan.kept).to.equal(2);
  });

  it('frees nothing when nothing is released', () => {
    const plan = planPrune([snap('k', 'k', 1, ['a'])], [], NOW);
    expect(plan).to.deep.equal({ release: [], kept: 0, freedBytes: 0, freedChunks: 0, sharedChunks: 0 });
  });
});
