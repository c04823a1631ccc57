// Original file: proto/migvisor/v1/container.proto

import type { Long } from '@grpc/proto-loader';

export interface WaitState {
  /**
   * sleep | gate_recv | gate_send | page
   */
  'kind'?: (string);
  /**
   * sleep: ticks remaining at the snapshot
   */
  'until'?: (number | string | Long);
  'gate'?: (string);
  'buf'?: (number | string | Long);
  'max'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  'page'?: (number);
}

export interface WaitState__Output {
  /**
   * sleep | gate_recv | gate_send | page
   */
  'kind': (string);
  /**
   * sleep: ticks remaining at the snapshot
   */
  'until': (number);
  'gate': (string);
  'buf': (number);
  'max': (number);
  'data': (Buffer);
  'page': (number);
}
