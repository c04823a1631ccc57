// Original file: proto/migvisor/v1/container.proto

export const ChunkKind = {
  CHUNK_KIND_UNSPECIFIED: 'CHUNK_KIND_UNSPECIFIED',
  /**
   * payload: ContainerHeader
   */
  CHUNK_KIND_HEADER: 'CHUNK_KIND_HEADER',
  /**
   * payload: PageBatch (possibly compressed)
   */
  CHUNK_KIND_PAGES: 'CHUNK_KIND_PAGES',
  /**
   * payload: ContainerTrailer
   */
  CHUNK_KIND_TRAILER: 'CHUNK_KIND_TRAILER',
  /**
   * payload: ContainerHeader; pre-copy's final state, sent once the travelers stopped
   */
  CHUNK_KIND_STATE: 'CHUNK_KIND_STATE',
} as const;

export type ChunkKind =
  | 'CHUNK_KIND_UNSPECIFIED'
  | 0
  /**
   * payload: ContainerHeader
   */
  | 'CHUNK_KIND_HEADER'
  | 1
  /**
   * payload: PageBatch (possibly compressed)
   */
  | 'CHUNK_KIND_PAGES'
  | 2
  /**
   * payload: ContainerTrailer
   */
  | 'CHUNK_KIND_TRAILER'
  | 3
  /**
   * payload: ContainerHeader; pre-copy's final state, sent once the travelers stopped
   */
  | 'CHUNK_KIND_STATE'
  | 4

export type ChunkKind__Output = typeof ChunkKind[keyof typeof ChunkKind]
