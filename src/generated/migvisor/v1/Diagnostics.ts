// Original file: proto/migvisor/v1/diagnostics.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Chunk as _migvisor_v1_Chunk, Chunk__Output as _migvisor_v1_Chunk__Output } from '../../migvisor/v1/Chunk.ts';
import type { DiscardReply as _migvisor_v1_DiscardReply, DiscardReply__Output as _migvisor_v1_DiscardReply__Output } from '../../migvisor/v1/DiscardReply.ts';
import type { StreamToReply as _migvisor_v1_StreamToReply, StreamToReply__Output as _migvisor_v1_StreamToReply__Output } from '../../migvisor/v1/StreamToReply.ts';
import type { StreamToRequest as _migvisor_v1_StreamToRequest, StreamToRequest__Output as _migvisor_v1_StreamToRequest__Output } from '../../migvisor/v1/StreamToRequest.ts';

export interface DiagnosticsClient extends grpc.Client {
  /**
   * Counts and drops a stream of chunks.
   */
  Discard(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_DiscardReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  Discard(metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_DiscardReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  Discard(options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_DiscardReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  Discard(callback: grpc.requestCallback<_migvisor_v1_DiscardReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  /**
   * Counts and drops a stream of chunks.
   */
  discard(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_DiscardReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  discard(metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_DiscardReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  discard(options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_DiscardReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  discard(callback: grpc.requestCallback<_migvisor_v1_DiscardReply__Output>): grpc.ClientWritableStream<_migvisor_v1_Chunk>;
  
  /**
   * Streams `bytes` bytes of random payload in Chunks of `chunk_bytes` to the
   * Diagnostics.Discard of `target`, and reports how long it took.
   */
  StreamTo(argument: _migvisor_v1_StreamToRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_StreamToReply__Output>): grpc.ClientUnaryCall;
  StreamTo(argument: _migvisor_v1_StreamToRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_StreamToReply__Output>): grpc.ClientUnaryCall;
  StreamTo(argument: _migvisor_v1_StreamToRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_StreamToReply__Output>): grpc.ClientUnaryCall;
  StreamTo(argument: _migvisor_v1_StreamToRequest, callback: grpc.requestCallback<_migvisor_v1_StreamToReply__Output>): grpc.ClientUnaryCall;
  /**
   * Streams `bytes` bytes of random payload in Chunks of `chunk_bytes` to the
   * Diagnostics.Discard of `target`, and reports how long it took.
   */
  streamTo(argument: _migvisor_v1_StreamToRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_StreamToReply__Output>): grpc.ClientUnaryCall;
  streamTo(argument: _migvisor_v1_StreamToRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_migvisor_v1_StreamToReply__Output>): grpc.ClientUnaryCall;
  streamTo(argument: _migvisor_v1_StreamToRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_migvisor_v1_StreamToReply__Output>): grpc.ClientUnaryCall;
  streamTo(argument: _migvisor_v1_StreamToRequest, callback: grpc.requestCallback<_migvisor_v1_StreamToReply__Output>): grpc.ClientUnaryCall;
  
}

export interface DiagnosticsHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Counts and drops a stream of chunks.
   */
  Discard: grpc.handleClientStreamingCall<_migvisor_v1_Chunk__Output, _migvisor_v1_DiscardReply>;
  
  /**
   * Streams `bytes` bytes of random payload in Chunks of `chunk_bytes` to the
   * Diagnostics.Discard of `target`, and reports how long it took.
   */
  StreamTo: grpc.handleUnaryCall<_migvisor_v1_StreamToRequest__Output, _migvisor_v1_StreamToReply>;
  
}

export interface DiagnosticsDefinition extends grpc.ServiceDefinition {
  Discard: MethodDefinition<_migvisor_v1_Chunk, _migvisor_v1_DiscardReply, _migvisor_v1_Chunk__Output, _migvisor_v1_DiscardReply__Output>
  StreamTo: MethodDefinition<_migvisor_v1_StreamToRequest, _migvisor_v1_StreamToReply, _migvisor_v1_StreamToRequest__Output, _migvisor_v1_StreamToReply__Output>
}
