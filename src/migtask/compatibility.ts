/**
 * Whether a task can move from one node to another, and if not, the exact reason
 * (README, "Migration", step 1: negotiate). The source asks this of the sink's
 * Info before any traveler stops; the sink asks it again of the container header
 * it receives; the middleware asks it before a restore or an evacuation.
 *
 * Each side is an {@link Endpoint}, built in one place from whatever describes it:
 * a node's own partition, an Info reply, or a container header.
 */
import { endianFromWire, type Endian } from '../common/index.ts';
import type { ContainerHeader__Output } from '../generated/migvisor/v1/ContainerHeader.ts';
import type { InfoReply__Output } from '../generated/migvisor/v1/InfoReply.ts';
import { diffSettings, type Partition, type PartitionSettings } from '../partition/index.ts';
import type { HostCpu } from './migration-host.ts';

/** One side of a migration, as far as compatibility goes. */
export interface Endpoint {
  readonly node: string;
  readonly word: number;
  readonly endian: Endian;
  readonly pageSize: number;
  readonly partition: string;
  /** undefined when the node has no partition of that name. */
  readonly settings: PartitionSettings | undefined;
  readonly fingerprint: string;
  readonly migratable: boolean;
}

/** Partition `partition` of a node with this CPU (`p` undefined: the node lacks it). */
export function localEndpoint(node: string, cpu: HostCpu, partition: string, p: Partition | undefined): Endpoint {
  return {
    node,
    word: cpu.word,
    endian: cpu.endian,
    pageSize: cpu.pageSize,
    partition,
    settings: p?.settings,
    fingerprint: p?.fingerprint ?? '',
    migratable: p?.migratable ?? false,
  };
}

/** A node as its Info reply for `partition` describes it (`name` when the reply names none). */
export function endpointFromInfo(info: InfoReply__Output, name: string, partition: string): Endpoint {
  return {
    node: info.node || name,
    word: info.wordSize,
    endian: endianFromWire(info.endian),
    pageSize: info.pageSize,
    partition,
    settings: parseSettings(info.partitionSettingsJson),
    fingerprint: info.fingerprint,
    migratable: info.migratable,
  };
}

/** The node a container comes from, as its header describes it (`name` overrides the source node's). */
export function endpointFromHeader(h: ContainerHeader__Output, name = h.sourceNode || 'the container'): Endpoint {
  return {
    node: name,
    word: h.wordSize,
    endian: endianFromWire(h.endian),
    pageSize: h.pageSize,
    partition: h.partition,
    settings: parseSettings(h.partitionSettingsJson),
    fingerprint: h.fingerprint,
    migratable: true,
  };
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

/** Partition settings as JSON on the wire (Info, container headers); undefined when absent or unreadable. */
export function parseSettings(json: string): PartitionSettings | undefined {
  if (!json) return undefined;
  try {
    return JSON.parse(json) as PartitionSettings;
  } catch {
    return undefined;
  }
}
