// Original file: proto/migvisor/v1/migtask.proto


export interface QueryMigrationReply {
  'migrationId'?: (string);
  /**
   * unknown | receiving | staged | active | aborted
   */
  'outcome'?: (string);
  'taskId'?: (string);
  'slot'?: (string);
  'detail'?: (string);
}

export interface QueryMigrationReply__Output {
  'migrationId': (string);
  /**
   * unknown | receiving | staged | active | aborted
   */
  'outcome': (string);
  'taskId': (string);
  'slot': (string);
  'detail': (string);
}
