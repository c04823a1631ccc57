// Original file: proto/migvisor/v1/migtask.proto

import type { Endian as _migvisor_v1_Endian, Endian__Output as _migvisor_v1_Endian__Output } from '../../migvisor/v1/Endian.ts';
import type { Encoding as _migvisor_v1_Encoding, Encoding__Output as _migvisor_v1_Encoding__Output } from '../../migvisor/v1/Encoding.ts';
import type { Long } from '@grpc/proto-loader';

export interface InfoReply {
  'node'?: (string);
  'wordSize'?: (number);
  'endian'?: (_migvisor_v1_Endian);
  'pageSize'?: (number);
  'compression'?: (_migvisor_v1_Encoding)[];
  /**
   * MigSink, Receiving, Staged, MigSource, Transferring, Committing (empty: node only)
   */
  'state'?: (string);
  'taskId'?: (string);
  'slot'?: (string);
  'partition'?: (string);
  'migratable'?: (boolean);
  'fingerprint'?: (string);
  'partitionSettingsJson'?: (string);
  'acceptedCommands'?: (string)[];
  /**
   * MigSink slots of the partition
   */
  'freeSlots'?: (number);
  /**
   * memory one task of the partition needs
   */
  'slotBytes'?: (number | string | Long);
  /**
   * the task left this node for that node
   */
  'forwardedTo'?: (string);
  'tick'?: (number | string | Long);
  /**
   * "gate -> node": gates whose messages follow a task that left
   */
  'gateForwards'?: (string)[];
  /**
   * the middleware: it stores tasks of any partition (checked at restore)
   */
  'archive'?: (boolean);
}

export interface InfoReply__Output {
  'node': (string);
  'wordSize': (number);
  'endian': (_migvisor_v1_Endian__Output);
  'pageSize': (number);
  'compression': (_migvisor_v1_Encoding__Output)[];
  /**
   * MigSink, Receiving, Staged, MigSource, Transferring, Committing (empty: node only)
   */
  'state': (string);
  'taskId': (string);
  'slot': (string);
  'partition': (string);
  'migratable': (boolean);
  'fingerprint': (string);
  'partitionSettingsJson': (string);
  'acceptedCommands': (string)[];
  /**
   * MigSink slots of the partition
   */
  'freeSlots': (number);
  /**
   * memory one task of the partition needs
   */
  'slotBytes': (number);
  /**
   * the task left this node for that node
   */
  'forwardedTo': (string);
  'tick': (number);
  /**
   * "gate -> node": gates whose messages follow a task that left
   */
  'gateForwards': (string)[];
  /**
   * the middleware: it stores tasks of any partition (checked at restore)
   */
  'archive': (boolean);
}
