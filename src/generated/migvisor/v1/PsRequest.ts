// Original file: proto/migvisor/v1/node.proto


export interface PsRequest {
  /**
   * include memory hashes (costs a pass over memory)
   */
  'hashes'?: (boolean);
}

export interface PsRequest__Output {
  /**
   * include memory hashes (costs a pass over memory)
   */
  'hashes': (boolean);
}
