// Original file: proto/migvisor/v1/migtask.proto


export interface InitializeRequest {
  'partition'?: (string);
  'programName'?: (string);
  /**
   * assembly source, assembled for the partition
   */
  'programSource'?: (string);
  /**
   * or an object file from `migvisor asm -o`
   */
  'programObject'?: (Buffer | Uint8Array | string);
  'travelers'?: (number);
  'priority'?: (number);
}

export interface InitializeRequest__Output {
  'partition': (string);
  'programName': (string);
  /**
   * assembly source, assembled for the partition
   */
  'programSource': (string);
  /**
   * or an object file from `migvisor asm -o`
   */
  'programObject': (Buffer);
  'travelers': (number);
  'priority': (number);
}
