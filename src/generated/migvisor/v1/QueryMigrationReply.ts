// Original file: proto/migvisor/v1/migtask.proto

import type { Long } from '@grpc/proto-loader';

export interface QueryMigrationReply {
  'migrationId'?: (string);
  /**
   * unknown | receiving | staged | active | aborted
   */
  'outcome'?: (string);
  'taskId'?: (string);
  'slot'?: (string);
  'detail'?: (string);
  /**
   * pages verified and installed so far (pre-copy waits on it before it stops)
   */
  'pagesReceived'?: (number | string | Long);
}

export interface QueryMigrationReply__Output {
  'migrationId': (string);
  /**
   * unknown | receiving | staged | active | aborted
   */
  'outcome': (string);
  'taskId': (string);
  'slot': (string);
  'detail': (string);
  /**
   * pages verified and installed so far (pre-copy waits on it before it stops)
   */
  'pagesReceived': (number);
}
