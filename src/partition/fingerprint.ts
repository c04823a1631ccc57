/**
 * A MigPartition's fingerprint: SHA-256 over its canonical settings (memory layout
 * and rights, provider grants, traveler limits). Two nodes can exchange a task only
 * when the fingerprints match; when they do not, {@link diffSettings} names the
 * first part that differs so a refusal can say exactly why.
 */
import { createHash } from 'node:crypto';
import type { PartitionDef, ProviderDef } from '../config/index.ts';

/** The settings of a partition that must be identical wherever its tasks move. */
export interface PartitionSettings {
  readonly name: string;
  readonly maxTravelers: number;
  readonly stackPerTraveler: number;
  readonly regions: readonly { name: string; vaddr: number; size: number; rights: string }[];
  readonly providers: readonly { name: string; kind: string; rights: string; capacity?: number; messageSize?: number }[];
}

/** Rights letters in a fixed order, so "xr" and "rx" are the same setting. */
function normRights(text: string, order: string): string {
  return [...order].filter((c) => text.includes(c)).join('');
}

/** A partition's settings in canonical form (sorted, normalised): what the fingerprint hashes. */
export function canonicalSettings(def: PartitionDef, providers: ReadonlyMap<string, ProviderDef>): PartitionSettings {
  return {
    name: def.name,
    maxTravelers: def.maxTravelers,
    stackPerTraveler: def.stackPerTraveler,
    regions: [...def.regions]
      .sort((a, b) => a.vaddr - b.vaddr)
      .map((r) => ({ name: r.name, vaddr: r.vaddr, size: r.size, rights: normRights(r.rightsText, 'rwx') })),
    providers: [...def.providers]
      .sort((a, b) => (a.provider < b.provider ? -1 : 1))
      .map((g) => {
        const p = providers.get(g.provider);
        const base = { name: g.provider, kind: p?.kind ?? 'unknown', rights: normRights(g.rights, 'srw') };
        if (p?.kind === 'gate') return { ...base, capacity: p.capacity, messageSize: p.messageSize };
        return p?.kind === 'sampling' ? { ...base, messageSize: p.messageSize } : base;
      }),
  };
}

/** The SHA-256 of the canonical settings, hex. */
export function fingerprintOf(settings: PartitionSettings): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex');
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Describes the first difference between two partitions' settings, or undefined when equal. */
export function diffSettings(mine: PartitionSettings, theirs: PartitionSettings): string | undefined {
  if (mine.name !== theirs.name) return `partition name ${mine.name} vs ${theirs.name}`;
  if (mine.maxTravelers !== theirs.maxTravelers) return `max_travelers ${mine.maxTravelers} vs ${theirs.maxTravelers}`;
  if (mine.stackPerTraveler !== theirs.stackPerTraveler) {
    return `stack_per_traveler ${hex(mine.stackPerTraveler)} vs ${hex(theirs.stackPerTraveler)}`;
  }
  const regionNames = new Set([...mine.regions, ...theirs.regions].map((r) => r.name));
  for (const name of regionNames) {
    const a = mine.regions.find((r) => r.name === name);
    const b = theirs.regions.find((r) => r.name === name);
    if (!a) return `region ${name} exists only on the other side`;
    if (!b) return `region ${name} is missing on the other side`;
    if (a.vaddr !== b.vaddr) return `region ${name} vaddr ${hex(a.vaddr)} vs ${hex(b.vaddr)}`;
    if (a.size !== b.size) return `region ${name} size ${hex(a.size)} vs ${hex(b.size)}`;
    if (a.rights !== b.rights) return `region ${name} rights ${a.rights} vs ${b.rights}`;
  }
  const providerNames = new Set([...mine.providers, ...theirs.providers].map((p) => p.name));
  for (const name of providerNames) {
    const a = mine.providers.find((p) => p.name === name);
    const b = theirs.providers.find((p) => p.name === name);
    if (!a) return `provider ${name} exists only on the other side`;
    if (!b) return `provider ${name} is missing on the other side`;
    if (a.kind !== b.kind) return `provider ${name} kind ${a.kind} vs ${b.kind}`;
    if (a.rights !== b.rights) return `provider ${name} rights ${a.rights} vs ${b.rights}`;
    if (a.capacity !== b.capacity) return `gate ${name} capacity ${a.capacity} vs ${b.capacity}`;
    if (a.messageSize !== b.messageSize) return `${a.kind === 'sampling' ? 'sampling port' : 'gate'} ${name} message_size ${a.messageSize} vs ${b.messageSize}`;
  }
  return undefined;
}
