/**
 * What every semantic check of a cluster file gets: the normalised cluster (only
 * the parts that passed the schema), where things are, and where to report.
 */
import type { NodeDef, PartitionDef } from './model.ts';
import type { NormalisedCluster } from './normalise.ts';

/** What the checks share while they walk one cluster file: where each problem is reported. */
export interface CheckContext {
  readonly cluster: NormalisedCluster;
  /** Records a problem at a 1-based line. */
  report(line: number, message: string): void;
  /** Whether a boot task's program (absolute path) is a readable file. */
  fileExists(path: string): boolean;
}

/** Every partition definition once: the top-level ones, then the inline ones in file order. */
export function partitionDefinitions(cluster: NormalisedCluster): PartitionDef[] {
  return [...cluster.config.partitions.values(), ...cluster.inline.map((i) => i.def)];
}

/** Whether a partition name is defined anywhere (top-level, inline, or in a part that failed the schema). */
export function isKnownPartition(cluster: NormalisedCluster, name: string): boolean {
  return (
    cluster.config.partitions.has(name) ||
    cluster.broken.partitions.has(name) ||
    cluster.inline.some((i) => i.def.name === name)
  );
}

/**
 * How a node relates to a partition named in its schedule or tasks: `hosted` (a
 * usable definition), `skip` (listed but unusable, already reported), `absent`
 * (defined elsewhere, not on this node) or `unknown`.
 */
export function hostingOf(cluster: NormalisedCluster, node: NodeDef, name: string): 'hosted' | 'skip' | 'absent' | 'unknown' {
  if (node.partitions.some((p) => p.name === name)) return 'hosted';
  if ((cluster.refs.get(node) ?? []).some((r) => r.name === name)) return 'skip';
  return isKnownPartition(cluster, name) ? 'absent' : 'unknown';
}
