// Original file: proto/migvisor/v1/migtask.proto


export interface AbortReply {
  'migrationId'?: (string);
  'outcome'?: (string);
}

export interface AbortReply__Output {
  'migrationId': (string);
  'outcome': (string);
}
