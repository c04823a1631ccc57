// Original file: proto/migvisor/v1/middleware.proto


export interface EvacuateRequest {
  'node'?: (string);
  'mode'?: (string);
}

export interface EvacuateRequest__Output {
  'node': (string);
  'mode': (string);
}
