// Original file: proto/migvisor/v1/migtask.proto


export interface StopAndTransferRequest {
  'task'?: (string);
  /**
   * host:port of the sink (a node or the middleware)
   */
  'sink'?: (string);
  /**
   * full | lazy | precopy
   */
  'mode'?: (string);
  /**
   * auto | none | deflate | brotli
   */
  'compression'?: (string);
  /**
   * whole migration; 0: default
   */
  'deadlineMs'?: (number);
  'precopyMaxRounds'?: (number);
  'precopyStopPages'?: (number);
  /**
   * for statistics and forwarding records
   */
  'sinkName'?: (string);
}

export interface StopAndTransferRequest__Output {
  'task': (string);
  /**
   * host:port of the sink (a node or the middleware)
   */
  'sink': (string);
  /**
   * full | lazy | precopy
   */
  'mode': (string);
  /**
   * auto | none | deflate | brotli
   */
  'compression': (string);
  /**
   * whole migration; 0: default
   */
  'deadlineMs': (number);
  'precopyMaxRounds': (number);
  'precopyStopPages': (number);
  /**
   * for statistics and forwarding records
   */
  'sinkName': (string);
}
