/** MigTasks: the MigThread state machine, travelers, containers and the migration protocols. */
export { MigThread, acceptedCommands } from './mig-thread.ts';
export type { MigCommand, MigState, Transition } from './mig-thread.ts';
export { MigTraveler } from './mig-traveler.ts';
export type { TravelerFault, TravelerStatus, Wait } from './mig-traveler.ts';
export { MigTask } from './mig-task.ts';
export type { InitializeRequest } from './mig-task.ts';
export {
  ChunkEncoder,
  ChunkVerifier,
  COMPRESSION_OF,
  ContainerError,
  decodeHeader,
  encodeHeader,
  ENCODING_OF,
  FORMAT_VERSION,
  prepareEncoded,
  rawChunk,
  rawChunks,
  sha256,
} from './container-codec.ts';
export type { PreparedPages, VerifiedPages } from './container-codec.ts';
export { decodePageBatch, encodePages } from './page-batch.ts';
export type { ChunkKindName, Compression, EncodingName, RawChunk, Verified } from './container-codec.ts';
export { BATCH_PAGES, containerChunks, PAGE_ZERO, restoreTraveler, snapshotOf, travelerState } from './container-snapshot.ts';
export type { ContainerHeader__Output, Snapshot, SnapshotContext } from './container-snapshot.ts';
export { incompatibility, parseSettings } from './compatibility.ts';
export type { Endpoint } from './compatibility.ts';
export { MigrationSink } from './migration-sink.ts';
export type { Outcome, ReceiveResult } from './migration-sink.ts';
export { DEFAULT_DEADLINE_MS, migrateTask, MigrationRefused } from './migration-source.ts';
export type { MigrateOptions, MigrationMode, MigrationProgress, MigrationStats } from './migration-source.ts';
export { RemoteSink } from './sink-port.ts';
export type { SinkPort } from './sink-port.ts';
export { Checkpointer } from './checkpoint.ts';
export { encodeChunkDelimited, FILE_MAGIC, readContainerFile, writeContainerFile } from './container-file.ts';
export { inspectContainer } from './container-inspect.ts';
export type { InspectReport, RegionMap } from './container-inspect.ts';
export { PostcopySink, migrationIdOf } from './postcopy-sink.ts';
export type { PostcopySinkOptions } from './postcopy-sink.ts';
export { PostcopySource } from './postcopy-source.ts';
export { DEFAULT_PRECOPY_MAX_ROUNDS, DEFAULT_PRECOPY_STOP_PAGES } from './migration-source.ts';
export type { SourceContext } from './migration-source.ts';
export { MigrationBook } from './migration-book.ts';
export type { BookEntry } from './migration-book.ts';
export { PIPELINE_DEPTH, pipelined, slices } from './pipeline.ts';
