/** The middleware: snapshot store (filesystem or etcd), archive sink, restore, orchestration, its gRPC server. */
export { EtcdStore } from './etcd-store.ts';
export { FileStore } from './file-store.ts';
export { MiddlewareServer } from './middleware-server.ts';
export { openStore } from './open-store.ts';
export { NodeBook } from './orchestrator.ts';
export type { Manifest, SnapshotStore } from './store.ts';
