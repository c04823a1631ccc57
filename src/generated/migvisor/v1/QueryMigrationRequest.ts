// Original file: proto/migvisor/v1/migtask.proto


export interface QueryMigrationRequest {
  'migrationId'?: (string);
}

export interface QueryMigrationRequest__Output {
  'migrationId': (string);
}
