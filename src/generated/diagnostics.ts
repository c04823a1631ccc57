import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Chunk as _migvisor_v1_Chunk, Chunk__Output as _migvisor_v1_Chunk__Output } from './migvisor/v1/Chunk.ts';
import type { ContainerHeader as _migvisor_v1_ContainerHeader, ContainerHeader__Output as _migvisor_v1_ContainerHeader__Output } from './migvisor/v1/ContainerHeader.ts';
import type { ContainerTrailer as _migvisor_v1_ContainerTrailer, ContainerTrailer__Output as _migvisor_v1_ContainerTrailer__Output } from './migvisor/v1/ContainerTrailer.ts';
import type { DiagnosticsClient as _migvisor_v1_DiagnosticsClient, DiagnosticsDefinition as _migvisor_v1_DiagnosticsDefinition } from './migvisor/v1/Diagnostics.ts';
import type { DiscardReply as _migvisor_v1_DiscardReply, DiscardReply__Output as _migvisor_v1_DiscardReply__Output } from './migvisor/v1/DiscardReply.ts';
import type { FaultState as _migvisor_v1_FaultState, FaultState__Output as _migvisor_v1_FaultState__Output } from './migvisor/v1/FaultState.ts';
import type { GateMessages as _migvisor_v1_GateMessages, GateMessages__Output as _migvisor_v1_GateMessages__Output } from './migvisor/v1/GateMessages.ts';
import type { PageBatch as _migvisor_v1_PageBatch, PageBatch__Output as _migvisor_v1_PageBatch__Output } from './migvisor/v1/PageBatch.ts';
import type { StreamToReply as _migvisor_v1_StreamToReply, StreamToReply__Output as _migvisor_v1_StreamToReply__Output } from './migvisor/v1/StreamToReply.ts';
import type { StreamToRequest as _migvisor_v1_StreamToRequest, StreamToRequest__Output as _migvisor_v1_StreamToRequest__Output } from './migvisor/v1/StreamToRequest.ts';
import type { TravelerState as _migvisor_v1_TravelerState, TravelerState__Output as _migvisor_v1_TravelerState__Output } from './migvisor/v1/TravelerState.ts';
import type { WaitState as _migvisor_v1_WaitState, WaitState__Output as _migvisor_v1_WaitState__Output } from './migvisor/v1/WaitState.ts';

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
      Diagnostics: SubtypeConstructor<typeof grpc.Client, _migvisor_v1_DiagnosticsClient> & { service: _migvisor_v1_DiagnosticsDefinition }
      DiscardReply: MessageTypeDefinition<_migvisor_v1_DiscardReply, _migvisor_v1_DiscardReply__Output>
      Encoding: EnumTypeDefinition
      Endian: EnumTypeDefinition
      FaultState: MessageTypeDefinition<_migvisor_v1_FaultState, _migvisor_v1_FaultState__Output>
      GateMessages: MessageTypeDefinition<_migvisor_v1_GateMessages, _migvisor_v1_GateMessages__Output>
      PageBatch: MessageTypeDefinition<_migvisor_v1_PageBatch, _migvisor_v1_PageBatch__Output>
      StreamToReply: MessageTypeDefinition<_migvisor_v1_StreamToReply, _migvisor_v1_StreamToReply__Output>
      StreamToRequest: MessageTypeDefinition<_migvisor_v1_StreamToRequest, _migvisor_v1_StreamToRequest__Output>
      TravelerState: MessageTypeDefinition<_migvisor_v1_TravelerState, _migvisor_v1_TravelerState__Output>
      WaitState: MessageTypeDefinition<_migvisor_v1_WaitState, _migvisor_v1_WaitState__Output>
    }
  }
}

