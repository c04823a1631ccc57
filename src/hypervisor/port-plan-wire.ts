/**
 * The node's gRPC edge for sampling ports and schedule plans (README, "Sampling
 * ports", "Schedule plans"): PortWrite (a message pushed by the node its source
 * runs on), ScheduleSwitch and ScheduleStatus. Each handler only translates the
 * request into a call on the node.
 */
import { NotFoundError, requiredName, unaryHandler } from '../common/index.ts';
import type { NodeControlHandlers } from '../generated/migvisor/v1/NodeControl.ts';
import type { ScheduleStatusResponse } from '../generated/migvisor/v1/ScheduleStatusResponse.ts';
import type { Node } from './node.ts';

/** The status of a node's plans as the wire message. */
export function toScheduleStatus(node: Node): ScheduleStatusResponse {
  const s = node.plans.status();
  return {
    node: node.name,
    tick: node.tick,
    currentPlan: s.current,
    nextPlan: s.next?.plan ?? '',
    nextPlanTick: s.next?.at ?? 0,
    ...(s.lastSwitchTick !== undefined ? { lastSwitchTick: s.lastSwitchTick } : {}),
    plans: s.plans.map((p) => ({
      name: p.name,
      majorFrame: p.majorFrame,
      windows: p.windows.map((w) => ({ partition: w.partition, start: w.start, duration: w.duration })),
    })),
  };
}

/** The NodeControl handlers of ports and plans. */
export function portPlanHandlers(node: Node): Pick<NodeControlHandlers, 'PortWrite' | 'ScheduleSwitch' | 'ScheduleStatus'> {
  return {
    PortWrite: unaryHandler((r) => node.ports.accept(requiredName(r.port, 'port'), r.message, requiredName(r.sourceNode, 'source_node'), Number(r.seq))),
    ScheduleSwitch: unaryHandler((r) => {
      const plan = requiredName(r.plan, 'plan');
      const at = node.switchPlan(plan);
      if (at === undefined) throw new NotFoundError('schedule plan', plan, `on node ${node.name} (plans: ${node.plans.names.join(', ')})`);
      return { effectiveTick: at, status: toScheduleStatus(node) };
    }),
    ScheduleStatus: unaryHandler(() => toScheduleStatus(node)),
  };
}
