// Original file: proto/migvisor/v1/node.proto


export interface GateSendReply {
  'queued'?: (number);
  /**
   * node that queued it (after forwarding)
   */
  'deliveredTo'?: (string);
}

export interface GateSendReply__Output {
  'queued': (number);
  /**
   * node that queued it (after forwarding)
   */
  'deliveredTo': (string);
}
