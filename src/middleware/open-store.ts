/**
 * Opens a snapshot store from its URI: `file://PATH` (relative paths from `base`,
 * the cluster file's folder), `etcd://HOST:PORT` or `etcds://HOST:PORT` (TLS).
 */
import * as path from 'node:path';
import { InvalidArgumentError, tlsIdentity } from '../common/index.ts';
import { EtcdStore } from './etcd-store.ts';
import { FileStore } from './file-store.ts';
import type { SnapshotStore } from './store.ts';

/**
 * Opens the store a URI names (`file://PATH` relative to `base`, `etcd://HOST:PORT`,
 * or `etcds://HOST:PORT`: etcd over TLS with this process's identity, the
 * cluster's CA and the middleware's certificate).
 */
export async function openStore(uri: string, base: string): Promise<SnapshotStore> {
  if (uri.startsWith('file://')) {
    const p = uri.slice('file://'.length);
    if (!p) throw new InvalidArgumentError(`store ${uri} names no folder`);
    return FileStore.open(path.resolve(base, p), uri);
  }
  const etcd = /^(etcds?):\/\//.exec(uri);
  if (etcd) {
    const scheme = etcd[1]!;
    const hostPort = uri.slice(`${scheme}://`.length).replace(/\/$/, '');
    if (!/^[^\s:/]+:\d{1,5}$/.test(hostPort)) throw new InvalidArgumentError(`store ${uri} must be ${scheme}://HOST:PORT`);
    if (scheme === 'etcd') return EtcdStore.open(hostPort, uri);
    const id = tlsIdentity();
    if (!id) throw new InvalidArgumentError(`store ${uri}: etcds:// needs the cluster file's tls: section`);
    return EtcdStore.open(hostPort, uri, { credentials: { rootCertificate: id.ca, privateKey: id.key, certChain: id.cert } });
  }
  throw new InvalidArgumentError(`store ${JSON.stringify(uri)} must start with file://, etcd:// or etcds://`);
}
