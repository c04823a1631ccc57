// Original file: proto/migvisor/v1/middleware.proto


export interface SnapshotRef {
  'snapshot'?: (string);
  /**
   * Delete: also a parked snapshot (the only copy of its task)
   */
  'force'?: (boolean);
}

export interface SnapshotRef__Output {
  'snapshot': (string);
  /**
   * Delete: also a parked snapshot (the only copy of its task)
   */
  'force': (boolean);
}
