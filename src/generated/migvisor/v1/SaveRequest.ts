// Original file: proto/migvisor/v1/node.proto


export interface SaveRequest {
  'task'?: (string);
  /**
   * none | deflate | brotli
   */
  'compression'?: (string);
  'leaveRunning'?: (boolean);
}

export interface SaveRequest__Output {
  'task': (string);
  /**
   * none | deflate | brotli
   */
  'compression': (string);
  'leaveRunning': (boolean);
}
