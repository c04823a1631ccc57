// Original file: proto/migvisor/v1/node.proto


export interface GateSendRequest {
  'gate'?: (string);
  'message'?: (Buffer | Uint8Array | string);
}

export interface GateSendRequest__Output {
  'gate': (string);
  'message': (Buffer);
}
