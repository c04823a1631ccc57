// Original file: proto/migvisor/v1/middleware.proto

import type { Label as _migvisor_v1_Label, Label__Output as _migvisor_v1_Label__Output } from '../../migvisor/v1/Label.ts';

export interface ParkRequest {
  'task'?: (string);
  /**
   * name or host:port
   */
  'node'?: (string);
  'labels'?: (_migvisor_v1_Label)[];
  'compression'?: (string);
}

export interface ParkRequest__Output {
  'task': (string);
  /**
   * name or host:port
   */
  'node': (string);
  'labels': (_migvisor_v1_Label__Output)[];
  'compression': (string);
}
