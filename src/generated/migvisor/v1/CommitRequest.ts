// Original file: proto/migvisor/v1/migtask.proto


export interface CommitRequest {
  'migrationId'?: (string);
}

export interface CommitRequest__Output {
  'migrationId': (string);
}
