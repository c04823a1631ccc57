/** The cluster configuration: its model, loading a cluster file, and checking it. */
export type {
  AccessDef,
  BootTaskDef,
  CertKeyDef,
  ClusterConfig,
  Compression,
  CpuDef,
  Endian,
  FileProviderDef,
  GateProviderDef,
  LinkDef,
  LinkProfile,
  LossMode,
  MiddlewareDef,
  RetentionRule,
  MigrationLimits,
  NodeDef,
  PartitionDef,
  ProviderDef,
  ProviderGrant,
  RegionDef,
  RegionRights,
  SamplingPortDef,
  SchedulePlanDef,
  ScheduleDef,
  TlsDef,
  WindowDef,
  WordSize,
} from './model.ts';
export { DEFAULT_MAX_CLUSTER, DEFAULT_MAX_OUTBOUND, DEFAULT_PLAN, MIDDLEWARE_ENDPOINT, UNSHAPED } from './model.ts';
export { HM_ACTIONS, HM_EVENTS, HM_LEGAL, HM_LEVELS, HM_NOT_IGNORABLE, PARTITION_MODES, START_CONDITIONS } from './hm-vocabulary.ts';
export type { HmAction, HmEvent, HmLevel, HmRule, PartitionMode, StartCondition, StartPolicy } from './hm-vocabulary.ts';
export { checkClusterFile, ConfigFileError, loadCluster, parseClusterText } from './load.ts';
export type { CheckOptions, ClusterCheck } from './load.ts';
export { formatBandwidth, formatDuration, parseBandwidth, parseDuration, parseFraction, parseSize } from './units.ts';
export { SchemaChecker } from './schema.ts';
export type { SchemaProblem } from './schema.ts';
export { formatPath, isWithin, parseYaml, YamlSource } from './source.ts';
export type { ParsedYaml, Path, Problem } from './source.ts';
export { accessPolicy, applySecurity, CERT_ENV, certificateName, KEY_ENV, TESTBED_IDENTITY, tlsIdentityFor, TOKEN_ENV } from './security.ts';
export type { ProcessRole } from './security.ts';
