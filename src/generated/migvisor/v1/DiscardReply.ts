// Original file: proto/migvisor/v1/diagnostics.proto

import type { Long } from '@grpc/proto-loader';

export interface DiscardReply {
  'bytes'?: (number | string | Long);
  'chunks'?: (number | string | Long);
}

export interface DiscardReply__Output {
  'bytes': (number);
  'chunks': (number);
}
