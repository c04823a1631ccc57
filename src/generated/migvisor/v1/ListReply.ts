// Original file: proto/migvisor/v1/middleware.proto

import type { SnapshotInfo as _migvisor_v1_SnapshotInfo, SnapshotInfo__Output as _migvisor_v1_SnapshotInfo__Output } from '../../migvisor/v1/SnapshotInfo.ts';
import type { Long } from '@grpc/proto-loader';

export interface ListReply {
  'snapshots'?: (_migvisor_v1_SnapshotInfo)[];
  'storeBytes'?: (number | string | Long);
  'chunks'?: (number | string | Long);
  'store'?: (string);
}

export interface ListReply__Output {
  'snapshots': (_migvisor_v1_SnapshotInfo__Output)[];
  'storeBytes': (number);
  'chunks': (number);
  'store': (string);
}
