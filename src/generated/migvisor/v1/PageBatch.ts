// Original file: proto/migvisor/v1/container.proto


export interface PageBatch {
  /**
   * page-table indices
   */
  'index'?: (number)[];
  /**
   * index.length * page_size bytes
   */
  'data'?: (Buffer | Uint8Array | string);
  /**
   * pages that are all zeros (post-copy sends them without data)
   */
  'zero'?: (number)[];
}

export interface PageBatch__Output {
  /**
   * page-table indices
   */
  'index': (number)[];
  /**
   * index.length * page_size bytes
   */
  'data': (Buffer);
  /**
   * pages that are all zeros (post-copy sends them without data)
   */
  'zero': (number)[];
}
