/**
 * The links of a cluster file: each joins two different known endpoints (node
 * names, or `middleware` when the cluster has one), each pair is described once,
 * and no node is called `middleware` when links could mean either.
 */
import type { CheckContext } from './check-context.ts';
import { MIDDLEWARE_ENDPOINT } from './model.ts';

/** Reports every link whose ends are unknown, equal or already linked. */
export function checkLinks(ctx: CheckContext): void {
  const { config, locate, broken } = ctx.cluster;
  const known = new Set(config.nodes.map((n) => n.name));
  if (config.middleware) {
    const clash = config.nodes.find((n) => n.name === MIDDLEWARE_ENDPOINT);
    if (clash) ctx.report(locate.line(clash, 'name'), `node name "${MIDDLEWARE_ENDPOINT}" is taken by the middleware (links name it so); rename the node`);
    known.add(MIDDLEWARE_ENDPOINT);
  }
  const first = new Map<string, number>();
  for (const link of config.links) {
    const [a, b] = link.between;
    let ok = true;
    link.between.forEach((end, i) => {
      if (known.has(end) || broken.nodes.has(end)) return;
      ok = false;
      const hint = end === MIDDLEWARE_ENDPOINT ? ' (the cluster has no middleware)' : ` (endpoints: ${[...known].join(', ')})`;
      ctx.report(locate.line(link, 'between', i), `link names unknown endpoint "${end}"${hint}`);
    });
    if (!ok) continue;
    if (a === b) {
      ctx.report(locate.line(link, 'between'), `link joins ${a} to itself`);
      continue;
    }
    const key = [a, b].sort().join('\u0000');
    const earlier = first.get(key);
    if (earlier !== undefined) ctx.report(link.line, `link between ${a} and ${b} is described twice (first at line ${earlier})`);
    else first.set(key, link.line);
    if (link.jitterMs > link.latencyMs) {
      ctx.report(locate.line(link, 'jitter'), `link between ${a} and ${b}: jitter (${link.jitterMs} ms) must not exceed latency (${link.latencyMs} ms)`);
    }
  }
}
