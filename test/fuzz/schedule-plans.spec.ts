// Properties of schedule plan switching (README, "Schedule plans"): whatever the
// plans and whenever switches are asked for, each switch lands on the first
// major-frame boundary of the running plan at or after the request, and every
// tick is owned as the plan running then says, counted from where it took over.
import { expect } from 'chai';
import fc from 'fast-check';
import type { NodeDef, SchedulePlanDef } from '../../src/config/index.ts';
import { SchedulePlans } from '../../src/hypervisor/schedule-plans.ts';
import { fuzzParameters } from '../support/fuzz.ts';

/** A plan: a frame of 1..12 ticks, each offset owned by p0, p1 or nobody, as windows of one tick. */
const plan = fc.array(fc.constantFrom('p0', 'p1', undefined), { minLength: 1, maxLength: 12 });

function planDef(name: string, owners: readonly (string | undefined)[]): SchedulePlanDef {
  const windows = owners.flatMap((p, start) => (p ? [{ partition: p, start, duration: 1, line: 0 }] : []));
  return { name, majorFrame: owners.length, windows, line: 0 };
}

describe('fuzz: schedule plan switches', () => {
  it('land on the next frame boundary, and each tick belongs to the plan running then', () => {
    fc.assert(
      fc.property(
        fc.array(plan, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(60), fc.nat(3)), { maxLength: 6 }),
        (tables, asks) => {
          const defs = tables.map((o, i) => planDef(`q${i}`, o));
          const node = { name: 'n', line: 0, plans: defs, initialPlan: 'q0', schedule: defs[0]! } as unknown as NodeDef;
          const plans = new SchedulePlans(node);
          const requests = new Map(asks.map(([tick, p]) => [tick, `q${p % defs.length}`]));
          let running = { plan: 'q0', since: 0 };
          let pending: { plan: string; asked: number } | undefined;
          for (let t = 0; t < 80; t++) {
            const ask = requests.get(t);
            if (ask) {
              const at = plans.request(ask, t);
              const frame = defs.find((d) => d.name === running.plan)!.majorFrame;
              expect((at - running.since) % frame, 'on a boundary').to.equal(0);
              expect(at >= t && at - t < frame, `first boundary at or after ${t}`).to.equal(true);
              pending = { plan: ask, asked: at };
            }
            const owner = plans.ownerAt(t);
            if (pending && t >= pending.asked) {
              running = { plan: pending.plan, since: pending.asked };
              pending = undefined;
            }
            const table = tables[Number(running.plan.slice(1))]!;
            expect(owner, `tick ${t} in ${running.plan} since ${running.since}`).to.equal(table[(t - running.since) % table.length]);
          }
          expect(plans.status().current).to.equal(running.plan);
        },
      ),
      fuzzParameters(200),
    );
  });
});
