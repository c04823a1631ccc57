// Original file: proto/migvisor/v1/container.proto

import type { Long } from '@grpc/proto-loader';

export interface ContainerTrailer {
  /**
   * SHA-256 over all earlier chunk digests, in order
   */
  'containerSha256'?: (Buffer | Uint8Array | string);
  /**
   * chunks before the trailer
   */
  'chunks'?: (number | string | Long);
  /**
   * pages sent
   */
  'pages'?: (number | string | Long);
  /**
   * payload bytes before the trailer
   */
  'payloadBytes'?: (number | string | Long);
}

export interface ContainerTrailer__Output {
  /**
   * SHA-256 over all earlier chunk digests, in order
   */
  'containerSha256': (Buffer);
  /**
   * chunks before the trailer
   */
  'chunks': (number);
  /**
   * pages sent
   */
  'pages': (number);
  /**
   * payload bytes before the trailer
   */
  'payloadBytes': (number);
}
