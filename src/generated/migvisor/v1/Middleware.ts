// Original file: proto/migvisor/v1/middleware.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ArchiveProgress as _migvisor_v1_ArchiveProgress, ArchiveProgress__Output as _migvisor_v1_ArchiveProgress__Output } from '../../migvisor/v1/ArchiveProgress.ts';
import type { DeleteReply as _migvisor_v1_DeleteReply, DeleteReply__Output as _migvisor_v1_DeleteReply__Output } from '../../migvisor/v1/DeleteReply.ts';
import type { EvacuateEvent as _migvisor_v1_EvacuateEvent, EvacuateEvent__Output as _migvisor_v1_EvacuateEvent__Output } from '../../migvisor/v1/EvacuateEvent.ts';
import type { EvacuateRequest as _migvisor_v1_EvacuateRequest, EvacuateRequest__Output as _migvisor_v1_EvacuateRequest__Output } from '../../migvisor/v1/EvacuateRequest.ts';
import type { ListReply as _migvisor_v1_ListReply, ListReply__Output as _migvisor_v1_ListReply__Output } from '../../migvisor/v1/ListReply.ts';
import type { ListRequest as _migvisor_v1_ListRequest, ListRequest__Output as _migvisor_v1_ListRequest__Output } from '../../migvisor/v1/ListRequest.ts';
import type { MigrationProgress as _migvisor_v1_MigrationProgress, MigrationProgress__Output as _migvisor_v1_MigrationProgress__Output } from '../../migvisor/v1/MigrationProgress.ts';
import type { MoveRequest as _migvisor_v1_MoveRequest, MoveRequest__Output as _migvisor_v1_MoveRequest__Output } from '../../migvisor/v1/MoveRequest.ts';
import type { ParkRequest as _migvisor_v1_ParkRequest, ParkRequest__Output as _migvisor_v1_ParkRequest__Output } from '../../migvisor/v1/ParkRequest.ts';
import type { RestoreRequest as _migvisor_v1_RestoreRequest, RestoreRequest__Output as _migvisor_v1_RestoreRequest__Output } from '../../migvisor/v1/RestoreRequest.ts';
import type { SnapshotInfo as _migvisor_v1_SnapshotInfo, SnapshotInfo__Output as _migvisor_v1_SnapshotInfo__Output } from '../../migvisor/v1/SnapshotInfo.ts';
import type { SnapshotRef as _migvisor_v1_SnapshotRef, SnapshotRef__Output as _migvisor_v1_SnapshotRef__Output } from '../../migvisor/v1/SnapshotRef.ts';
import type { WhereReply as _migvisor_v1_WhereReply, WhereReply__Output as _migvisor_v1_WhereReply__Output } from '../../migvisor/v1/WhereReply.ts';
import type { WhereRequest as _migvisor_v1_WhereRequest, WhereRequest__Output as _migvisor_v1_WhereRequest__Output } from '../../migvisor/v1/WhereRequest.ts';

export interface MiddlewareClient extends grpc.Client {
  /**
   * Delete a snapshot; chunks no other snapshot uses are freed.
   */
  Delete(argument: _migvisor_v1_SnapshotRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_DeleteReply__Output>): grpc.ClientUnaryCall;
  Delete(argument: _migvisor_v1_SnapshotRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_DeleteReply__Output>): grpc.ClientUnaryCall;
  Delete(argument: _migvisor_v1_SnapshotRef, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_DeleteReply__Output>): grpc.ClientUnaryCall;
  Delete(argument: _migvisor_v1_SnapshotRef, callback: grpc.requestCallback<_migvisor_v1_DeleteReply__Output>): grpc.ClientUnaryCall;
  /**
   * Delete a snapshot; chunks no other snapshot uses are freed.
   */
  delete(argument: _migvisor_v1_SnapshotRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_DeleteReply__Output>): grpc.ClientUnaryCall;
  delete(argument: _migvisor_v1_SnapshotRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_DeleteReply__Output>): grpc.ClientUnaryCall;
  delete(argument: _migvisor_v1_SnapshotRef, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_DeleteReply__Output>): grpc.ClientUnaryCall;
  delete(argument: _migvisor_v1_SnapshotRef, callback: grpc.requestCallback<_migvisor_v1_DeleteReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Move every MigTask off a node to compatible nodes.
   */
  Evacuate(argument: _migvisor_v1_EvacuateRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_EvacuateEvent__Output>;
  Evacuate(argument: _migvisor_v1_EvacuateRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_EvacuateEvent__Output>;
  /**
   * Move every MigTask off a node to compatible nodes.
   */
  evacuate(argument: _migvisor_v1_EvacuateRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_EvacuateEvent__Output>;
  evacuate(argument: _migvisor_v1_EvacuateRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_EvacuateEvent__Output>;
  
  Inspect(argument: _migvisor_v1_SnapshotRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  Inspect(argument: _migvisor_v1_SnapshotRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  Inspect(argument: _migvisor_v1_SnapshotRef, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  Inspect(argument: _migvisor_v1_SnapshotRef, callback: grpc.requestCallback<_migvisor_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  inspect(argument: _migvisor_v1_SnapshotRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  inspect(argument: _migvisor_v1_SnapshotRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  inspect(argument: _migvisor_v1_SnapshotRef, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  inspect(argument: _migvisor_v1_SnapshotRef, callback: grpc.requestCallback<_migvisor_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  
  List(argument: _migvisor_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_ListReply__Output>): grpc.ClientUnaryCall;
  List(argument: _migvisor_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_ListReply__Output>): grpc.ClientUnaryCall;
  List(argument: _migvisor_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_ListReply__Output>): grpc.ClientUnaryCall;
  List(argument: _migvisor_v1_ListRequest, callback: grpc.requestCallback<_migvisor_v1_ListReply__Output>): grpc.ClientUnaryCall;
  list(argument: _migvisor_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_ListReply__Output>): grpc.ClientUnaryCall;
  list(argument: _migvisor_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_ListReply__Output>): grpc.ClientUnaryCall;
  list(argument: _migvisor_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_ListReply__Output>): grpc.ClientUnaryCall;
  list(argument: _migvisor_v1_ListRequest, callback: grpc.requestCallback<_migvisor_v1_ListReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Move a task between nodes under a lock, so two coordinators never move it at once.
   */
  Move(argument: _migvisor_v1_MoveRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_MigrationProgress__Output>;
  Move(argument: _migvisor_v1_MoveRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_MigrationProgress__Output>;
  /**
   * Move a task between nodes under a lock, so two coordinators never move it at once.
   */
  move(argument: _migvisor_v1_MoveRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_MigrationProgress__Output>;
  move(argument: _migvisor_v1_MoveRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_MigrationProgress__Output>;
  
  /**
   * Park: ask `node` to StopAndTransfer `task` into the archive. Progress, then the snapshot.
   */
  Park(argument: _migvisor_v1_ParkRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_ArchiveProgress__Output>;
  Park(argument: _migvisor_v1_ParkRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_ArchiveProgress__Output>;
  /**
   * Park: ask `node` to StopAndTransfer `task` into the archive. Progress, then the snapshot.
   */
  park(argument: _migvisor_v1_ParkRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_ArchiveProgress__Output>;
  park(argument: _migvisor_v1_ParkRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_ArchiveProgress__Output>;
  
  /**
   * Restore a snapshot into a free MigSink slot of `node` (the middleware is the MigSource).
   */
  Restore(argument: _migvisor_v1_RestoreRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_ArchiveProgress__Output>;
  Restore(argument: _migvisor_v1_RestoreRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_ArchiveProgress__Output>;
  /**
   * Restore a snapshot into a free MigSink slot of `node` (the middleware is the MigSource).
   */
  restore(argument: _migvisor_v1_RestoreRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_ArchiveProgress__Output>;
  restore(argument: _migvisor_v1_RestoreRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_ArchiveProgress__Output>;
  
  /**
   * Where a task runs (or that it is parked).
   */
  Where(argument: _migvisor_v1_WhereRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_WhereReply__Output>): grpc.ClientUnaryCall;
  Where(argument: _migvisor_v1_WhereRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_WhereReply__Output>): grpc.ClientUnaryCall;
  Where(argument: _migvisor_v1_WhereRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_WhereReply__Output>): grpc.ClientUnaryCall;
  Where(argument: _migvisor_v1_WhereRequest, callback: grpc.requestCallback<_migvisor_v1_WhereReply__Output>): grpc.ClientUnaryCall;
  /**
   * Where a task runs (or that it is parked).
   */
  where(argument: _migvisor_v1_WhereRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_WhereReply__Output>): grpc.ClientUnaryCall;
  where(argument: _migvisor_v1_WhereRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_WhereReply__Output>): grpc.ClientUnaryCall;
  where(argument: _migvisor_v1_WhereRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_WhereReply__Output>): grpc.ClientUnaryCall;
  where(argument: _migvisor_v1_WhereRequest, callback: grpc.requestCallback<_migvisor_v1_WhereReply__Output>): grpc.ClientUnaryCall;
  
}

export interface MiddlewareHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Delete a snapshot; chunks no other snapshot uses are freed.
   */
  Delete: grpc.handleUnaryCall<_migvisor_v1_SnapshotRef__Output, _migvisor_v1_DeleteReply>;
  
  /**
   * Move every MigTask off a node to compatible nodes.
   */
  Evacuate: grpc.handleServerStreamingCall<_migvisor_v1_EvacuateRequest__Output, _migvisor_v1_EvacuateEvent>;
  
  Inspect: grpc.handleUnaryCall<_migvisor_v1_SnapshotRef__Output, _migvisor_v1_SnapshotInfo>;
  
  List: grpc.handleUnaryCall<_migvisor_v1_ListRequest__Output, _migvisor_v1_ListReply>;
  
  /**
   * Move a task between nodes under a lock, so two coordinators never move it at once.
   */
  Move: grpc.handleServerStreamingCall<_migvisor_v1_MoveRequest__Output, _migvisor_v1_MigrationProgress>;
  
  /**
   * Park: ask `node` to StopAndTransfer `task` into the archive. Progress, then the snapshot.
   */
  Park: grpc.handleServerStreamingCall<_migvisor_v1_ParkRequest__Output, _migvisor_v1_ArchiveProgress>;
  
  /**
   * Restore a snapshot into a free MigSink slot of `node` (the middleware is the MigSource).
   */
  Restore: grpc.handleServerStreamingCall<_migvisor_v1_RestoreRequest__Output, _migvisor_v1_ArchiveProgress>;
  
  /**
   * Where a task runs (or that it is parked).
   */
  Where: grpc.handleUnaryCall<_migvisor_v1_WhereRequest__Output, _migvisor_v1_WhereReply>;
  
}

export interface MiddlewareDefinition extends grpc.ServiceDefinition {
  Delete: MethodDefinition<_migvisor_v1_SnapshotRef, _migvisor_v1_DeleteReply, _migvisor_v1_SnapshotRef__Output, _migvisor_v1_DeleteReply__Output>
  Evacuate: MethodDefinition<_migvisor_v1_EvacuateRequest, _migvisor_v1_EvacuateEvent, _migvisor_v1_EvacuateRequest__Output, _migvisor_v1_EvacuateEvent__Output>
  Inspect: MethodDefinition<_migvisor_v1_SnapshotRef, _migvisor_v1_SnapshotInfo, _migvisor_v1_SnapshotRef__Output, _migvisor_v1_SnapshotInfo__Output>
  List: MethodDefinition<_migvisor_v1_ListRequest, _migvisor_v1_ListReply, _migvisor_v1_ListRequest__Output, _migvisor_v1_ListReply__Output>
  Move: MethodDefinition<_migvisor_v1_MoveRequest, _migvisor_v1_MigrationProgress, _migvisor_v1_MoveRequest__Output, _migvisor_v1_MigrationProgress__Output>
  Park: MethodDefinition<_migvisor_v1_ParkRequest, _migvisor_v1_ArchiveProgress, _migvisor_v1_ParkRequest__Output, _migvisor_v1_ArchiveProgress__Output>
  Restore: MethodDefinition<_migvisor_v1_RestoreRequest, _migvisor_v1_ArchiveProgress, _migvisor_v1_RestoreRequest__Output, _migvisor_v1_ArchiveProgress__Output>
  Where: MethodDefinition<_migvisor_v1_WhereRequest, _migvisor_v1_WhereReply, _migvisor_v1_WhereRequest__Output, _migvisor_v1_WhereReply__Output>
}
