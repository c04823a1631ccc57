// Original file: proto/migvisor/v1/middleware.proto


export interface WhereReply {
  'task'?: (string);
  /**
   * node name, empty when parked or unknown
   */
  'node'?: (string);
  'address'?: (string);
  /**
   * running | parked | unknown
   */
  'state'?: (string);
  /**
   * when parked
   */
  'snapshot'?: (string);
}

export interface WhereReply__Output {
  'task': (string);
  /**
   * node name, empty when parked or unknown
   */
  'node': (string);
  'address': (string);
  /**
   * running | parked | unknown
   */
  'state': (string);
  /**
   * when parked
   */
  'snapshot': (string);
}
