// Original file: proto/migvisor/v1/types.proto

import type { TravelerSummary as _migvisor_v1_TravelerSummary, TravelerSummary__Output as _migvisor_v1_TravelerSummary__Output } from '../../migvisor/v1/TravelerSummary.ts';
import type { Long } from '@grpc/proto-loader';

export interface TaskSummary {
  'slot'?: (string);
  'partition'?: (string);
  'taskId'?: (string);
  'program'?: (string);
  'state'?: (string);
  'run'?: (string);
  'instructions'?: (number | string | Long);
  'pages'?: (number);
  'pagesPresent'?: (number);
  'pagesDirty'?: (number);
  'memoryHash'?: (string);
  'travelers'?: (_migvisor_v1_TravelerSummary)[];
  'node'?: (string);
}

export interface TaskSummary__Output {
  'slot': (string);
  'partition': (string);
  'taskId': (string);
  'program': (string);
  'state': (string);
  'run': (string);
  'instructions': (number);
  'pages': (number);
  'pagesPresent': (number);
  'pagesDirty': (number);
  'memoryHash': (string);
  'travelers': (_migvisor_v1_TravelerSummary__Output)[];
  'node': (string);
}
