// Original file: proto/migvisor/v1/middleware.proto

import type { Label as _migvisor_v1_Label, Label__Output as _migvisor_v1_Label__Output } from '../../migvisor/v1/Label.ts';
import type { Long } from '@grpc/proto-loader';

export interface SnapshotInfo {
  'id'?: (string);
  'taskId'?: (string);
  'program'?: (string);
  'sourceNode'?: (string);
  'partition'?: (string);
  'fingerprint'?: (string);
  'wordSize'?: (number);
  'endian'?: (string);
  'labels'?: (_migvisor_v1_Label)[];
  'createdUnixMs'?: (number | string | Long);
  /**
   * the task's address space
   */
  'memoryBytes'?: (number | string | Long);
  /**
   * pages with content (zero pages are not stored)
   */
  'storedPages'?: (number | string | Long);
  /**
   * bytes this snapshot added to the store when parked
   */
  'newBytes'?: (number | string | Long);
  /**
   * bytes it shares with other snapshots
   */
  'sharedBytes'?: (number | string | Long);
  /**
   * parked (the task lives here) | restored (archived copy)
   */
  'state'?: (string);
  'restoredTo'?: (string);
  'travelers'?: (number);
  /**
   * Inspect: every chunk's checksum verified
   */
  'verified'?: (boolean);
  'problems'?: (string)[];
}

export interface SnapshotInfo__Output {
  'id': (string);
  'taskId': (string);
  'program': (string);
  'sourceNode': (string);
  'partition': (string);
  'fingerprint': (string);
  'wordSize': (number);
  'endian': (string);
  'labels': (_migvisor_v1_Label__Output)[];
  'createdUnixMs': (number);
  /**
   * the task's address space
   */
  'memoryBytes': (number);
  /**
   * pages with content (zero pages are not stored)
   */
  'storedPages': (number);
  /**
   * bytes this snapshot added to the store when parked
   */
  'newBytes': (number);
  /**
   * bytes it shares with other snapshots
   */
  'sharedBytes': (number);
  /**
   * parked (the task lives here) | restored (archived copy)
   */
  'state': (string);
  'restoredTo': (string);
  'travelers': (number);
  /**
   * Inspect: every chunk's checksum verified
   */
  'verified': (boolean);
  'problems': (string)[];
}
