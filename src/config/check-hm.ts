/**
 * Checks of the health-monitor tables (README "Health monitor"): a partition's
 * table names only the task and partition levels, every action is one its level
 * may take (HM_LEGAL), and no event the traveler cannot survive is ignored.
 * Each problem is reported at the line of the value at fault.
 */
import type { CheckContext } from './check-context.ts';
import { partitionDefinitions } from './check-context.ts';
import { HM_LEGAL, HM_NOT_IGNORABLE, PARTITION_TABLE_LEVELS, type HmRule } from './hm-vocabulary.ts';

/** Checks the table of every partition definition and every node. */
export function checkHealthMonitors(ctx: CheckContext): void {
  for (const def of partitionDefinitions(ctx.cluster)) checkTable(ctx, `partition ${def.name}`, def.healthMonitor ?? [], true);
  for (const node of ctx.cluster.config.nodes) checkTable(ctx, `node ${node.name}`, node.healthMonitor ?? [], false);
}

function checkTable(ctx: CheckContext, owner: string, rules: readonly HmRule[], partitionTable: boolean): void {
  const { locate } = ctx.cluster;
  for (const rule of rules) {
    const at = `${owner}: health_monitor ${rule.event}`;
    if (partitionTable && !PARTITION_TABLE_LEVELS.includes(rule.level)) {
      ctx.report(
        locate.line(rule, 'level'),
        `${at}: level ${rule.level} is not for a partition's table (it may name ${PARTITION_TABLE_LEVELS.join(' or ')}; node-level handling goes in the node's health_monitor)`,
      );
      continue;
    }
    const legal = HM_LEGAL[rule.level];
    if (!legal.includes(rule.action)) {
      ctx.report(locate.line(rule, 'action'), `${at}: action ${rule.action} is not legal at level ${rule.level} (legal: ${legal.join(', ')})`);
      continue;
    }
    if (rule.action === 'ignore' && HM_NOT_IGNORABLE.includes(rule.event)) {
      ctx.report(locate.line(rule, 'action'), `${at}: ${rule.event} cannot be ignored (the traveler cannot go on after it)`);
    }
  }
}
