// Original file: proto/migvisor/v1/diagnostics.proto

import type { Long } from '@grpc/proto-loader';

export interface StreamToReply {
  'bytes'?: (number | string | Long);
  'ms'?: (number | string);
}

export interface StreamToReply__Output {
  'bytes': (number);
  'ms': (number);
}
