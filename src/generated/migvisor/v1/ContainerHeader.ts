// Original file: proto/migvisor/v1/container.proto

import type { Endian as _migvisor_v1_Endian, Endian__Output as _migvisor_v1_Endian__Output } from '../../migvisor/v1/Endian.ts';
import type { TravelerState as _migvisor_v1_TravelerState, TravelerState__Output as _migvisor_v1_TravelerState__Output } from '../../migvisor/v1/TravelerState.ts';
import type { GateMessages as _migvisor_v1_GateMessages, GateMessages__Output as _migvisor_v1_GateMessages__Output } from '../../migvisor/v1/GateMessages.ts';
import type { Long } from '@grpc/proto-loader';

export interface ContainerHeader {
  /**
   * 1
   */
  'formatVersion'?: (number);
  'migrationId'?: (string);
  'taskId'?: (string);
  'program'?: (string);
  'sourceNode'?: (string);
  'partition'?: (string);
  'fingerprint'?: (string);
  /**
   * canonical settings, to explain a mismatch
   */
  'partitionSettingsJson'?: (string);
  'wordSize'?: (number);
  'endian'?: (_migvisor_v1_Endian);
  'pageSize'?: (number);
  'pageCount'?: (number);
  /**
   * One byte per page, in page-table order: bit 0 present, bit 1 dirty,
   * bit 2 read, bit 3 write, bit 4 exec, bit 7 zero (elided: not sent).
   */
  'pageFlags'?: (Buffer | Uint8Array | string);
  'travelers'?: (_migvisor_v1_TravelerState)[];
  'paused'?: (boolean);
  'sourceTick'?: (number | string | Long);
  'createdUnixMs'?: (number | string | Long);
  /**
   * full | lazy | precopy | save | park
   */
  'mode'?: (string);
  /**
   * queued messages that follow the task
   */
  'gates'?: (_migvisor_v1_GateMessages)[];
  /**
   * pages in PAGES chunks (present and not zero)
   */
  'pagesToSend'?: (number);
  /**
   * post-copy: where the sink fetches the pages it lacks
   */
  'sourceAddress'?: (string);
}

export interface ContainerHeader__Output {
  /**
   * 1
   */
  'formatVersion': (number);
  'migrationId': (string);
  'taskId': (string);
  'program': (string);
  'sourceNode': (string);
  'partition': (string);
  'fingerprint': (string);
  /**
   * canonical settings, to explain a mismatch
   */
  'partitionSettingsJson': (string);
  'wordSize': (number);
  'endian': (_migvisor_v1_Endian__Output);
  'pageSize': (number);
  'pageCount': (number);
  /**
   * One byte per page, in page-table order: bit 0 present, bit 1 dirty,
   * bit 2 read, bit 3 write, bit 4 exec, bit 7 zero (elided: not sent).
   */
  'pageFlags': (Buffer);
  'travelers': (_migvisor_v1_TravelerState__Output)[];
  'paused': (boolean);
  'sourceTick': (number);
  'createdUnixMs': (number);
  /**
   * full | lazy | precopy | save | park
   */
  'mode': (string);
  /**
   * queued messages that follow the task
   */
  'gates': (_migvisor_v1_GateMessages__Output)[];
  /**
   * pages in PAGES chunks (present and not zero)
   */
  'pagesToSend': (number);
  /**
   * post-copy: where the sink fetches the pages it lacks
   */
  'sourceAddress': (string);
}
