// Original file: proto/migvisor/v1/migtask.proto


export interface FetchPagesRequest {
  'migrationId'?: (string);
  'pages'?: (number)[];
}

export interface FetchPagesRequest__Output {
  'migrationId': (string);
  'pages': (number)[];
}
