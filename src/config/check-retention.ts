/**
 * Checks of the middleware's retention policies (README, "Retention and prune"):
 * each names exactly one of `label` and `task`, and keeps something (`keep_last`
 * or `max_age`), so a policy never releases every snapshot it applies to by mistake.
 */
import type { CheckContext } from './check-context.ts';

/** Reports every retention policy that names no (or two) selectors, or keeps nothing. */
export function checkRetention(ctx: CheckContext): void {
  const rules = ctx.cluster.config.middleware?.retention ?? [];
  rules.forEach((r, i) => {
    const where = `middleware.retention[${i}]`;
    if ((r.label === undefined) === (r.task === undefined)) ctx.report(r.line, `${where}: names ${r.label ? 'both label and task' : 'neither label nor task'}; a policy applies to one label (key=value) or one task`);
    if (r.keepLast === undefined && r.maxAgeMs === undefined) ctx.report(r.line, `${where}: keeps nothing; give keep_last, max_age or both`);
  });
}
