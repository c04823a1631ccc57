// Original file: proto/migvisor/v1/node.proto

import type { Long } from '@grpc/proto-loader';

export interface Event {
  'kind'?: (string);
  'node'?: (string);
  'tick'?: (number | string | Long);
  'task'?: (string);
  'traveler'?: (number);
  'text'?: (string);
  'slot'?: (string);
  'from'?: (string);
  'to'?: (string);
  'command'?: (string);
  'fault'?: (string);
  'message'?: (string);
  'pc'?: (number | string | Long);
  'code'?: (number | string | Long);
  'phase'?: (string);
  'detail'?: (string);
}

export interface Event__Output {
  'kind': (string);
  'node': (string);
  'tick': (number);
  'task': (string);
  'traveler': (number);
  'text': (string);
  'slot': (string);
  'from': (string);
  'to': (string);
  'command': (string);
  'fault': (string);
  'message': (string);
  'pc': (number);
  'code': (number);
  'phase': (string);
  'detail': (string);
}
