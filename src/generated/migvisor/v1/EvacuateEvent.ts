// Original file: proto/migvisor/v1/middleware.proto

import type { MigrationStats as _migvisor_v1_MigrationStats, MigrationStats__Output as _migvisor_v1_MigrationStats__Output } from '../../migvisor/v1/MigrationStats.ts';

export interface EvacuateEvent {
  'task'?: (string);
  'to'?: (string);
  /**
   * moved | refused | failed
   */
  'status'?: (string);
  'detail'?: (string);
  'stats'?: (_migvisor_v1_MigrationStats | null);
}

export interface EvacuateEvent__Output {
  'task': (string);
  'to': (string);
  /**
   * moved | refused | failed
   */
  'status': (string);
  'detail': (string);
  'stats': (_migvisor_v1_MigrationStats__Output | null);
}
