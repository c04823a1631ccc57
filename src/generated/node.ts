import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Chunk as _migvisor_v1_Chunk, Chunk__Output as _migvisor_v1_Chunk__Output } from './migvisor/v1/Chunk.ts';
import type { ContainerHeader as _migvisor_v1_ContainerHeader, ContainerHeader__Output as _migvisor_v1_ContainerHeader__Output } from './migvisor/v1/ContainerHeader.ts';
import type { ContainerTrailer as _migvisor_v1_ContainerTrailer, ContainerTrailer__Output as _migvisor_v1_ContainerTrailer__Output } from './migvisor/v1/ContainerTrailer.ts';
import type { Event as _migvisor_v1_Event, Event__Output as _migvisor_v1_Event__Output } from './migvisor/v1/Event.ts';
import type { FaultState as _migvisor_v1_FaultState, FaultState__Output as _migvisor_v1_FaultState__Output } from './migvisor/v1/FaultState.ts';
import type { GateMessages as _migvisor_v1_GateMessages, GateMessages__Output as _migvisor_v1_GateMessages__Output } from './migvisor/v1/GateMessages.ts';
import type { GateSendReply as _migvisor_v1_GateSendReply, GateSendReply__Output as _migvisor_v1_GateSendReply__Output } from './migvisor/v1/GateSendReply.ts';
import type { GateSendRequest as _migvisor_v1_GateSendRequest, GateSendRequest__Output as _migvisor_v1_GateSendRequest__Output } from './migvisor/v1/GateSendRequest.ts';
import type { NodeControlClient as _migvisor_v1_NodeControlClient, NodeControlDefinition as _migvisor_v1_NodeControlDefinition } from './migvisor/v1/NodeControl.ts';
import type { OpenHandle as _migvisor_v1_OpenHandle, OpenHandle__Output as _migvisor_v1_OpenHandle__Output } from './migvisor/v1/OpenHandle.ts';
import type { PageBatch as _migvisor_v1_PageBatch, PageBatch__Output as _migvisor_v1_PageBatch__Output } from './migvisor/v1/PageBatch.ts';
import type { PsReply as _migvisor_v1_PsReply, PsReply__Output as _migvisor_v1_PsReply__Output } from './migvisor/v1/PsReply.ts';
import type { PsRequest as _migvisor_v1_PsRequest, PsRequest__Output as _migvisor_v1_PsRequest__Output } from './migvisor/v1/PsRequest.ts';
import type { SaveDecision as _migvisor_v1_SaveDecision, SaveDecision__Output as _migvisor_v1_SaveDecision__Output } from './migvisor/v1/SaveDecision.ts';
import type { SaveRequest as _migvisor_v1_SaveRequest, SaveRequest__Output as _migvisor_v1_SaveRequest__Output } from './migvisor/v1/SaveRequest.ts';
import type { TaskRequest as _migvisor_v1_TaskRequest, TaskRequest__Output as _migvisor_v1_TaskRequest__Output } from './migvisor/v1/TaskRequest.ts';
import type { TaskSummary as _migvisor_v1_TaskSummary, TaskSummary__Output as _migvisor_v1_TaskSummary__Output } from './migvisor/v1/TaskSummary.ts';
import type { TravelerState as _migvisor_v1_TravelerState, TravelerState__Output as _migvisor_v1_TravelerState__Output } from './migvisor/v1/TravelerState.ts';
import type { TravelerSummary as _migvisor_v1_TravelerSummary, TravelerSummary__Output as _migvisor_v1_TravelerSummary__Output } from './migvisor/v1/TravelerSummary.ts';
import type { WaitState as _migvisor_v1_WaitState, WaitState__Output as _migvisor_v1_WaitState__Output } from './migvisor/v1/WaitState.ts';
import type { WatchRequest as _migvisor_v1_WatchRequest, WatchRequest__Output as _migvisor_v1_WatchRequest__Output } from './migvisor/v1/WatchRequest.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  migvisor: {
    v1: {
      Chunk: MessageTypeDefinition<_migvisor_v1_Chunk, _migvisor_v1_Chunk__Output>
      ChunkKind: EnumTypeDefinition
      ContainerHeader: MessageTypeDefinition<_migvisor_v1_ContainerHeader, _migvisor_v1_ContainerHeader__Output>
      ContainerTrailer: MessageTypeDefinition<_migvisor_v1_ContainerTrailer, _migvisor_v1_ContainerTrailer__Output>
      Encoding: EnumTypeDefinition
      Endian: EnumTypeDefinition
      Event: MessageTypeDefinition<_migvisor_v1_Event, _migvisor_v1_Event__Output>
      FaultState: MessageTypeDefinition<_migvisor_v1_FaultState, _migvisor_v1_FaultState__Output>
      GateMessages: MessageTypeDefinition<_migvisor_v1_GateMessages, _migvisor_v1_GateMessages__Output>
      GateSendReply: MessageTypeDefinition<_migvisor_v1_GateSendReply, _migvisor_v1_GateSendReply__Output>
      GateSendRequest: MessageTypeDefinition<_migvisor_v1_GateSendRequest, _migvisor_v1_GateSendRequest__Output>
      NodeControl: SubtypeConstructor<typeof grpc.Client, _migvisor_v1_NodeControlClient> & { service: _migvisor_v1_NodeControlDefinition }
      OpenHandle: MessageTypeDefinition<_migvisor_v1_OpenHandle, _migvisor_v1_OpenHandle__Output>
      PageBatch: MessageTypeDefinition<_migvisor_v1_PageBatch, _migvisor_v1_PageBatch__Output>
      PsReply: MessageTypeDefinition<_migvisor_v1_PsReply, _migvisor_v1_PsReply__Output>
      PsRequest: MessageTypeDefinition<_migvisor_v1_PsRequest, _migvisor_v1_PsRequest__Output>
      SaveDecision: MessageTypeDefinition<_migvisor_v1_SaveDecision, _migvisor_v1_SaveDecision__Output>
      SaveRequest: MessageTypeDefinition<_migvisor_v1_SaveRequest, _migvisor_v1_SaveRequest__Output>
      TaskRequest: MessageTypeDefinition<_migvisor_v1_TaskRequest, _migvisor_v1_TaskRequest__Output>
      TaskSummary: MessageTypeDefinition<_migvisor_v1_TaskSummary, _migvisor_v1_TaskSummary__Output>
      TravelerState: MessageTypeDefinition<_migvisor_v1_TravelerState, _migvisor_v1_TravelerState__Output>
      TravelerSummary: MessageTypeDefinition<_migvisor_v1_TravelerSummary, _migvisor_v1_TravelerSummary__Output>
      WaitState: MessageTypeDefinition<_migvisor_v1_WaitState, _migvisor_v1_WaitState__Output>
      WatchRequest: MessageTypeDefinition<_migvisor_v1_WatchRequest, _migvisor_v1_WatchRequest__Output>
    }
  }
}

