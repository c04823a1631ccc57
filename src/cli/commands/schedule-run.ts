/**
 * `migvisor schedule switch` and `schedule status` over gRPC (ScheduleSwitch,
 * ScheduleStatus on the node's NodeControl service).
 */
import Table from 'cli-table3';
import { unary } from '../../common/index.ts';
import type { ScheduleStatusResponse__Output } from '../../generated/migvisor/v1/ScheduleStatusResponse.ts';
import { printMessage } from '../print.ts';
import type { NodeFlags } from '../remote-options.ts';
import { withRemote } from '../remote.ts';

/** `schedule switch PLAN`: asks for the switch; prints the tick it takes effect at. */
export function scheduleSwitch(plan: string, flags: NodeFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.node(flags.node);
    const reply = await unary(c.ScheduleSwitch, c, { plan }, `schedule switch on ${flags.node}`);
    if (flags.json) printMessage('ScheduleSwitchResponse', reply);
    else process.stdout.write(`${reply.status?.node ?? flags.node}: plan ${plan} takes over at tick ${reply.effectiveTick} (now tick ${reply.status?.tick ?? '?'})\n`);
  });
}

/** `schedule status`: the current plan, the next one, the last switch, and a table of every plan. */
export function scheduleStatus(flags: NodeFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.node(flags.node);
    const reply = await unary(c.ScheduleStatus, c, {}, `schedule status on ${flags.node}`);
    if (flags.json) printMessage('ScheduleStatusResponse', reply);
    else process.stdout.write(`${statusText(reply)}\n`);
  });
}

function statusText(s: ScheduleStatusResponse__Output): string {
  const last = s.lastSwitchTick === undefined || s.lastSwitchTick === null ? 'never' : `tick ${s.lastSwitchTick}`;
  const next = s.nextPlan ? `${s.nextPlan} at tick ${s.nextPlanTick}` : 'none';
  const table = new Table({ head: ['PLAN', 'MAJOR FRAME', 'WINDOWS'], style: { head: [], border: [], compact: true } });
  for (const p of s.plans) {
    const windows = p.windows.map((w) => `${w.partition} [${w.start}, ${w.start + w.duration})`).join(' ') || '-';
    table.push([`${p.name}${p.name === s.currentPlan ? ' *' : ''}`, String(p.majorFrame), windows]);
  }
  return [`${s.node} at tick ${s.tick}`, `current plan: ${s.currentPlan}`, `next plan:    ${next}`, `last switch:  ${last}`, table.toString()].join('\n');
}
