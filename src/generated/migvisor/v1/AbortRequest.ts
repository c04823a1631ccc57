// Original file: proto/migvisor/v1/migtask.proto


export interface AbortRequest {
  'migrationId'?: (string);
  'reason'?: (string);
}

export interface AbortRequest__Output {
  'migrationId': (string);
  'reason': (string);
}
