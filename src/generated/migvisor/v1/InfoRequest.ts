// Original file: proto/migvisor/v1/migtask.proto


export interface InfoRequest {
  /**
   * a task id or a slot ("ctrl/1"); empty: see partition
   */
  'task'?: (string);
  /**
   * describe a free MigSink slot of this partition
   */
  'partition'?: (string);
}

export interface InfoRequest__Output {
  /**
   * a task id or a slot ("ctrl/1"); empty: see partition
   */
  'task': (string);
  /**
   * describe a free MigSink slot of this partition
   */
  'partition': (string);
}
