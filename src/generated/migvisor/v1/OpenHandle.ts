// Original file: proto/migvisor/v1/types.proto


export interface OpenHandle {
  'handle'?: (number);
  'provider'?: (string);
  'path'?: (string);
}

export interface OpenHandle__Output {
  'handle': (number);
  'provider': (string);
  'path': (string);
}
