// Original file: proto/migvisor/v1/container.proto

import type { Long } from '@grpc/proto-loader';

export interface FaultState {
  'kind'?: (string);
  'message'?: (string);
  'pc'?: (number | string | Long);
  'address'?: (number | string | Long);
}

export interface FaultState__Output {
  'kind': (string);
  'message': (string);
  'pc': (number);
  'address': (number);
}
