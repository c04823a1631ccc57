// Original file: proto/migvisor/v1/migtask.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AbortReply as _migvisor_v1_AbortReply, AbortReply__Output as _migvisor_v1_AbortReply__Output } from '../../migvisor/v1/AbortReply.ts';
import type { AbortRequest as _migvisor_v1_AbortRequest, AbortRequest__Output as _migvisor_v1_AbortRequest__Output } from '../../migvisor/v1/AbortRequest.ts';
import type { Chunk as _migvisor_v1_Chunk, Chunk__Output as _migvisor_v1_Chunk__Output } from '../../migvisor/v1/Chunk.ts';
import type { CommitReply as _migvisor_v1_CommitReply, CommitReply__Output as _migvisor_v1_CommitReply__Output } from '../../migvisor/v1/CommitReply.ts';
import type { CommitRequest as _migvisor_v1_CommitRequest, CommitRequest__Output as _migvisor_v1_CommitRequest__Output } from '../../migvisor/v1/CommitRequest.ts';
import type { FetchPagesRequest as _migvisor_v1_FetchPagesRequest, FetchPagesRequest__Output as _migvisor_v1_FetchPagesRequest__Output } from '../../migvisor/v1/FetchPagesRequest.ts';
import type { InfoReply as _migvisor_v1_InfoReply, InfoReply__Output as _migvisor_v1_InfoReply__Output } from '../../migvisor/v1/InfoReply.ts';
import type { InfoRequest as _migvisor_v1_InfoRequest, InfoRequest__Output as _migvisor_v1_InfoRequest__Output } from '../../migvisor/v1/InfoRequest.ts';
import type { InitializeRequest as _migvisor_v1_InitializeRequest, InitializeRequest__Output as _migvisor_v1_InitializeRequest__Output } from '../../migvisor/v1/InitializeRequest.ts';
import type { MigrationProgress as _migvisor_v1_MigrationProgress, MigrationProgress__Output as _migvisor_v1_MigrationProgress__Output } from '../../migvisor/v1/MigrationProgress.ts';
import type { PushPagesReply as _migvisor_v1_PushPagesReply, PushPagesReply__Output as _migvisor_v1_PushPagesReply__Output } from '../../migvisor/v1/PushPagesReply.ts';
import type { QueryMigrationReply as _migvisor_v1_QueryMigrationReply, QueryMigrationReply__Output as _migvisor_v1_QueryMigrationReply__Output } from '../../migvisor/v1/QueryMigrationReply.ts';
import type { QueryMigrationRequest as _migvisor_v1_QueryMigrationRequest, QueryMigrationRequest__Output as _migvisor_v1_QueryMigrationRequest__Output } from '../../migvisor/v1/QueryMigrationRequest.ts';
import type { ReceiveReply as _migvisor_v1_ReceiveReply, ReceiveReply__Output as _migvisor_v1_ReceiveReply__Output } from '../../migvisor/v1/ReceiveReply.ts';
import type { StopAndTransferRequest as _migvisor_v1_StopAndTransferRequest, StopAndTransferRequest__Output as _migvisor_v1_StopAndTransferRequest__Output } from '../../migvisor/v1/StopAndTransferRequest.ts';
import type { TaskSummary as _migvisor_v1_TaskSummary, TaskSummary__Output as _migvisor_v1_TaskSummary__Output } from '../../migvisor/v1/TaskSummary.ts';

export interface MigTaskClient extends grpc.Client {
  /**
   * Discard a staged or receiving migration.
   */
  Abort(argument: _migvisor_v1_AbortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_AbortReply__Output>): grpc.ClientUnaryCall;
  Abort(argument: _migvisor_v1_AbortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_AbortReply__Output>): grpc.ClientUnaryCall;
  Abort(argument: _migvisor_v1_AbortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_AbortReply__Output>): grpc.ClientUnaryCall;
  Abort(argument: _migvisor_v1_AbortRequest, callback: grpc.requestCallback<_migvisor_v1_AbortReply__Output>): grpc.ClientUnaryCall;
  /**
   * Discard a staged or receiving migration.
   */
  abort(argument: _migvisor_v1_AbortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_AbortReply__Output>): grpc.ClientUnaryCall;
  abort(argument: _migvisor_v1_AbortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_AbortReply__Output>): grpc.ClientUnaryCall;
  abort(argument: _migvisor_v1_AbortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_AbortReply__Output>): grpc.ClientUnaryCall;
  abort(argument: _migvisor_v1_AbortRequest, callback: grpc.requestCallback<_migvisor_v1_AbortReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Two-phase handoff, sink side: activate a staged task (idempotent).
   */
  Commit(argument: _migvisor_v1_CommitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_CommitReply__Output>): grpc.ClientUnaryCall;
  Commit(argument: _migvisor_v1_CommitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_CommitReply__Output>): grpc.ClientUnaryCall;
  Commit(argument: _migvisor_v1_CommitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_CommitReply__Output>): grpc.ClientUnaryCall;
  Commit(argument: _migvisor_v1_CommitRequest, callback: grpc.requestCallback<_migvisor_v1_CommitReply__Output>): grpc.ClientUnaryCall;
  /**
   * Two-phase handoff, sink side: activate a staged task (idempotent).
   */
  commit(argument: _migvisor_v1_CommitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_CommitReply__Output>): grpc.ClientUnaryCall;
  commit(argument: _migvisor_v1_CommitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_CommitReply__Output>): grpc.ClientUnaryCall;
  commit(argument: _migvisor_v1_CommitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_CommitReply__Output>): grpc.ClientUnaryCall;
  commit(argument: _migvisor_v1_CommitRequest, callback: grpc.requestCallback<_migvisor_v1_CommitReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Post-copy, served by the source: pages a sink faulted on (a PAGES chunk).
   */
  FetchPages(argument: _migvisor_v1_FetchPagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_Chunk__Output>): grpc.ClientUnaryCall;
  FetchPages(argument: _migvisor_v1_FetchPagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_Chunk__Output>): grpc.ClientUnaryCall;
  FetchPages(argument: _migvisor_v1_FetchPagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_Chunk__Output>): grpc.ClientUnaryCall;
  FetchPages(argument: _migvisor_v1_FetchPagesRequest, callback: grpc.requestCallback<_migvisor_v1_Chunk__Output>): grpc.ClientUnaryCall;
  /**
   * Post-copy, served by the source: pages a sink faulted on (a PAGES chunk).
   */
  fetchPages(argument: _migvisor_v1_FetchPagesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_Chunk__Output>): grpc.ClientUnaryCall;
  fetchPages(argument: _migvisor_v1_FetchPagesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_Chunk__Output>): grpc.ClientUnaryCall;
  fetchPages(argument: _migvisor_v1_FetchPagesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_Chunk__Output>): grpc.ClientUnaryCall;
  fetchPages(argument: _migvisor_v1_FetchPagesRequest, callback: grpc.requestCallback<_migvisor_v1_Chunk__Output>): grpc.ClientUnaryCall;
  
  /**
   * Any state: the node's CPU, and the state of a slot (or of a free slot of a partition).
   */
  Info(argument: _migvisor_v1_InfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  Info(argument: _migvisor_v1_InfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  Info(argument: _migvisor_v1_InfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  Info(argument: _migvisor_v1_InfoRequest, callback: grpc.requestCallback<_migvisor_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  /**
   * Any state: the node's CPU, and the state of a slot (or of a free slot of a partition).
   */
  info(argument: _migvisor_v1_InfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  info(argument: _migvisor_v1_InfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  info(argument: _migvisor_v1_InfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  info(argument: _migvisor_v1_InfoRequest, callback: grpc.requestCallback<_migvisor_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * MigSink -> MigSource: first boot of a program into a free slot.
   */
  Initialize(argument: _migvisor_v1_InitializeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Initialize(argument: _migvisor_v1_InitializeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Initialize(argument: _migvisor_v1_InitializeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Initialize(argument: _migvisor_v1_InitializeRequest, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  /**
   * MigSink -> MigSource: first boot of a program into a free slot.
   */
  initialize(argument: _migvisor_v1_InitializeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  initialize(argument: _migvisor_v1_InitializeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  initialize(argument: _migvisor_v1_InitializeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  initialize(argument: _migvisor_v1_InitializeRequest, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  
  /**
   * Post-copy, served by the sink: the source pushes the remaining pages in the background.
   */
  PushPages(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_PushPagesReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  PushPages(metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_PushPagesReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  PushPages(options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_PushPagesReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  PushPages(callback: grpc.requestCallback<_migvisor_v1_PushPagesReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  /**
   * Post-copy, served by the sink: the source pushes the remaining pages in the background.
   */
  pushPages(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_PushPagesReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  pushPages(metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_PushPagesReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  pushPages(options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_PushPagesReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  pushPages(callback: grpc.requestCallback<_migvisor_v1_PushPagesReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  
  /**
   * What became of a migration: unknown, receiving, staged, active or aborted.
   */
  QueryMigration(argument: _migvisor_v1_QueryMigrationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_QueryMigrationReply__Output>): grpc.ClientUnaryCall;
  QueryMigration(argument: _migvisor_v1_QueryMigrationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_QueryMigrationReply__Output>): grpc.ClientUnaryCall;
  QueryMigration(argument: _migvisor_v1_QueryMigrationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_QueryMigrationReply__Output>): grpc.ClientUnaryCall;
  QueryMigration(argument: _migvisor_v1_QueryMigrationRequest, callback: grpc.requestCallback<_migvisor_v1_QueryMigrationReply__Output>): grpc.ClientUnaryCall;
  /**
   * What became of a migration: unknown, receiving, staged, active or aborted.
   */
  queryMigration(argument: _migvisor_v1_QueryMigrationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_QueryMigrationReply__Output>): grpc.ClientUnaryCall;
  queryMigration(argument: _migvisor_v1_QueryMigrationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_QueryMigrationReply__Output>): grpc.ClientUnaryCall;
  queryMigration(argument: _migvisor_v1_QueryMigrationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_QueryMigrationReply__Output>): grpc.ClientUnaryCall;
  queryMigration(argument: _migvisor_v1_QueryMigrationRequest, callback: grpc.requestCallback<_migvisor_v1_QueryMigrationReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * MigSink: receive a container. It is staged and verified; nothing runs until Commit.
   */
  Receive(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_ReceiveReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  Receive(metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_ReceiveReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  Receive(options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_ReceiveReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  Receive(callback: grpc.requestCallback<_migvisor_v1_ReceiveReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  /**
   * MigSink: receive a container. It is staged and verified; nothing runs until Commit.
   */
  receive(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_ReceiveReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  receive(metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_ReceiveReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  receive(options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_ReceiveReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  receive(callback: grpc.requestCallback<_migvisor_v1_ReceiveReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  
  /**
   * MigSource -> MigSink: move a task to a sink. Streams progress; the last message carries the statistics.
   */
  StopAndTransfer(argument: _migvisor_v1_StopAndTransferRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_MigrationProgress__Output>;
  StopAndTransfer(argument: _migvisor_v1_StopAndTransferRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_MigrationProgress__Output>;
  /**
   * MigSource -> MigSink: move a task to a sink. Streams progress; the last message carries the statistics.
   */
  stopAndTransfer(argument: _migvisor_v1_StopAndTransferRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_MigrationProgress__Output>;
  stopAndTransfer(argument: _migvisor_v1_StopAndTransferRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_MigrationProgress__Output>;
  
}

export interface MigTaskHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Discard a staged or receiving migration.
   */
  Abort: grpc.handleUnaryCall<_migvisor_v1_AbortRequest__Output, _migvisor_v1_AbortReply>;
  
  /**
   * Two-phase handoff, sink side: activate a staged task (idempotent).
   */
  Commit: grpc.handleUnaryCall<_migvisor_v1_CommitRequest__Output, _migvisor_v1_CommitReply>;
  
  /**
   * Post-copy, served by the source: pages a sink faulted on (a PAGES chunk).
   */
  FetchPages: grpc.handleUnaryCall<_migvisor_v1_FetchPagesRequest__Output, _migvisor_v1_Chunk>;
  
  /**
   * Any state: the node's CPU, and the state of a slot (or of a free slot of a partition).
   */
  Info: grpc.handleUnaryCall<_migvisor_v1_InfoRequest__Output, _migvisor_v1_InfoReply>;
  
  /**
   * MigSink -> MigSource: first boot of a program into a free slot.
   */
  Initialize: grpc.handleUnaryCall<_migvisor_v1_InitializeRequest__Output, _migvisor_v1_TaskSummary>;
  
  /**
   * Post-copy, served by the sink: the source pushes the remaining pages in the background.
   */
  PushPages: grpc.handleClientStreamingCall<_migvisor_v1_Chunk__Output, _migvisor_v1_PushPagesReply>;
  
  /**
   * What became of a migration: unknown, receiving, staged, active or aborted.
   */
  QueryMigration: grpc.handleUnaryCall<_migvisor_v1_QueryMigrationRequest__Output, _migvisor_v1_QueryMigrationReply>;
  
  /**
   * MigSink: receive a container. It is staged and verified; nothing runs until Commit.
   */
  Receive: grpc.handleClientStreamingCall<_migvisor_v1_Chunk__Output, _migvisor_v1_ReceiveReply>;
  
  /**
   * MigSource -> MigSink: move a task to a sink. Streams progress; the last message carries the statistics.
   */
  StopAndTransfer: grpc.handleServerStreamingCall<_migvisor_v1_StopAndTransferRequest__Output, _migvisor_v1_MigrationProgress>;
  
}

export interface MigTaskDefinition extends grpc.ServiceDefinition {
  Abort: MethodDefinition<_migvisor_v1_AbortRequest, _migvisor_v1_AbortReply, _migvisor_v1_AbortRequest__Output, _migvisor_v1_AbortReply__Output>
  Commit: MethodDefinition<_migvisor_v1_CommitRequest, _migvisor_v1_CommitReply, _migvisor_v1_CommitRequest__Output, _migvisor_v1_CommitReply__Output>
  FetchPages: MethodDefinition<_migvisor_v1_FetchPagesRequest, _migvisor_v1_Chunk, _migvisor_v1_FetchPagesRequest__Output, _migvisor_v1_Chunk__Output>
  Info: MethodDefinition<_migvisor_v1_InfoRequest, _migvisor_v1_InfoReply, _migvisor_v1_InfoRequest__Output, _migvisor_v1_InfoReply__Output>
  Initialize: MethodDefinition<_migvisor_v1_InitializeRequest, _migvisor_v1_TaskSummary, _migvisor_v1_InitializeRequest__Output, _migvisor_v1_TaskSummary__Output>
  PushPages: MethodDefinition<_migvisor_v1_Chunk, _migvisor_v1_PushPagesReply, _migvisor_v1_Chunk__Output, _migvisor_v1_PushPagesReply__Output>
  QueryMigration: MethodDefinition<_migvisor_v1_QueryMigrationRequest, _migvisor_v1_QueryMigrationReply, _migvisor_v1_QueryMigrationRequest__Output, _migvisor_v1_QueryMigrationReply__Output>
  Receive: MethodDefinition<_migvisor_v1_Chunk, _migvisor_v1_ReceiveReply, _migvisor_v1_Chunk__Output, _migvisor_v1_ReceiveReply__Output>
  StopAndTransfer: MethodDefinition<_migvisor_v1_StopAndTransferRequest, _migvisor_v1_MigrationProgress, _migvisor_v1_StopAndTransferRequest__Output, _migvisor_v1_MigrationProgress__Output>
}
