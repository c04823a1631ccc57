// Original file: proto/migvisor/v1/middleware.proto


export interface RestoreRequest {
  /**
   * id (a unique prefix is enough)
   */
  'snapshot'?: (string);
  'node'?: (string);
  /**
   * restore an archived snapshot again, under a new task id
   */
  'asCopy'?: (boolean);
}

export interface RestoreRequest__Output {
  /**
   * id (a unique prefix is enough)
   */
  'snapshot': (string);
  'node': (string);
  /**
   * restore an archived snapshot again, under a new task id
   */
  'asCopy': (boolean);
}
