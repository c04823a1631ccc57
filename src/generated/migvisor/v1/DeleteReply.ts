// Original file: proto/migvisor/v1/middleware.proto

import type { Long } from '@grpc/proto-loader';

export interface DeleteReply {
  'id'?: (string);
  'freedBytes'?: (number | string | Long);
}

export interface DeleteReply__Output {
  'id': (string);
  'freedBytes': (number);
}
