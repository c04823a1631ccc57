/**
 * Whether a task can move from one node to another, and if not, the exact reason
 * (DESIGN.md, "Migration", step 1). The source asks this of the sink's Info before
 * any traveler stops; the sink asks it again of the container header it receives.
 */
import { diffSettings, type PartitionSettings } from '../partition/index.ts';

export interface Endpoint {
  readonly node: string;
  readonly word: number;
  readonly endian: string;
  readonly pageSize: number;
  readonly partition: string;
  /** undefined when the node has no partition of that name. */
  readonly settings: PartitionSettings | undefined;
  readonly fingerprint: string;
  readonly migratable: boolean;
}

/** The reason `to` cannot take a task of partition `from.partition`, or undefined. */
export function incompatibility(from: Endpoint, to: Endpoint): string | undefined {
  if (from.word !== to.word) return `word size differs: ${from.node} is ${from.word}-bit, ${to.node} is ${to.word}-bit`;
  if (from.endian !== to.endian) return `byte order differs: ${from.node} is ${from.endian}-endian, ${to.node} is ${to.endian}-endian`;
  if (from.pageSize !== to.pageSize) return `page size differs: ${from.node} uses ${from.pageSize} bytes, ${to.node} uses ${to.pageSize}`;
  if (to.settings === undefined) return `${to.node} has no partition ${from.partition}`;
  if (!to.migratable) return `partition ${from.partition} on ${to.node} is not a MigPartition`;
  if (from.fingerprint !== to.fingerprint) {
    const diff = from.settings && to.settings ? diffSettings(from.settings, to.settings) : undefined;
    return `partition ${from.partition} fingerprint differs between ${from.node} and ${to.node}${diff ? `: ${diff} (${from.node} vs ${to.node})` : ''}`;
  }
  return undefined;
}

export function parseSettings(json: string): PartitionSettings | undefined {
  if (!json) return undefined;
  try {
    return JSON.parse(json) as PartitionSettings;
  } catch {
    return undefined;
  }
}
