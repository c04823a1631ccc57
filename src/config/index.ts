/** The cluster configuration: its model, loading a cluster file, and checking it. */
export type {
  BootTaskDef,
  ClusterConfig,
  Compression,
  CpuDef,
  Endian,
  FileProviderDef,
  GateProviderDef,
  MiddlewareDef,
  NodeDef,
  PartitionDef,
  ProviderDef,
  ProviderGrant,
  RegionDef,
  RegionRights,
  ScheduleDef,
  WindowDef,
  WordSize,
} from './model.ts';
export { checkClusterFile, ConfigFileError, loadCluster, parseClusterText } from './load.ts';
export type { CheckOptions, ClusterCheck } from './load.ts';
export { parseSize } from './units.ts';
