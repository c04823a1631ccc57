// Original file: proto/migvisor/v1/types.proto

import type { OpenHandle as _migvisor_v1_OpenHandle, OpenHandle__Output as _migvisor_v1_OpenHandle__Output } from '../../migvisor/v1/OpenHandle.ts';
import type { Long } from '@grpc/proto-loader';

export interface TravelerSummary {
  'id'?: (number);
  'status'?: (string);
  'priority'?: (number);
  'pc'?: (number | string | Long);
  'sp'?: (string);
  'flags'?: (number);
  /**
   * hex
   */
  'registers'?: (string)[];
  'instructions'?: (number | string | Long);
  'wait'?: (string);
  'hasExitCode'?: (boolean);
  'exitCode'?: (number | string | Long);
  'fault'?: (string);
  'handles'?: (_migvisor_v1_OpenHandle)[];
}

export interface TravelerSummary__Output {
  'id': (number);
  'status': (string);
  'priority': (number);
  'pc': (number);
  'sp': (string);
  'flags': (number);
  /**
   * hex
   */
  'registers': (string)[];
  'instructions': (number);
  'wait': (string);
  'hasExitCode': (boolean);
  'exitCode': (number);
  'fault': (string);
  'handles': (_migvisor_v1_OpenHandle__Output)[];
}
