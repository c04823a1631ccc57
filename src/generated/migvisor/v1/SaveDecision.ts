// Original file: proto/migvisor/v1/node.proto


export interface SaveDecision {
  /**
   * from the container header
   */
  'migrationId'?: (string);
}

export interface SaveDecision__Output {
  /**
   * from the container header
   */
  'migrationId': (string);
}
