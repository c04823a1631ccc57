// Original file: proto/migvisor/v1/migtask.proto

import type { Long } from '@grpc/proto-loader';

export interface PushPagesReply {
  'migrationId'?: (string);
  /**
   * pages the push delivered that the sink still lacked
   */
  'installed'?: (number | string | Long);
  /**
   * pages still absent after the push (0 when complete)
   */
  'missing'?: (number | string | Long);
}

export interface PushPagesReply__Output {
  'migrationId': (string);
  /**
   * pages the push delivered that the sink still lacked
   */
  'installed': (number);
  /**
   * pages still absent after the push (0 when complete)
   */
  'missing': (number);
}
