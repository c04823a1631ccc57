/**
 * Opens a snapshot store from its URI: `file://PATH` (relative paths from `base`,
 * the cluster file's folder) or `etcd://HOST:PORT`.
 */
import * as path from 'node:path';
import { InvalidArgumentError } from '../common/index.ts';
import { EtcdStore } from './etcd-store.ts';
import { FileStore } from './file-store.ts';
import type { SnapshotStore } from './store.ts';

/** Opens the store a URI names (`file://PATH` relative to `base`, or `etcd://HOST:PORT`). */
export async function openStore(uri: string, base: string): Promise<SnapshotStore> {
  if (uri.startsWith('file://')) {
    const p = uri.slice('file://'.length);
    if (!p) throw new InvalidArgumentError(`store ${uri} names no folder`);
    return FileStore.open(path.resolve(base, p), uri);
  }
  if (uri.startsWith('etcd://')) {
    const hostPort = uri.slice('etcd://'.length).replace(/\/$/, '');
    if (!/^[^\s:/]+:\d{1,5}$/.test(hostPort)) throw new InvalidArgumentError(`store ${uri} must be etcd://HOST:PORT`);
    return EtcdStore.open(hostPort, uri);
  }
  throw new InvalidArgumentError(`store ${JSON.stringify(uri)} must start with file:// or etcd://`);
}
