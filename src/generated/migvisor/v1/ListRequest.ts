// Original file: proto/migvisor/v1/middleware.proto

import type { Label as _migvisor_v1_Label, Label__Output as _migvisor_v1_Label__Output } from '../../migvisor/v1/Label.ts';

export interface ListRequest {
  /**
   * only snapshots carrying all of these
   */
  'labels'?: (_migvisor_v1_Label)[];
}

export interface ListRequest__Output {
  /**
   * only snapshots carrying all of these
   */
  'labels': (_migvisor_v1_Label__Output)[];
}
