/**
 * The snapshot store: content-addressed chunks (one per page, named by its
 * SHA-256) shared between snapshots, a manifest per snapshot, the directory of
 * where tasks run, and locks so two coordinators never move the same task at once.
 * Backends: the embedded filesystem store, etcd, and etcd with the chunk bytes in
 * NATS JetStream (replicated-store.ts).
 */

import type { PageList } from './page-list.ts';

/**
 * Longest snapshot id a request may name: ids the archive makes are about 24
 * characters, and a file store keeps a manifest per id (`<id>.json`), whose name
 * must stay under the file system's 255 bytes.
 */
export const MAX_SNAPSHOT_ID_LENGTH = 128;

/** The content address of a chunk: SHA-256 of its bytes, hex. */
export type ChunkHash = string;

/** How a sealed snapshot's chunks were encrypted (archive-codec.ts): never a key in the clear. */
export interface SealInfo {
  /** The AEAD: "AES-256-GCM". */
  readonly cipher: string;
  /** Id of the archive key that wraps the data key. */
  readonly keyId: string;
  /** The data key, wrapped by the archive key (base64 of nonce, ciphertext, tag). */
  readonly wrappedKey: string;
}

/** One snapshot's catalog entry. */
export interface Manifest {
  readonly id: string;
  readonly taskId: string;
  readonly program: string;
  readonly sourceNode: string;
  readonly partition: string;
  readonly fingerprint: string;
  readonly wordSize: number;
  readonly endian: 'little' | 'big';
  readonly labels: Readonly<Record<string, string>>;
  readonly createdUnixMs: number;
  readonly pageSize: number;
  readonly pageCount: number;
  readonly travelers: number;
  /** The container header (protobuf, base64): travelers, page map, gate messages, partition settings. */
  readonly header: string;
  /** Stored pages: page-table index and chunk hash, packed (page-list.ts). Pages not listed are zero (or absent). */
  readonly pages: PageList;
  /** Bytes this snapshot added to the store when it was parked. */
  readonly newBytes: number;
  readonly sharedBytes: number;
  /** parked: the task lives in the archive; restored: the task runs on `restoredTo`, this is a copy. */
  state: 'parked' | 'restored';
  restoredTo: string;
  /** Pinned: no retention policy releases it (absent: false). */
  pinned?: boolean;
  /** Set when its chunks are sealed (encryption at rest); their addresses are then keyed. */
  readonly sealed?: SealInfo;
}

/**
 * Chunks written for one snapshot: invisible until committed, gone if aborted.
 * Chunks it skipped because the store has them are pinned until {@link release}
 * (after its manifest is stored): a gc running meanwhile must not free them.
 */
export interface ChunkWriter {
  /** Queues a chunk unless the store (or this writer) has it; returns the bytes it adds. */
  put(hash: ChunkHash, data: Uint8Array): number;
  /** Makes the written chunks durable and visible (and every skipped chunk present). */
  commit(): Promise<void>;
  /** The manifest referencing the chunks is stored (or will never be): unpin them. */
  release(): Promise<void>;
  /** Discards what was written and releases. */
  abort(): Promise<void>;
}

/** Where a task is, as the orchestrator last knew it. */
export interface Location {
  readonly node: string;
  readonly address: string;
  readonly state: 'running' | 'parked';
  readonly snapshot: string;
  readonly updatedUnixMs: number;
}

/** A held lock; release it when done (it also expires with its TTL). */
export interface Lock {
  /** Releases the lock (idempotent). */
  release(): Promise<void>;
}

/** What a store holds: chunk bytes and chunk count. */
export interface StoreStats {
  readonly bytes: number;
  readonly chunks: number;
}

/** A snapshot store backend (filesystem or etcd). */
export interface SnapshotStore {
  /** The URI it was opened from (`file://...`, `etcd://...`). */
  readonly uri: string;
  /**
   * The largest chunk (one page) the backend stores, in bytes; undefined: no limit.
   * The archive refuses a task with larger pages before anything stops.
   */
  readonly maxChunkBytes?: number;
  /** Whether the store holds a chunk. */
  has(hash: ChunkHash): boolean;
  /** A writer for the chunks of one park. */
  writer(): ChunkWriter;
  /** Reads a chunk; the caller verifies it against its hash. */
  get(hash: ChunkHash): Promise<Uint8Array>;
  /** Reads several chunks (in order), as cheaply as the backend allows. */
  getMany(hashes: readonly ChunkHash[]): Promise<Uint8Array[]>;
  /** Stores a manifest atomically: the snapshot becomes visible. */
  putManifest(m: Manifest): Promise<void>;
  /** A snapshot's manifest, if it exists. */
  getManifest(id: string): Promise<Manifest | undefined>;
  /** Every manifest. */
  listManifests(): Promise<Manifest[]>;
  /** Deletes a manifest (its chunks stay until {@link gc}). */
  deleteManifest(id: string): Promise<void>;
  /** Frees chunks no manifest references; returns the bytes freed. */
  gc(): Promise<number>;
  /** Chunk bytes and count. */
  stats(): Promise<StoreStats>;
  /** Records where a task is (undefined: forgets it). */
  setLocation(taskId: string, loc: Location | undefined): Promise<void>;
  /** Where a task was last recorded. */
  getLocation(taskId: string): Promise<Location | undefined>;
  /** Takes the lock on a task, or throws naming who holds it. */
  lock(taskId: string, owner: string, ttlMs: number): Promise<Lock>;
  /** Closes the store (file handles, connections, leases). */
  close(): Promise<void>;
}
