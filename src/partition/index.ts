/** Partitions: address spaces and page tables, providers, fingerprints. */
export { AddressSpace } from './address-space.ts';
export { Pte } from './page-table.ts';
export { PhysicalMemory } from './physical-memory.ts';
export { MemoryFault } from './memory-fault.ts';
export { OpenFlag, SysCallError, SysError } from './sys-error.ts';
export { ARINC_CONSTANTS, ArincResult, conditionCode, hmEventCode, modeCode, modeOfCode } from './arinc-abi.ts';
export type { ArincResultName } from './arinc-abi.ts';
export { GateQueue } from './gate-queue.ts';
export { SamplingPort } from './sampling-port.ts';
export type { SampledMessage } from './sampling-port.ts';
export { FileProvider, HandleTable, MAX_HANDLES, parseFileRights } from './file-provider.ts';
export { canonicalSettings, diffSettings, fingerprintOf } from './fingerprint.ts';
export type { PartitionSettings } from './fingerprint.ts';
export { Partition } from './partition.ts';
export type { GateRights, PortRights } from './partition.ts';
