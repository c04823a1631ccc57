// Original file: proto/migvisor/v1/middleware.proto


export interface Label {
  'key'?: (string);
  'value'?: (string);
}

export interface Label__Output {
  'key': (string);
  'value': (string);
}
