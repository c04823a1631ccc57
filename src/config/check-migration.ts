/**
 * The migration limits of a cluster file (`migration:`; README, "Migration
 * control": many at once): a node's outbound limit cannot exceed the cluster's,
 * which would let one node's migrations wait on a limit no node can reach.
 */
import type { CheckContext } from './check-context.ts';

/** Reports `max_outbound` above a non-zero `max_cluster`. */
export function checkMigrationLimits(ctx: CheckContext): void {
  const { config, locate } = ctx.cluster;
  const m = config.migration;
  if (!m || m.line === 0) return;
  const outbound = m.maxOutbound === 0 ? Infinity : m.maxOutbound;
  if (m.maxCluster > 0 && outbound > m.maxCluster) {
    const what = m.maxOutbound === 0 ? 'unlimited (0)' : String(m.maxOutbound);
    ctx.report(locate.line(m, 'max_outbound'), `migration.max_outbound ${what} exceeds migration.max_cluster ${m.maxCluster}: one node may not have more migrations in flight than the cluster`);
  }
}
