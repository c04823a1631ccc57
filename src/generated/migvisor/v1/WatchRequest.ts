// Original file: proto/migvisor/v1/node.proto


export interface WatchRequest {
  /**
   * console, transition, fault, exit, migration; empty: all
   */
  'kinds'?: (string)[];
  /**
   * only this task; empty: all
   */
  'task'?: (string);
}

export interface WatchRequest__Output {
  /**
   * console, transition, fault, exit, migration; empty: all
   */
  'kinds': (string)[];
  /**
   * only this task; empty: all
   */
  'task': (string);
}
