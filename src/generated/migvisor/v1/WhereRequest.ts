// Original file: proto/migvisor/v1/middleware.proto


export interface WhereRequest {
  'task'?: (string);
}

export interface WhereRequest__Output {
  'task': (string);
}
