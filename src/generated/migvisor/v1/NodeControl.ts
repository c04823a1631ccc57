// Original file: proto/migvisor/v1/node.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Chunk as _migvisor_v1_Chunk, Chunk__Output as _migvisor_v1_Chunk__Output } from '../../migvisor/v1/Chunk.ts';
import type { Event as _migvisor_v1_Event, Event__Output as _migvisor_v1_Event__Output } from '../../migvisor/v1/Event.ts';
import type { GateSendReply as _migvisor_v1_GateSendReply, GateSendReply__Output as _migvisor_v1_GateSendReply__Output } from '../../migvisor/v1/GateSendReply.ts';
import type { GateSendRequest as _migvisor_v1_GateSendRequest, GateSendRequest__Output as _migvisor_v1_GateSendRequest__Output } from '../../migvisor/v1/GateSendRequest.ts';
import type { PsReply as _migvisor_v1_PsReply, PsReply__Output as _migvisor_v1_PsReply__Output } from '../../migvisor/v1/PsReply.ts';
import type { PsRequest as _migvisor_v1_PsRequest, PsRequest__Output as _migvisor_v1_PsRequest__Output } from '../../migvisor/v1/PsRequest.ts';
import type { SaveDecision as _migvisor_v1_SaveDecision, SaveDecision__Output as _migvisor_v1_SaveDecision__Output } from '../../migvisor/v1/SaveDecision.ts';
import type { SaveRequest as _migvisor_v1_SaveRequest, SaveRequest__Output as _migvisor_v1_SaveRequest__Output } from '../../migvisor/v1/SaveRequest.ts';
import type { TaskRequest as _migvisor_v1_TaskRequest, TaskRequest__Output as _migvisor_v1_TaskRequest__Output } from '../../migvisor/v1/TaskRequest.ts';
import type { TaskSummary as _migvisor_v1_TaskSummary, TaskSummary__Output as _migvisor_v1_TaskSummary__Output } from '../../migvisor/v1/TaskSummary.ts';
import type { WatchRequest as _migvisor_v1_WatchRequest, WatchRequest__Output as _migvisor_v1_WatchRequest__Output } from '../../migvisor/v1/WatchRequest.ts';

export interface NodeControlClient extends grpc.Client {
  CancelSave(argument: _migvisor_v1_SaveDecision, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  CancelSave(argument: _migvisor_v1_SaveDecision, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  CancelSave(argument: _migvisor_v1_SaveDecision, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  CancelSave(argument: _migvisor_v1_SaveDecision, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  cancelSave(argument: _migvisor_v1_SaveDecision, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  cancelSave(argument: _migvisor_v1_SaveDecision, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  cancelSave(argument: _migvisor_v1_SaveDecision, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  cancelSave(argument: _migvisor_v1_SaveDecision, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  
  ConfirmSave(argument: _migvisor_v1_SaveDecision, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  ConfirmSave(argument: _migvisor_v1_SaveDecision, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  ConfirmSave(argument: _migvisor_v1_SaveDecision, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  ConfirmSave(argument: _migvisor_v1_SaveDecision, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  confirmSave(argument: _migvisor_v1_SaveDecision, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  confirmSave(argument: _migvisor_v1_SaveDecision, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  confirmSave(argument: _migvisor_v1_SaveDecision, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  confirmSave(argument: _migvisor_v1_SaveDecision, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  
  /**
   * Clone a task into another free slot of its partition (new id, independent memory).
   */
  Copy(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Copy(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Copy(argument: _migvisor_v1_TaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Copy(argument: _migvisor_v1_TaskRequest, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  /**
   * Clone a task into another free slot of its partition (new id, independent memory).
   */
  copy(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  copy(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  copy(argument: _migvisor_v1_TaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  copy(argument: _migvisor_v1_TaskRequest, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  
  /**
   * Put a message on one of the node's gates (as a sender outside the node).
   */
  GateSend(argument: _migvisor_v1_GateSendRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_GateSendReply__Output>): grpc.ClientUnaryCall;
  GateSend(argument: _migvisor_v1_GateSendRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_GateSendReply__Output>): grpc.ClientUnaryCall;
  GateSend(argument: _migvisor_v1_GateSendRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_GateSendReply__Output>): grpc.ClientUnaryCall;
  GateSend(argument: _migvisor_v1_GateSendRequest, callback: grpc.requestCallback<_migvisor_v1_GateSendReply__Output>): grpc.ClientUnaryCall;
  /**
   * Put a message on one of the node's gates (as a sender outside the node).
   */
  gateSend(argument: _migvisor_v1_GateSendRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_GateSendReply__Output>): grpc.ClientUnaryCall;
  gateSend(argument: _migvisor_v1_GateSendRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_GateSendReply__Output>): grpc.ClientUnaryCall;
  gateSend(argument: _migvisor_v1_GateSendRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_GateSendReply__Output>): grpc.ClientUnaryCall;
  gateSend(argument: _migvisor_v1_GateSendRequest, callback: grpc.requestCallback<_migvisor_v1_GateSendReply__Output>): grpc.ClientUnaryCall;
  
  Kill(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Kill(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Kill(argument: _migvisor_v1_TaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Kill(argument: _migvisor_v1_TaskRequest, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  kill(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  kill(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  kill(argument: _migvisor_v1_TaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  kill(argument: _migvisor_v1_TaskRequest, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  
  /**
   * Restore a saved container into a free MigSink slot.
   */
  Load(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  Load(metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  Load(options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  Load(callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  /**
   * Restore a saved container into a free MigSink slot.
   */
  load(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  load(metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  load(options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  load(callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  
  Pause(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Pause(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Pause(argument: _migvisor_v1_TaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Pause(argument: _migvisor_v1_TaskRequest, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  pause(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  pause(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  pause(argument: _migvisor_v1_TaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  pause(argument: _migvisor_v1_TaskRequest, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  
  Ps(argument: _migvisor_v1_PsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_PsReply__Output>): grpc.ClientUnaryCall;
  Ps(argument: _migvisor_v1_PsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_PsReply__Output>): grpc.ClientUnaryCall;
  Ps(argument: _migvisor_v1_PsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_PsReply__Output>): grpc.ClientUnaryCall;
  Ps(argument: _migvisor_v1_PsRequest, callback: grpc.requestCallback<_migvisor_v1_PsReply__Output>): grpc.ClientUnaryCall;
  ps(argument: _migvisor_v1_PsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_PsReply__Output>): grpc.ClientUnaryCall;
  ps(argument: _migvisor_v1_PsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_PsReply__Output>): grpc.ClientUnaryCall;
  ps(argument: _migvisor_v1_PsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_PsReply__Output>): grpc.ClientUnaryCall;
  ps(argument: _migvisor_v1_PsRequest, callback: grpc.requestCallback<_migvisor_v1_PsReply__Output>): grpc.ClientUnaryCall;
  
  Resume(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Resume(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Resume(argument: _migvisor_v1_TaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  Resume(argument: _migvisor_v1_TaskRequest, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  resume(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  resume(argument: _migvisor_v1_TaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  resume(argument: _migvisor_v1_TaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  resume(argument: _migvisor_v1_TaskRequest, callback: grpc.requestCallback<_migvisor_v1_TaskSummary__Output>): grpc.ClientUnaryCall;
  
  /**
   * Checkpoint a task as a container stream. The task is stopped while it streams.
   * With leave_running it resumes at once; otherwise it stays stopped until the
   * client confirms it stored the container (ConfirmSave: the slot is freed) or
   * gives up (CancelSave, or no word within the hold time: the task resumes).
   */
  Save(argument: _migvisor_v1_SaveRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_Chunk__Output>;
  Save(argument: _migvisor_v1_SaveRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_Chunk__Output>;
  /**
   * Checkpoint a task as a container stream. The task is stopped while it streams.
   * With leave_running it resumes at once; otherwise it stays stopped until the
   * client confirms it stored the container (ConfirmSave: the slot is freed) or
   * gives up (CancelSave, or no word within the hold time: the task resumes).
   */
  save(argument: _migvisor_v1_SaveRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_Chunk__Output>;
  save(argument: _migvisor_v1_SaveRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_Chunk__Output>;
  
  /**
   * Console lines, transitions, faults (health monitor), exits and migrations, as they happen.
   */
  Watch(argument: _migvisor_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_Event__Output>;
  Watch(argument: _migvisor_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_Event__Output>;
  /**
   * Console lines, transitions, faults (health monitor), exits and migrations, as they happen.
   */
  watch(argument: _migvisor_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_Event__Output>;
  watch(argument: _migvisor_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_migvisor_v1_Event__Output>;
  
}

export interface NodeControlHandlers extends grpc.UntypedServiceImplementation {
  CancelSave: grpc.handleUnaryCall<_migvisor_v1_SaveDecision__Output, _migvisor_v1_TaskSummary>;
  
  ConfirmSave: grpc.handleUnaryCall<_migvisor_v1_SaveDecision__Output, _migvisor_v1_TaskSummary>;
  
  /**
   * Clone a task into another free slot of its partition (new id, independent memory).
   */
  Copy: grpc.handleUnaryCall<_migvisor_v1_TaskRequest__Output, _migvisor_v1_TaskSummary>;
  
  /**
   * Put a message on one of the node's gates (as a sender outside the node).
   */
  GateSend: grpc.handleUnaryCall<_migvisor_v1_GateSendRequest__Output, _migvisor_v1_GateSendReply>;
  
  Kill: grpc.handleUnaryCall<_migvisor_v1_TaskRequest__Output, _migvisor_v1_TaskSummary>;
  
  /**
   * Restore a saved container into a free MigSink slot.
   */
  Load: grpc.handleClientStreamingCall<_migvisor_v1_Chunk__Output, _migvisor_v1_TaskSummary>;
  
  Pause: grpc.handleUnaryCall<_migvisor_v1_TaskRequest__Output, _migvisor_v1_TaskSummary>;
  
  Ps: grpc.handleUnaryCall<_migvisor_v1_PsRequest__Output, _migvisor_v1_PsReply>;
  
  Resume: grpc.handleUnaryCall<_migvisor_v1_TaskRequest__Output, _migvisor_v1_TaskSummary>;
  
  /**
   * Checkpoint a task as a container stream. The task is stopped while it streams.
   * With leave_running it resumes at once; otherwise it stays stopped until the
   * client confirms it stored the container (ConfirmSave: the slot is freed) or
   * gives up (CancelSave, or no word within the hold time: the task resumes).
   */
  Save: grpc.handleServerStreamingCall<_migvisor_v1_SaveRequest__Output, _migvisor_v1_Chunk>;
  
  /**
   * Console lines, transitions, faults (health monitor), exits and migrations, as they happen.
   */
  Watch: grpc.handleServerStreamingCall<_migvisor_v1_WatchRequest__Output, _migvisor_v1_Event>;
  
}

export interface NodeControlDefinition extends grpc.ServiceDefinition {
  CancelSave: MethodDefinition<_migvisor_v1_SaveDecision, _migvisor_v1_TaskSummary, _migvisor_v1_SaveDecision__Output, _migvisor_v1_TaskSummary__Output>
  ConfirmSave: MethodDefinition<_migvisor_v1_SaveDecision, _migvisor_v1_TaskSummary, _migvisor_v1_SaveDecision__Output, _migvisor_v1_TaskSummary__Output>
  Copy: MethodDefinition<_migvisor_v1_TaskRequest, _migvisor_v1_TaskSummary, _migvisor_v1_TaskRequest__Output, _migvisor_v1_TaskSummary__Output>
  GateSend: MethodDefinition<_migvisor_v1_GateSendRequest, _migvisor_v1_GateSendReply, _migvisor_v1_GateSendRequest__Output, _migvisor_v1_GateSendReply__Output>
  Kill: MethodDefinition<_migvisor_v1_TaskRequest, _migvisor_v1_TaskSummary, _migvisor_v1_TaskRequest__Output, _migvisor_v1_TaskSummary__Output>
  Load: MethodDefinition<_migvisor_v1_Chunk, _migvisor_v1_TaskSummary, _migvisor_v1_Chunk__Output, _migvisor_v1_TaskSummary__Output>
  Pause: MethodDefinition<_migvisor_v1_TaskRequest, _migvisor_v1_TaskSummary, _migvisor_v1_TaskRequest__Output, _migvisor_v1_TaskSummary__Output>
  Ps: MethodDefinition<_migvisor_v1_PsRequest, _migvisor_v1_PsReply, _migvisor_v1_PsRequest__Output, _migvisor_v1_PsReply__Output>
  Resume: MethodDefinition<_migvisor_v1_TaskRequest, _migvisor_v1_TaskSummary, _migvisor_v1_TaskRequest__Output, _migvisor_v1_TaskSummary__Output>
  Save: MethodDefinition<_migvisor_v1_SaveRequest, _migvisor_v1_Chunk, _migvisor_v1_SaveRequest__Output, _migvisor_v1_Chunk__Output>
  Watch: MethodDefinition<_migvisor_v1_WatchRequest, _migvisor_v1_Event, _migvisor_v1_WatchRequest__Output, _migvisor_v1_Event__Output>
}
