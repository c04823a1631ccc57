// Original file: proto/migvisor/v1/diagnostics.proto

import type { Long } from '@grpc/proto-loader';

export interface StreamToRequest {
  'target'?: (string);
  'bytes'?: (number | string | Long);
  'chunkBytes'?: (number);
}

export interface StreamToRequest__Output {
  'target': (string);
  'bytes': (number);
  'chunkBytes': (number);
}
