/**
 * Checks of a node's schedule plans (README, "Schedule plans"): the node has at
 * least one plan, its initial plan exists, and in every plan each window names a
 * partition the node boots, lies inside the major frame and overlaps no other
 * window. Also the plan a partition requires (`requires_plan`) exists somewhere
 * in the cluster, and a node that boots a task of such a partition has that plan.
 */
import type { NodeDef, SchedulePlanDef } from './model.ts';
import { DEFAULT_PLAN } from './model.ts';
import { hostingOf, partitionDefinitions } from './check-context.ts';
import type { CheckContext } from './check-context.ts';
import { rangesOverlap } from './units.ts';

/** The plans of a node (the old `schedule:` alone when the model has none). */
export function plansOf(node: NodeDef): readonly SchedulePlanDef[] {
  return node.plans ?? [{ name: DEFAULT_PLAN, ...node.schedule, line: node.line }];
}

/** Runs every plan check of one node. */
export function checkPlans(ctx: CheckContext, node: NodeDef): void {
  const { locate } = ctx.cluster;
  const plans = plansOf(node);
  const path = locate.pathOf(node);
  if (plans.length === 0) {
    ctx.report(node.line, `node ${node.name} has no schedule (give schedule, or plans, or both)`);
    return;
  }
  const first = locate.pathOf(plans[0]!);
  const fromSchedule = node.plans !== undefined && first.at(-1) === 'schedule' && first.at(-2) !== 'plans';
  if (fromSchedule && plans.slice(1).some((p) => p.name === DEFAULT_PLAN)) {
    const dup = plans.slice(1).find((p) => p.name === DEFAULT_PLAN)!;
    ctx.report(dup.line, `node ${node.name}: plan ${DEFAULT_PLAN} is given twice, by schedule (line ${plans[0]!.line}) and by plans`);
  }
  const initial = node.initialPlan ?? DEFAULT_PLAN;
  if (!plans.some((p) => p.name === initial)) {
    ctx.report(
      ctx.cluster.locate.lineAt([...path, 'initial_plan']),
      `node ${node.name}: initial_plan names unknown plan "${initial}" (plans: ${plans.map((p) => p.name).join(', ')})`,
    );
  }
  for (const plan of plans) checkPlan(ctx, node, plan, fromSchedule && plan === plans[0]);
}

/** One plan's windows. The plan of the old `schedule:` key keeps the old messages (no plan name). */
function checkPlan(ctx: CheckContext, node: NodeDef, plan: SchedulePlanDef, legacy: boolean): void {
  const { locate } = ctx.cluster;
  const { majorFrame, windows } = plan;
  const who = legacy || node.plans === undefined ? `node ${node.name}:` : `node ${node.name}: plan ${plan.name}:`;
  const span = (start: number, duration: number): string => `[${start}, ${start + duration})`;
  windows.forEach((w, j) => {
    const hosting = hostingOf(ctx.cluster, node, w.partition);
    if (hosting === 'unknown') {
      ctx.report(locate.line(w, 'partition'), `${who} window for unknown partition "${w.partition}"`);
    } else if (hosting === 'absent') {
      ctx.report(
        locate.line(w, 'partition'),
        `${who} window for partition ${w.partition}, which the node does not boot (add it to the node's partitions)`,
      );
    }
    if (w.start + w.duration > majorFrame) {
      ctx.report(w.line, `${who} window for ${w.partition} ${span(w.start, w.duration)} overruns the major frame of ${majorFrame} ticks`);
    }
    for (const a of windows.slice(0, j)) {
      if (rangesOverlap(a.start, a.duration, w.start, w.duration)) {
        ctx.report(
          w.line,
          `${who} window for ${w.partition} ${span(w.start, w.duration)} overlaps the window for ${a.partition} ${span(a.start, a.duration)} at line ${a.line}`,
        );
      }
    }
  });
}

/**
 * Cluster-wide: a partition's `requires_plan` names a plan some node has, and a
 * node that boots a task of that partition has the plan itself.
 */
export function checkRequiredPlans(ctx: CheckContext): void {
  const { cluster } = ctx;
  const everywhere = new Set(cluster.config.nodes.flatMap((n) => plansOf(n).map((p) => p.name)));
  for (const def of partitionDefinitions(cluster)) {
    const plan = def.requiresPlan;
    if (plan === undefined || everywhere.has(plan) || cluster.broken.nodes.size > 0) continue;
    ctx.report(cluster.locate.line(def, 'requires_plan'), `partition ${def.name}: requires_plan names plan "${plan}", which no node has`);
  }
  for (const node of cluster.config.nodes) {
    const names = new Set(plansOf(node).map((p) => p.name));
    for (const task of node.tasks) {
      const plan = node.partitions.find((p) => p.name === task.partition)?.requiresPlan;
      if (plan === undefined || names.has(plan) || !everywhere.has(plan)) continue;
      ctx.report(task.line, `node ${node.name}: task in ${task.partition} needs plan ${plan}, which the node does not have`);
    }
  }
}
