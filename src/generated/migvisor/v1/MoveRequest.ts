// Original file: proto/migvisor/v1/middleware.proto


export interface MoveRequest {
  'task'?: (string);
  'to'?: (string);
  /**
   * optional: found through the directory
   */
  'from'?: (string);
  'mode'?: (string);
  'compression'?: (string);
}

export interface MoveRequest__Output {
  'task': (string);
  'to': (string);
  /**
   * optional: found through the directory
   */
  'from': (string);
  'mode': (string);
  'compression': (string);
}
