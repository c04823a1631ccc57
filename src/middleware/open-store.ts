/**
 * Opens a snapshot store from its URI: `file://PATH` (relative paths from `base`,
 * the cluster file's folder), `etcd://HOST:PORT` or `etcds://HOST:PORT` (TLS),
 * the etcd ones optionally with their chunk bytes in NATS JetStream (`chunks`:
 * `nats://HOST:PORT[,...]`).
 */
import * as path from 'node:path';
import { InvalidArgumentError, tlsIdentity } from '../common/index.ts';
import { EtcdStore } from './etcd-store.ts';
import { FileStore } from './file-store.ts';
import { ReplicatedStore } from './replicated-store.ts';
import type { SnapshotStore } from './store.ts';

/** Where chunk bytes go when they do not stay in the catalog's store. */
export interface ChunkEngine {
  /** `nats://HOST:PORT[,HOST:PORT...]`: a JetStream cluster's object store. */
  readonly chunks?: string;
  /** Replicas of the chunk bucket. @default 3 */
  readonly replicas?: number;
}

/**
 * Opens the store a URI names (`file://PATH` relative to `base`, `etcd://HOST:PORT`,
 * or `etcds://HOST:PORT`: etcd over TLS with this process's identity, the
 * cluster's CA and the middleware's certificate), with `engine.chunks` its chunk
 * bytes in NATS.
 */
export async function openStore(uri: string, base: string, engine: ChunkEngine = {}): Promise<SnapshotStore> {
  if (uri.startsWith('file://')) {
    const p = uri.slice('file://'.length);
    if (!p) throw new InvalidArgumentError(`store ${uri} names no folder`);
    if (engine.chunks) throw new InvalidArgumentError(`chunks ${engine.chunks}: a separate chunk engine needs an etcd:// store for its catalog, not ${uri}`);
    return FileStore.open(path.resolve(base, p), uri);
  }
  const etcd = /^(etcds?):\/\//.exec(uri);
  if (etcd) {
    const scheme = etcd[1]!;
    const hostPort = uri.slice(`${scheme}://`.length).replace(/\/$/, '');
    if (!/^[^\s:/]+:\d{1,5}$/.test(hostPort)) throw new InvalidArgumentError(`store ${uri} must be ${scheme}://HOST:PORT`);
    if (scheme === 'etcd') {
      if (engine.chunks) return ReplicatedStore.open(hostPort, engine.chunks, engine.replicas ?? 3);
      return EtcdStore.open(hostPort, uri);
    }
    if (engine.chunks) throw new InvalidArgumentError(`store ${uri}: --chunks is not supported with etcds:// yet (NATS without TLS); use etcd:// on a trusted network`);
    const id = tlsIdentity();
    if (!id) throw new InvalidArgumentError(`store ${uri}: etcds:// needs the cluster file's tls: section`);
    return EtcdStore.open(hostPort, uri, { credentials: { rootCertificate: id.ca, privateKey: id.key, certChain: id.cert } });
  }
  throw new InvalidArgumentError(`store ${JSON.stringify(uri)} must start with file://, etcd:// or etcds://`);
}
