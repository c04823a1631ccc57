import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { OpenHandle as _migvisor_v1_OpenHandle, OpenHandle__Output as _migvisor_v1_OpenHandle__Output } from './migvisor/v1/OpenHandle.ts';
import type { TaskSummary as _migvisor_v1_TaskSummary, TaskSummary__Output as _migvisor_v1_TaskSummary__Output } from './migvisor/v1/TaskSummary.ts';
import type { TravelerSummary as _migvisor_v1_TravelerSummary, TravelerSummary__Output as _migvisor_v1_TravelerSummary__Output } from './migvisor/v1/TravelerSummary.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  migvisor: {
    v1: {
      OpenHandle: MessageTypeDefinition<_migvisor_v1_OpenHandle, _migvisor_v1_OpenHandle__Output>
      TaskSummary: MessageTypeDefinition<_migvisor_v1_TaskSummary, _migvisor_v1_TaskSummary__Output>
      TravelerSummary: MessageTypeDefinition<_migvisor_v1_TravelerSummary, _migvisor_v1_TravelerSummary__Output>
    }
  }
}

