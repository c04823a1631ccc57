// Original file: proto/migvisor/v1/container.proto


export interface GateMessages {
  'gate'?: (string);
  /**
   * oldest first
   */
  'messages'?: (Buffer | Uint8Array | string)[];
}

export interface GateMessages__Output {
  'gate': (string);
  /**
   * oldest first
   */
  'messages': (Buffer)[];
}
