// Original file: proto/migvisor/v1/migtask.proto

import type { Long } from '@grpc/proto-loader';

export interface MigrationStats {
  'migrationId'?: (string);
  'task'?: (string);
  'mode'?: (string);
  /**
   * completed | failed
   */
  'status'?: (string);
  'source'?: (string);
  'sink'?: (string);
  'totalMs'?: (number | string);
  'downtimeMs'?: (number | string);
  'setupMs'?: (number | string);
  /**
   * payload bytes sent
   */
  'bytes'?: (number | string | Long);
  'pagesSent'?: (number | string | Long);
  /**
   * zero pages not sent
   */
  'pagesElided'?: (number | string | Long);
  /**
   * raw page bytes / bytes sent for them
   */
  'compressionRatio'?: (number | string);
  'rounds'?: (number);
  'pagesPerRound'?: (number | string | Long)[];
  'finalDirtyPages'?: (number | string | Long);
  'lazyFaultsServed'?: (number | string | Long);
  'compression'?: (string);
  'error'?: (string);
  /**
   * lazy: until the sink runs the task
   */
  'resumeMs'?: (number | string);
  /**
   * lazy: until the source holds no page
   */
  'residualMs'?: (number | string);
  /**
   * queued gate messages that followed the task
   */
  'gateMessages'?: (number | string | Long);
  /**
   * file handles closed by the move
   */
  'closedHandles'?: (number | string | Long);
}

export interface MigrationStats__Output {
  'migrationId': (string);
  'task': (string);
  'mode': (string);
  /**
   * completed | failed
   */
  'status': (string);
  'source': (string);
  'sink': (string);
  'totalMs': (number);
  'downtimeMs': (number);
  'setupMs': (number);
  /**
   * payload bytes sent
   */
  'bytes': (number);
  'pagesSent': (number);
  /**
   * zero pages not sent
   */
  'pagesElided': (number);
  /**
   * raw page bytes / bytes sent for them
   */
  'compressionRatio': (number);
  'rounds': (number);
  'pagesPerRound': (number)[];
  'finalDirtyPages': (number);
  'lazyFaultsServed': (number);
  'compression': (string);
  'error': (string);
  /**
   * lazy: until the sink runs the task
   */
  'resumeMs': (number);
  /**
   * lazy: until the source holds no page
   */
  'residualMs': (number);
  /**
   * queued gate messages that followed the task
   */
  'gateMessages': (number);
  /**
   * file handles closed by the move
   */
  'closedHandles': (number);
}
