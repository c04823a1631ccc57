// Original file: proto/migvisor/v1/migtask.proto

import type { MigrationStats as _migvisor_v1_MigrationStats, MigrationStats__Output as _migvisor_v1_MigrationStats__Output } from '../../migvisor/v1/MigrationStats.ts';
import type { Long } from '@grpc/proto-loader';

export interface MigrationProgress {
  /**
   * negotiate | stop | transfer | commit | release | done
   */
  'phase'?: (string);
  'bytesSent'?: (number | string | Long);
  'pagesSent'?: (number | string | Long);
  'pagesTotal'?: (number | string | Long);
  /**
   * set on the last message
   */
  'stats'?: (_migvisor_v1_MigrationStats | null);
}

export interface MigrationProgress__Output {
  /**
   * negotiate | stop | transfer | commit | release | done
   */
  'phase': (string);
  'bytesSent': (number);
  'pagesSent': (number);
  'pagesTotal': (number);
  /**
   * set on the last message
   */
  'stats': (_migvisor_v1_MigrationStats__Output | null);
}
