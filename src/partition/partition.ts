/**
 * A partition as booted on one node: its definition, one address space per task
 * slot (each slot its own physical copy of the regions), the file providers and
 * gates it was granted, and its fingerprint.
 */
import * as path from 'node:path';
import type { Endian, PartitionDef, ProviderDef } from '../config/index.ts';
import { AddressSpace } from './address-space.ts';
import { FileProvider, parseFileRights } from './file-provider.ts';
import { canonicalSettings, fingerprintOf, type PartitionSettings } from './fingerprint.ts';
import type { PhysicalMemory } from './physical-memory.ts';

/** What a partition may do on a gate. */
export interface GateRights {
  readonly send: boolean;
  readonly receive: boolean;
}

/** What a partition may do on a sampling port: write it (the source) or read it (a destination). */
export interface PortRights {
  readonly source: boolean;
  readonly destination: boolean;
}

/** What a partition needs of its node when it is built. */
export interface PartitionEnv {
  readonly nodeName: string;
  readonly pageSize: number;
  readonly endian: Endian;
  readonly memory: PhysicalMemory;
  readonly providers: ReadonlyMap<string, ProviderDef>;
}

/** A partition of one node: its slots' address spaces (fixed physical ranges), its file providers and gate rights, and its fingerprint. */
export class Partition {
  /** The partition's name. */
  readonly name: string;
  /** Its canonical settings (what the fingerprint hashes). */
  readonly settings: PartitionSettings;
  /** SHA-256 of the settings: equal on every node that may take its tasks. */
  readonly fingerprint: string;
  /** One address space per slot. */
  readonly spaces: readonly AddressSpace[];
  /** File providers by name. */
  readonly files = new Map<string, FileProvider>();
  /** Gate rights by gate name. */
  readonly gates = new Map<string, GateRights>();
  /** Sampling port rights by port name. */
  readonly ports = new Map<string, PortRights>();

  constructor(
    readonly def: PartitionDef,
    env: PartitionEnv,
  ) {
    this.name = def.name;
    this.settings = canonicalSettings(def, env.providers);
    this.fingerprint = fingerprintOf(this.settings);
    this.spaces = Array.from(
      { length: def.slots },
      (_, slot) => new AddressSpace(def.regions, slot, env.pageSize, env.memory, env.endian),
    );
    for (const grant of def.providers) {
      const p = env.providers.get(grant.provider);
      if (p?.kind === 'file') {
        const root = path.resolve(p.path.replaceAll('{node}', env.nodeName));
        this.files.set(p.name, new FileProvider(p.name, root, parseFileRights(grant.rights)));
      } else if (p?.kind === 'gate') {
        this.gates.set(p.name, { send: grant.rights.includes('s'), receive: grant.rights.includes('r') });
      } else if (p?.kind === 'sampling') {
        this.ports.set(p.name, { source: grant.rights.includes('s'), destination: grant.rights.includes('r') });
      }
    }
  }

  /** Whether it is a MigPartition. */
  get migratable(): boolean {
    return this.def.migratable;
  }
}
