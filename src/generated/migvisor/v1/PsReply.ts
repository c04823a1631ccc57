// Original file: proto/migvisor/v1/node.proto

import type { TaskSummary as _migvisor_v1_TaskSummary, TaskSummary__Output as _migvisor_v1_TaskSummary__Output } from '../../migvisor/v1/TaskSummary.ts';
import type { Long } from '@grpc/proto-loader';

export interface PsReply {
  'node'?: (string);
  'tick'?: (number | string | Long);
  'tasks'?: (_migvisor_v1_TaskSummary)[];
}

export interface PsReply__Output {
  'node': (string);
  'tick': (number);
  'tasks': (_migvisor_v1_TaskSummary__Output)[];
}
