// Original file: proto/migvisor/v1/migtask.proto


export interface CommitReply {
  'migrationId'?: (string);
  'taskId'?: (string);
  'slot'?: (string);
  'state'?: (string);
}

export interface CommitReply__Output {
  'migrationId': (string);
  'taskId': (string);
  'slot': (string);
  'state': (string);
}
