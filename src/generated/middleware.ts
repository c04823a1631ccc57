import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AbortReply as _migvisor_v1_AbortReply, AbortReply__Output as _migvisor_v1_AbortReply__Output } from './migvisor/v1/AbortReply.ts';
import type { AbortRequest as _migvisor_v1_AbortRequest, AbortRequest__Output as _migvisor_v1_AbortRequest__Output } from './migvisor/v1/AbortRequest.ts';
import type { ArchiveProgress as _migvisor_v1_ArchiveProgress, ArchiveProgress__Output as _migvisor_v1_ArchiveProgress__Output } from './migvisor/v1/ArchiveProgress.ts';
import type { Chunk as _migvisor_v1_Chunk, Chunk__Output as _migvisor_v1_Chunk__Output } from './migvisor/v1/Chunk.ts';
import type { CommitReply as _migvisor_v1_CommitReply, CommitReply__Output as _migvisor_v1_CommitReply__Output } from './migvisor/v1/CommitReply.ts';
import type { CommitRequest as _migvisor_v1_CommitRequest, CommitRequest__Output as _migvisor_v1_CommitRequest__Output } from './migvisor/v1/CommitRequest.ts';
import type { ContainerHeader as _migvisor_v1_ContainerHeader, ContainerHeader__Output as _migvisor_v1_ContainerHeader__Output } from './migvisor/v1/ContainerHeader.ts';
import type { ContainerTrailer as _migvisor_v1_ContainerTrailer, ContainerTrailer__Output as _migvisor_v1_ContainerTrailer__Output } from './migvisor/v1/ContainerTrailer.ts';
import type { DeleteReply as _migvisor_v1_DeleteReply, DeleteReply__Output as _migvisor_v1_DeleteReply__Output } from './migvisor/v1/DeleteReply.ts';
import type { EvacuateEvent as _migvisor_v1_EvacuateEvent, EvacuateEvent__Output as _migvisor_v1_EvacuateEvent__Output } from './migvisor/v1/EvacuateEvent.ts';
import type { EvacuateRequest as _migvisor_v1_EvacuateRequest, EvacuateRequest__Output as _migvisor_v1_EvacuateRequest__Output } from './migvisor/v1/EvacuateRequest.ts';
import type { FaultState as _migvisor_v1_FaultState, FaultState__Output as _migvisor_v1_FaultState__Output } from './migvisor/v1/FaultState.ts';
import type { FetchPagesRequest as _migvisor_v1_FetchPagesRequest, FetchPagesRequest__Output as _migvisor_v1_FetchPagesRequest__Output } from './migvisor/v1/FetchPagesRequest.ts';
import type { GateMessages as _migvisor_v1_GateMessages, GateMessages__Output as _migvisor_v1_GateMessages__Output } from './migvisor/v1/GateMessages.ts';
import type { InfoReply as _migvisor_v1_InfoReply, InfoReply__Output as _migvisor_v1_InfoReply__Output } from './migvisor/v1/InfoReply.ts';
import type { InfoRequest as _migvisor_v1_InfoRequest, InfoRequest__Output as _migvisor_v1_InfoRequest__Output } from './migvisor/v1/InfoRequest.ts';
import type { InitializeRequest as _migvisor_v1_InitializeRequest, InitializeRequest__Output as _migvisor_v1_InitializeRequest__Output } from './migvisor/v1/InitializeRequest.ts';
import type { Label as _migvisor_v1_Label, Label__Output as _migvisor_v1_Label__Output } from './migvisor/v1/Label.ts';
import type { ListReply as _migvisor_v1_ListReply, ListReply__Output as _migvisor_v1_ListReply__Output } from './migvisor/v1/ListReply.ts';
import type { ListRequest as _migvisor_v1_ListRequest, ListRequest__Output as _migvisor_v1_ListRequest__Output } from './migvisor/v1/ListRequest.ts';
import type { MiddlewareClient as _migvisor_v1_MiddlewareClient, MiddlewareDefinition as _migvisor_v1_MiddlewareDefinition } from './migvisor/v1/Middleware.ts';
import type { MigTaskClient as _migvisor_v1_MigTaskClient, MigTaskDefinition as _migvisor_v1_MigTaskDefinition } from './migvisor/v1/MigTask.ts';
import type { MigrationProgress as _migvisor_v1_MigrationProgress, MigrationProgress__Output as _migvisor_v1_MigrationProgress__Output } from './migvisor/v1/MigrationProgress.ts';
import type { MigrationStats as _migvisor_v1_MigrationStats, MigrationStats__Output as _migvisor_v1_MigrationStats__Output } from './migvisor/v1/MigrationStats.ts';
import type { MoveRequest as _migvisor_v1_MoveRequest, MoveRequest__Output as _migvisor_v1_MoveRequest__Output } from './migvisor/v1/MoveRequest.ts';
import type { OpenHandle as _migvisor_v1_OpenHandle, OpenHandle__Output as _migvisor_v1_OpenHandle__Output } from './migvisor/v1/OpenHandle.ts';
import type { PageBatch as _migvisor_v1_PageBatch, PageBatch__Output as _migvisor_v1_PageBatch__Output } from './migvisor/v1/PageBatch.ts';
import type { ParkRequest as _migvisor_v1_ParkRequest, ParkRequest__Output as _migvisor_v1_ParkRequest__Output } from './migvisor/v1/ParkRequest.ts';
import type { PushPagesReply as _migvisor_v1_PushPagesReply, PushPagesReply__Output as _migvisor_v1_PushPagesReply__Output } from './migvisor/v1/PushPagesReply.ts';
import type { QueryMigrationReply as _migvisor_v1_QueryMigrationReply, QueryMigrationReply__Output as _migvisor_v1_QueryMigrationReply__Output } from './migvisor/v1/QueryMigrationReply.ts';
import type { QueryMigrationRequest as _migvisor_v1_QueryMigrationRequest, QueryMigrationRequest__Output as _migvisor_v1_QueryMigrationRequest__Output } from './migvisor/v1/QueryMigrationRequest.ts';
import type { ReceiveReply as _migvisor_v1_ReceiveReply, ReceiveReply__Output as _migvisor_v1_ReceiveReply__Output } from './migvisor/v1/ReceiveReply.ts';
import type { RestoreRequest as _migvisor_v1_RestoreRequest, RestoreRequest__Output as _migvisor_v1_RestoreRequest__Output } from './migvisor/v1/RestoreRequest.ts';
import type { SnapshotInfo as _migvisor_v1_SnapshotInfo, SnapshotInfo__Output as _migvisor_v1_SnapshotInfo__Output } from './migvisor/v1/SnapshotInfo.ts';
import type { SnapshotRef as _migvisor_v1_SnapshotRef, SnapshotRef__Output as _migvisor_v1_SnapshotRef__Output } from './migvisor/v1/SnapshotRef.ts';
import type { StopAndTransferRequest as _migvisor_v1_StopAndTransferRequest, StopAndTransferRequest__Output as _migvisor_v1_StopAndTransferRequest__Output } from './migvisor/v1/StopAndTransferRequest.ts';
import type { TaskSummary as _migvisor_v1_TaskSummary, TaskSummary__Output as _migvisor_v1_TaskSummary__Output } from './migvisor/v1/TaskSummary.ts';
import type { TravelerState as _migvisor_v1_TravelerState, TravelerState__Output as _migvisor_v1_TravelerState__Output } from './migvisor/v1/TravelerState.ts';
import type { TravelerSummary as _migvisor_v1_TravelerSummary, TravelerSummary__Output as _migvisor_v1_TravelerSummary__Output } from './migvisor/v1/TravelerSummary.ts';
import type { WaitState as _migvisor_v1_WaitState, WaitState__Output as _migvisor_v1_WaitState__Output } from './migvisor/v1/WaitState.ts';
import type { WhereReply as _migvisor_v1_WhereReply, WhereReply__Output as _migvisor_v1_WhereReply__Output } from './migvisor/v1/WhereReply.ts';
import type { WhereRequest as _migvisor_v1_WhereRequest, WhereRequest__Output as _migvisor_v1_WhereRequest__Output } from './migvisor/v1/WhereRequest.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  migvisor: {
    v1: {
      AbortReply: MessageTypeDefinition<_migvisor_v1_AbortReply, _migvisor_v1_AbortReply__Output>
      AbortRequest: MessageTypeDefinition<_migvisor_v1_AbortRequest, _migvisor_v1_AbortRequest__Output>
      ArchiveProgress: MessageTypeDefinition<_migvisor_v1_ArchiveProgress, _migvisor_v1_ArchiveProgress__Output>
      Chunk: MessageTypeDefinition<_migvisor_v1_Chunk, _migvisor_v1_Chunk__Output>
      ChunkKind: EnumTypeDefinition
      CommitReply: MessageTypeDefinition<_migvisor_v1_CommitReply, _migvisor_v1_CommitReply__Output>
      CommitRequest: MessageTypeDefinition<_migvisor_v1_CommitRequest, _migvisor_v1_CommitRequest__Output>
      ContainerHeader: MessageTypeDefinition<_migvisor_v1_ContainerHeader, _migvisor_v1_ContainerHeader__Output>
      ContainerTrailer: MessageTypeDefinition<_migvisor_v1_ContainerTrailer, _migvisor_v1_ContainerTrailer__Output>
      DeleteReply: MessageTypeDefinition<_migvisor_v1_DeleteReply, _migvisor_v1_DeleteReply__Output>
      Encoding: EnumTypeDefinition
      Endian: EnumTypeDefinition
      EvacuateEvent: MessageTypeDefinition<_migvisor_v1_EvacuateEvent, _migvisor_v1_EvacuateEvent__Output>
      EvacuateRequest: MessageTypeDefinition<_migvisor_v1_EvacuateRequest, _migvisor_v1_EvacuateRequest__Output>
      FaultState: MessageTypeDefinition<_migvisor_v1_FaultState, _migvisor_v1_FaultState__Output>
      FetchPagesRequest: MessageTypeDefinition<_migvisor_v1_FetchPagesRequest, _migvisor_v1_FetchPagesRequest__Output>
      GateMessages: MessageTypeDefinition<_migvisor_v1_GateMessages, _migvisor_v1_GateMessages__Output>
      InfoReply: MessageTypeDefinition<_migvisor_v1_InfoReply, _migvisor_v1_InfoReply__Output>
      InfoRequest: MessageTypeDefinition<_migvisor_v1_InfoRequest, _migvisor_v1_InfoRequest__Output>
      InitializeRequest: MessageTypeDefinition<_migvisor_v1_InitializeRequest, _migvisor_v1_InitializeRequest__Output>
      Label: MessageTypeDefinition<_migvisor_v1_Label, _migvisor_v1_Label__Output>
      ListReply: MessageTypeDefinition<_migvisor_v1_ListReply, _migvisor_v1_ListReply__Output>
      ListRequest: MessageTypeDefinition<_migvisor_v1_ListRequest, _migvisor_v1_ListRequest__Output>
      Middleware: SubtypeConstructor<typeof grpc.Client, _migvisor_v1_MiddlewareClient> & { service: _migvisor_v1_MiddlewareDefinition }
      MigTask: SubtypeConstructor<typeof grpc.Client, _migvisor_v1_MigTaskClient> & { service: _migvisor_v1_MigTaskDefinition }
      MigrationProgress: MessageTypeDefinition<_migvisor_v1_MigrationProgress, _migvisor_v1_MigrationProgress__Output>
      MigrationStats: MessageTypeDefinition<_migvisor_v1_MigrationStats, _migvisor_v1_MigrationStats__Output>
      MoveRequest: MessageTypeDefinition<_migvisor_v1_MoveRequest, _migvisor_v1_MoveRequest__Output>
      OpenHandle: MessageTypeDefinition<_migvisor_v1_OpenHandle, _migvisor_v1_OpenHandle__Output>
      PageBatch: MessageTypeDefinition<_migvisor_v1_PageBatch, _migvisor_v1_PageBatch__Output>
      ParkRequest: MessageTypeDefinition<_migvisor_v1_ParkRequest, _migvisor_v1_ParkRequest__Output>
      PushPagesReply: MessageTypeDefinition<_migvisor_v1_PushPagesReply, _migvisor_v1_PushPagesReply__Output>
      QueryMigrationReply: MessageTypeDefinition<_migvisor_v1_QueryMigrationReply, _migvisor_v1_QueryMigrationReply__Output>
      QueryMigrationRequest: MessageTypeDefinition<_migvisor_v1_QueryMigrationRequest, _migvisor_v1_QueryMigrationRequest__Output>
      ReceiveReply: MessageTypeDefinition<_migvisor_v1_ReceiveReply, _migvisor_v1_ReceiveReply__Output>
      RestoreRequest: MessageTypeDefinition<_migvisor_v1_RestoreRequest, _migvisor_v1_RestoreRequest__Output>
      SnapshotInfo: MessageTypeDefinition<_migvisor_v1_SnapshotInfo, _migvisor_v1_SnapshotInfo__Output>
      SnapshotRef: MessageTypeDefinition<_migvisor_v1_SnapshotRef, _migvisor_v1_SnapshotRef__Output>
      StopAndTransferRequest: MessageTypeDefinition<_migvisor_v1_StopAndTransferRequest, _migvisor_v1_StopAndTransferRequest__Output>
      TaskSummary: MessageTypeDefinition<_migvisor_v1_TaskSummary, _migvisor_v1_TaskSummary__Output>
      TravelerState: MessageTypeDefinition<_migvisor_v1_TravelerState, _migvisor_v1_TravelerState__Output>
      TravelerSummary: MessageTypeDefinition<_migvisor_v1_TravelerSummary, _migvisor_v1_TravelerSummary__Output>
      WaitState: MessageTypeDefinition<_migvisor_v1_WaitState, _migvisor_v1_WaitState__Output>
      WhereReply: MessageTypeDefinition<_migvisor_v1_WhereReply, _migvisor_v1_WhereReply__Output>
      WhereRequest: MessageTypeDefinition<_migvisor_v1_WhereRequest, _migvisor_v1_WhereRequest__Output>
    }
  }
}

