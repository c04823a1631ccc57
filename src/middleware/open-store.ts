/**
 * Opens a snapshot store from its URI: `file://PATH` (relative paths from `base`,
 * the cluster file's folder), `etcd://HOST:PORT` or `etcds://HOST:PORT` (TLS),
 * the etcd ones optionally with their chunk bytes in NATS JetStream (`chunks`:
 * `nats://HOST:PORT[,...]`, or `tls://…`: over TLS, as always with etcds://,
 * with the process's identity from the cluster file's `tls:` section).
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
    // TLS: etcd over etcds://, NATS over tls:// or whenever etcd is (a TLS cluster sends no chunk in plaintext).
    const natsTls = engine.chunks !== undefined && (scheme === 'etcds' || engine.chunks.startsWith('tls://'));
    const id = scheme === 'etcds' || natsTls ? tlsIdentity() : undefined;
    if ((scheme === 'etcds' || natsTls) && !id) {
      throw new InvalidArgumentError(`store ${uri}${natsTls ? ` with chunks ${engine.chunks}` : ''}: TLS needs the cluster file's tls: section`);
    }
    const etcdCredentials = scheme === 'etcds' && id ? { rootCertificate: id.ca, privateKey: id.key, certChain: id.cert } : undefined;
    if (engine.chunks) {
      const nats = natsTls && id ? { ca: id.ca.toString('utf8'), cert: id.cert.toString('utf8'), key: id.key.toString('utf8') } : undefined;
      return ReplicatedStore.open(hostPort, engine.chunks, engine.replicas ?? 3, { ...(etcdCredentials ? { etcd: etcdCredentials } : {}), ...(nats ? { nats } : {}) });
    }
    return EtcdStore.open(hostPort, uri, etcdCredentials ? { credentials: etcdCredentials } : {});
  }
  throw new InvalidArgumentError(`store ${JSON.stringify(uri)} must start with file://, etcd:// or etcds://`);
}
