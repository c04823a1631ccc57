// Original file: proto/migvisor/v1/container.proto

import type { WaitState as _migvisor_v1_WaitState, WaitState__Output as _migvisor_v1_WaitState__Output } from '../../migvisor/v1/WaitState.ts';
import type { FaultState as _migvisor_v1_FaultState, FaultState__Output as _migvisor_v1_FaultState__Output } from '../../migvisor/v1/FaultState.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * One traveler's state.
 */
export interface TravelerState {
  'id'?: (number);
  /**
   * r0..r15, 8 bytes each, little-endian two's complement
   */
  'registers'?: (Buffer | Uint8Array | string);
  'pc'?: (number | string | Long);
  /**
   * NZCV
   */
  'flags'?: (number);
  /**
   * ready | waiting | exited | faulted
   */
  'status'?: (string);
  'priority'?: (number);
  'instructions'?: (number | string | Long);
  'wait'?: (_migvisor_v1_WaitState | null);
  'hasExitCode'?: (boolean);
  'exitCode'?: (number | string | Long);
  'fault'?: (_migvisor_v1_FaultState | null);
  /**
   * open at migration: next use gives E_CLOSED
   */
  'closedHandles'?: (number)[];
  /**
   * console text not yet ended by a newline
   */
  'pendingConsole'?: (string);
}

/**
 * One traveler's state.
 */
export interface TravelerState__Output {
  'id': (number);
  /**
   * r0..r15, 8 bytes each, little-endian two's complement
   */
  'registers': (Buffer);
  'pc': (number);
  /**
   * NZCV
   */
  'flags': (number);
  /**
   * ready | waiting | exited | faulted
   */
  'status': (string);
  'priority': (number);
  'instructions': (number);
  'wait': (_migvisor_v1_WaitState__Output | null);
  'hasExitCode': (boolean);
  'exitCode': (number);
  'fault': (_migvisor_v1_FaultState__Output | null);
  /**
   * open at migration: next use gives E_CLOSED
   */
  'closedHandles': (number)[];
  /**
   * console text not yet ended by a newline
   */
  'pendingConsole': (string);
}
