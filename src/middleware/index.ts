/** The middleware: snapshot store (filesystem or etcd), archive sink, restore, orchestration, its gRPC server. */
export { ArchiveSink, newSnapshotId } from './archive-sink.ts';
export { EtcdStore } from './etcd-store.ts';
export { FileStore } from './file-store.ts';
export { MiddlewareServer, snapshotInfo } from './middleware-server.ts';
export { openStore } from './open-store.ts';
export { NodeBook, Orchestrator } from './orchestrator.ts';
export type { EvacuateEvent } from './orchestrator.ts';
export { checkChunk, restoreSnapshot, snapshotChunks, storedHeader, verifiedChunk, verifiedChunks } from './restore.ts';
export type { ChunkHash, ChunkWriter, Location, Lock, Manifest, SnapshotStore, StoreStats } from './store.ts';
