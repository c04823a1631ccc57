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

export interface GateRights {
  readonly send: boolean;
  readonly receive: boolean;
}

export interface PartitionEnv {
  readonly nodeName: string;
  readonly pageSize: number;
  readonly endian: Endian;
  readonly memory: PhysicalMemory;
  readonly providers: ReadonlyMap<string, ProviderDef>;
}

export class Partition {
  readonly name: string;
  readonly settings: PartitionSettings;
  readonly fingerprint: string;
  readonly spaces: readonly AddressSpace[];
  readonly files = new Map<string, FileProvider>();
  readonly gates = new Map<string, GateRights>();

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
      }
    }
  }

  get migratable(): boolean {
    return this.def.migratable;
  }
}
