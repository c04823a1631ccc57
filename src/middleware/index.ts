/** The middleware: snapshot store (filesystem, etcd, etcd + NATS), encryption at rest, archive sink, restore (full and lazy), orchestration, its gRPC server, its log and metrics. */
export { ArchiveKeys, loadArchiveKey, parseArchiveKey, PLAIN_CODEC } from './archive-codec.ts';
export type { ChunkCodec } from './archive-codec.ts';
export { EtcdStore } from './etcd-store.ts';
export { FileStore } from './file-store.ts';
export { MiddlewareServer } from './middleware-server.ts';
export type { ArchiveObserver } from './middleware-server.ts';
export { logArchive } from './middleware-log.ts';
export { registerMiddlewareMetrics } from './middleware-metrics.ts';
export { openStore } from './open-store.ts';
export type { ChunkEngine } from './open-store.ts';
export { NatsPacks } from './nats-packs.ts';
export { ReplicatedStore } from './replicated-store.ts';
export { NodeBook } from './orchestrator.ts';
export { manifestFromStored, PageList } from './page-list.ts';
export type { PackedPageList } from './page-list.ts';
export type { Manifest, SealInfo, SnapshotStore } from './store.ts';
export type { MiddlewareOptions } from './middleware-server.ts';
