// Original file: proto/migvisor/v1/middleware.proto

import type { SnapshotInfo as _migvisor_v1_SnapshotInfo, SnapshotInfo__Output as _migvisor_v1_SnapshotInfo__Output } from '../../migvisor/v1/SnapshotInfo.ts';
import type { MigrationStats as _migvisor_v1_MigrationStats, MigrationStats__Output as _migvisor_v1_MigrationStats__Output } from '../../migvisor/v1/MigrationStats.ts';
import type { Long } from '@grpc/proto-loader';

export interface ArchiveProgress {
  'phase'?: (string);
  'pagesDone'?: (number | string | Long);
  'pagesTotal'?: (number | string | Long);
  /**
   * set on the last message
   */
  'snapshot'?: (_migvisor_v1_SnapshotInfo | null);
  /**
   * park: the node's migration statistics
   */
  'stats'?: (_migvisor_v1_MigrationStats | null);
  /**
   * restore: the task id on the node
   */
  'taskId'?: (string);
  'slot'?: (string);
}

export interface ArchiveProgress__Output {
  'phase': (string);
  'pagesDone': (number);
  'pagesTotal': (number);
  /**
   * set on the last message
   */
  'snapshot': (_migvisor_v1_SnapshotInfo__Output | null);
  /**
   * park: the node's migration statistics
   */
  'stats': (_migvisor_v1_MigrationStats__Output | null);
  /**
   * restore: the task id on the node
   */
  'taskId': (string);
  'slot': (string);
}
