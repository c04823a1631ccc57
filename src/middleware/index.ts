/** The middleware: snapshot store (filesystem or etcd), archive sink, restore, orchestration, its gRPC server, its log and metrics. */
export { EtcdStore } from './etcd-store.ts';
export { FileStore } from './file-store.ts';
export { MiddlewareServer } from './middleware-server.ts';
export type { ArchiveObserver } from './middleware-server.ts';
export { logArchive } from './middleware-log.ts';
export { registerMiddlewareMetrics } from './middleware-metrics.ts';
export { openStore } from './open-store.ts';
export { NodeBook } from './orchestrator.ts';
export type { Manifest, SnapshotStore } from './store.ts';
