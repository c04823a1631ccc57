// Original file: proto/migvisor/v1/migtask.proto

import type { Long } from '@grpc/proto-loader';

export interface ReceiveReply {
  'migrationId'?: (string);
  'taskId'?: (string);
  'slot'?: (string);
  'state'?: (string);
  'pages'?: (number | string | Long);
  'bytes'?: (number | string | Long);
}

export interface ReceiveReply__Output {
  'migrationId': (string);
  'taskId': (string);
  'slot': (string);
  'state': (string);
  'pages': (number);
  'bytes': (number);
}
