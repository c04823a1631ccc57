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
import type { InfoResponse__Output } from '../generated/migvisor/v1/InfoResponse.ts';
import type { PartitionSettings as WireSettings, PartitionSettings__Output as WireSettingsOut } from '../generated/migvisor/v1/PartitionSettings.ts';
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
export function endpointFromInfo(info: InfoResponse__Output, name: string, partition: string): Endpoint {
  const slot = info.slot;
  return {
    node: info.node || name,
    word: info.wordSize,
    endian: endianFromWire(info.endian),
    pageSize: info.pageSize,
    partition,
    // A slot of another partition (Info answers with the first slot) says nothing about this one.
    settings: slot && slot.partition === partition ? settingsFromWire(slot.settings) : undefined,
    fingerprint: slot?.fingerprint ?? '',
    migratable: slot?.migratable ?? false,
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
    settings: settingsFromWire(h.settings),
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

/**
 * The reason a sink with schedule plans `plans` cannot take a task of
 * `partition` that requires plan `required` (README, "Schedule plans"), or
 * undefined when it has the plan or none is required.
 */
export function planRefusal(required: string | undefined, plans: readonly string[], sink: string, partition: string): string | undefined {
  if (required === undefined || plans.includes(required)) return undefined;
  return `${sink} has no schedule plan ${required}, which partition ${partition} requires (its plans: ${plans.join(', ') || 'none'})`;
}

/** Partition settings as the wire message. */
export function settingsToWire(s: PartitionSettings): WireSettings {
  return {
    name: s.name,
    maxTravelers: s.maxTravelers,
    stackPerTraveler: s.stackPerTraveler,
    regions: s.regions.map((r) => ({ name: r.name, vaddr: r.vaddr, size: r.size, rights: r.rights })),
    providers: s.providers.map((p) => ({
      name: p.name,
      kind: p.kind,
      rights: p.rights,
      ...(p.capacity !== undefined ? { capacity: p.capacity } : {}),
      ...(p.messageSize !== undefined ? { messageSize: p.messageSize } : {}),
    })),
  };
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Partition settings from the wire; undefined when absent. Whatever a peer sent,
 * the result has the domain's shape (missing values read as empty), so comparing
 * it can only say "differs", never throw.
 */
export function settingsFromWire(w: WireSettingsOut | null | undefined): PartitionSettings | undefined {
  if (!w || typeof w !== 'object') return undefined;
  return {
    name: str(w.name),
    maxTravelers: num(w.maxTravelers),
    stackPerTraveler: num(w.stackPerTraveler),
    regions: (Array.isArray(w.regions) ? w.regions : []).map((r) => ({ name: str(r?.name), vaddr: num(r?.vaddr), size: num(r?.size), rights: str(r?.rights) })),
    providers: (Array.isArray(w.providers) ? w.providers : []).map((p) => ({
      name: str(p?.name),
      kind: str(p?.kind),
      rights: str(p?.rights),
      ...(p?.capacity !== undefined && p?.capacity !== null ? { capacity: num(p.capacity) } : {}),
      ...(p?.messageSize !== undefined && p?.messageSize !== null ? { messageSize: num(p.messageSize) } : {}),
    })),
  };
}
