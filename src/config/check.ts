/**
 * The semantic checks of a cluster file: everything the schema cannot say.
 * Cluster-wide checks live here (names, references, listen addresses, identical
 * MigPartitions); per-definition and per-node checks in their own modules.
 * Every check reports and carries on, so one run lists every problem.
 */
import { statSync } from 'node:fs';
import type { NodeDef, PartitionDef } from './model.ts';
import { partitionDefinitions } from './check-context.ts';
import type { CheckContext } from './check-context.ts';
import { checkHealthMonitors } from './check-hm.ts';
import { checkLimits } from './check-limits.ts';
import { checkLinks } from './check-links.ts';
import { checkMigrationLimits } from './check-migration.ts';
import { checkMiddleware } from './check-middleware.ts';
import { checkNode } from './check-node.ts';
import { checkSecurity } from './check-security.ts';
import { checkPartitionDefinition, firstDifference } from './check-partition.ts';
import { checkRequiredPlans } from './check-plans.ts';
import { checkPorts } from './check-ports.ts';
import { checkRetention } from './check-retention.ts';
import type { NormalisedCluster } from './normalise.ts';
import type { Problem } from './source.ts';

/** Options of the checker. */
export interface CheckOptions {
  /** Whether a program file exists; defaults to the file system. */
  readonly fileExists?: (path: string) => boolean;
}

/** Runs every semantic check on a normalised cluster and returns the problems found. */
export function checkCluster(cluster: NormalisedCluster, options: CheckOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const ctx: CheckContext = {
    cluster,
    report: (line, message) => problems.push({ line, message }),
    fileExists: options.fileExists ?? isFile,
  };
  checkNodeNames(ctx);
  checkPartitionLists(ctx);
  checkDefinitionsAgree(ctx);
  checkEvacuation(ctx);
  checkListenAddresses(ctx);
  checkLinks(ctx);
  checkMiddleware(ctx);
  checkLimits(ctx);
  checkMigrationLimits(ctx);
  for (const def of partitionDefinitions(cluster)) checkPartitionDefinition(ctx, def);
  const seen = new Set<string>();
  for (const node of cluster.config.nodes) checkNode(ctx, node, seen);
  checkHealthMonitors(ctx);
  checkPorts(ctx);
  checkRequiredPlans(ctx);
  checkSecurity(ctx);
  checkRetention(ctx);
  return problems;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function checkNodeNames(ctx: CheckContext): void {
  const first = new Map<string, NodeDef>();
  for (const node of ctx.cluster.config.nodes) {
    const earlier = first.get(node.name);
    if (earlier) {
      ctx.report(ctx.cluster.locate.line(node, 'name'), `duplicate node name ${node.name} (first at line ${earlier.line})`);
    } else {
      first.set(node.name, node);
    }
  }
}

/** Each entry of a node's partitions list names a known partition, once. */
function checkPartitionLists(ctx: CheckContext): void {
  const { cluster } = ctx;
  for (const node of cluster.config.nodes) {
    const firstLine = new Map<string, number>();
    for (const ref of cluster.refs.get(node) ?? []) {
      const line = cluster.locate.lineAt(ref.path);
      const earlier = firstLine.get(ref.name);
      if (earlier !== undefined) {
        ctx.report(line, `node ${node.name} lists partition ${ref.name} twice (first at line ${earlier})`);
        continue;
      }
      firstLine.set(ref.name, line);
      if (ref.def || ref.inline || cluster.broken.partitions.has(ref.name)) continue;
      const elsewhere = cluster.inline.find((i) => i.def.name === ref.name);
      const hint = elsewhere
        ? ` (it is defined inline on node ${elsewhere.node.name} only; move it under the top-level partitions to share it)`
        : '';
      ctx.report(line, `node ${node.name} lists unknown partition "${ref.name}"${hint}`);
    }
  }
}

/**
 * A partition defined inline must match the other definitions of its name: a
 * MigPartition everywhere (apart from slots and physical addresses, which are the
 * node's business), any partition against a top-level one of the same name.
 */
function checkDefinitionsAgree(ctx: CheckContext): void {
  const { cluster } = ctx;
  const firstInline = new Map<string, { node: NodeDef; def: PartitionDef }>();
  for (const { node, def } of cluster.inline) {
    if (cluster.broken.partitions.has(def.name)) continue;
    const top = cluster.config.partitions.get(def.name);
    const earlier = firstInline.get(def.name);
    if (!top && !earlier) {
      firstInline.set(def.name, { node, def });
      continue;
    }
    const ref = top ?? earlier?.def;
    if (!ref) continue;
    const migratable = def.migratable || ref.migratable;
    if (!top && !migratable) continue; // same name on two nodes, neither shared nor migratable: unrelated partitions
    const diff = firstDifference(def, ref, !migratable);
    if (!diff) continue;
    const where = top ? `at line ${ref.line}` : `on node ${earlier?.node.name} at line ${ref.line}`;
    const message = migratable
      ? `partition ${def.name} on node ${node.name} differs from its definition ${where}: ${diff}`
      : `partition ${def.name} on node ${node.name} clashes with the top-level partition ${def.name} at line ${ref.line}: ${diff}`;
    ctx.report(def.line, message);
  }
}

function checkEvacuation(ctx: CheckContext): void {
  const { cluster } = ctx;
  const names = new Set(cluster.config.nodes.map((n) => n.name));
  for (const node of cluster.config.nodes) {
    node.evacuateTo.forEach((target, i) => {
      const line = cluster.locate.line(node, 'evacuate_to', i);
      if (target === node.name) ctx.report(line, `node ${node.name}: evacuate_to names the node itself`);
      else if (!names.has(target) && !cluster.broken.nodes.has(target)) {
        ctx.report(line, `node ${node.name}: evacuate_to names unknown node "${target}"`);
      }
    });
  }
}

/** `host:port` or `[v6]:port`; undefined when malformed. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):([0-9]{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

/** Every listen and metrics address is well formed, and no two servers want the same fixed port on one host. */
function checkListenAddresses(ctx: CheckContext): void {
  const { locate, config } = ctx.cluster;
  const mw = config.middleware;
  const servers = [
    ...config.nodes.map((n) => ({ who: `node ${n.name}`, key: 'listen', what: 'listen address', listen: n.listen, line: locate.line(n, 'listen') })),
    ...(mw ? [{ who: 'the middleware', key: 'listen', what: 'listen address', listen: mw.listen, line: locate.line(mw, 'listen') }] : []),
    ...config.nodes.flatMap((n) => (n.metrics === undefined ? [] : [{ who: `node ${n.name}`, key: 'metrics', what: 'metrics address', listen: n.metrics, line: locate.line(n, 'metrics') }])),
    ...(mw?.metrics !== undefined ? [{ who: 'the middleware', key: 'metrics', what: 'metrics address', listen: mw.metrics, line: locate.line(mw, 'metrics') }] : []),
  ];
  const taken = new Map<string, { who: string; key: string; line: number }>();
  for (const server of servers) {
    const addr = parseListen(server.listen);
    if (!addr) {
      ctx.report(server.line, `${server.who}: ${server.what} "${server.listen}" must be host:port with a port from 0 to 65535`);
      continue;
    }
    if (addr.port === 0) continue;
    const key = `${addr.host.toLowerCase()}:${addr.port}`;
    const holder = taken.get(key);
    if (holder) {
      const verb = server.key === 'listen' ? 'listens on' : 'serves metrics on';
      const held = holder.key === 'listen' ? holder.who : `${holder.who}'s metrics`;
      ctx.report(server.line, `${server.who} ${verb} ${server.listen}, already taken by ${held} at line ${holder.line}`);
    } else {
      taken.set(key, server);
    }
  }
}
