// Original file: proto/migvisor/v1/container.proto

import type { ChunkKind as _migvisor_v1_ChunkKind, ChunkKind__Output as _migvisor_v1_ChunkKind__Output } from '../../migvisor/v1/ChunkKind.ts';
import type { Encoding as _migvisor_v1_Encoding, Encoding__Output as _migvisor_v1_Encoding__Output } from '../../migvisor/v1/Encoding.ts';
import type { Long } from '@grpc/proto-loader';

export interface Chunk {
  'seq'?: (number | string | Long);
  'kind'?: (_migvisor_v1_ChunkKind);
  /**
   * how payload is encoded (pages only)
   */
  'encoding'?: (_migvisor_v1_Encoding);
  'payload'?: (Buffer | Uint8Array | string);
  /**
   * SHA-256 of payload, as sent
   */
  'sha256'?: (Buffer | Uint8Array | string);
}

export interface Chunk__Output {
  'seq': (number);
  'kind': (_migvisor_v1_ChunkKind__Output);
  /**
   * how payload is encoded (pages only)
   */
  'encoding': (_migvisor_v1_Encoding__Output);
  'payload': (Buffer);
  /**
   * SHA-256 of payload, as sent
   */
  'sha256': (Buffer);
}
