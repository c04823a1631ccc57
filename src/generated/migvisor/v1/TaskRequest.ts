// Original file: proto/migvisor/v1/node.proto


export interface TaskRequest {
  'task'?: (string);
}

export interface TaskRequest__Output {
  'task': (string);
}
