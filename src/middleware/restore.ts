/**
 * The middleware in the MigSource role (restoring): a snapshot becomes a container
 * stream again and goes into a node's MigSink slot through the same Receive and
 * Commit a migration uses. Every chunk read from the store is checked against its
 * content address first; a corrupted chunk stops the restore (the node discards
 * what it staged) and names the snapshot, the page and the chunk.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Code, describeError, MigvisorError, taskId as newTaskId, type Compression } from '../common/index.ts';
import type { ContainerHeader } from '../generated/migvisor/v1/ContainerHeader.ts';
import type { InfoResponse__Output } from '../generated/migvisor/v1/InfoResponse.ts';
import {
  BATCH_PAGES,
  CONTAINER_MODE_WIRE,
  MIG_STATE_WIRE,
  ChunkEncoder,
  decodeHeader,
  encodePages,
  endpointFromHeader,
  endpointFromInfo,
  incompatibility,
  PAGE_ZERO,
  pipelined,
  prepareEncoded,
  type PreparedPages,
  type RawChunk,
  type SinkPort,
} from '../migtask/index.ts';
import { Pte } from '../partition/index.ts';
import { PLAIN_CODEC, type ChunkCodec } from './archive-codec.ts';
import { openInline, type ChunkWorkers } from './chunk-workers.ts';
import type { Manifest, SnapshotStore } from './store.ts';

/** Checks a chunk against its content address (and opens it, if sealed). */
export function checkChunk(m: Manifest, page: number, hash: string, data: Uint8Array, codec: ChunkCodec = PLAIN_CODEC): Uint8Array {
  return codec.open(m, page, hash, data);
}

/** Reads chunks of several pages at once, each opened and checked against its address (by `workers`, if given, else on this thread). */
export async function verifiedChunks(
  store: SnapshotStore,
  m: Manifest,
  pages: readonly (readonly [number, string])[],
  codec: ChunkCodec = PLAIN_CODEC,
  workers?: ChunkWorkers,
): Promise<Uint8Array[]> {
  const data = await store.getMany(pages.map(([, h]) => h));
  return workers ? workers.open(codec, m, pages, data) : openInline(codec, m, pages, data);
}

/** The snapshot's header as stored, with the page map made to match the stored pages. */
export function storedHeader(m: Manifest): ContainerHeader {
  const h = decodeHeader(Buffer.from(m.header, 'base64'));
  const flags = Buffer.from(h.pageFlags);
  // One pass over the page map, one over the stored pages: no object per page.
  const stored = new Uint8Array(flags.length);
  m.pages.forEachPage((p) => {
    if (p < stored.length) stored[p] = 1;
  });
  for (let p = 0; p < flags.length; p++) {
    if (stored[p]) flags[p] = flags[p]! & ~PAGE_ZERO;
    else if (flags[p]! & Pte.PRESENT) flags[p] = flags[p]! | PAGE_ZERO;
  }
  return { ...h, pageFlags: flags, pagesToSend: m.pages.length, streams: 0 };
}

/** The snapshot as a container: header, verified page batches, trailer. */
export async function* snapshotChunks(
  store: SnapshotStore,
  m: Manifest,
  header: ContainerHeader,
  compression: Compression,
  onPages: (done: number) => void = () => {},
  codec: ChunkCodec = PLAIN_CODEC,
  workers?: ChunkWorkers,
): AsyncGenerator<RawChunk> {
  const encoder = new ChunkEncoder();
  yield encoder.header(header);
  let done = 0;
  const prepare = async (batch: readonly (readonly [number, string])[]): Promise<PreparedPages> => {
    const pages = await verifiedChunks(store, m, batch, codec, workers);
    return prepareEncoded(encodePages(batch.map(([page]) => page), m.pageSize, (_, k) => pages[k]!), batch.length, compression);
  };
  for await (const prepared of pipelined(m.pages.batches(BATCH_PAGES), prepare)) {
    done += prepared.pages;
    onPages(done);
    yield encoder.pageChunk(prepared);
  }
  yield encoder.trailer();
}

/** A restored task: its id (a new one for a copy), its slot, its pages. */
export interface RestoreResult {
  readonly taskId: string;
  readonly slot: string;
  readonly pages: number;
}

/** Refuses a restore of `m` the node behind `sink` cannot take (no partition, incompatible, no free slot), before anything is sent. */
export async function checkRestoreTarget(m: Manifest, sink: SinkPort, nodeName: string): Promise<InfoResponse__Output> {
  const info = await sink.info(m.partition, 5000).catch((e: unknown) => {
    if (e instanceof MigvisorError && e.code === Code.NOT_FOUND) throw new MigvisorError(`restore refused: ${nodeName} has no partition ${m.partition}`, Code.FAILED_PRECONDITION);
    throw new MigvisorError(`cannot reach node ${nodeName}: ${describeError(e)}`, Code.UNAVAILABLE);
  });
  const reason = incompatibility(endpointFromHeader(decodeHeader(Buffer.from(m.header, 'base64')), `snapshot ${m.id}`), endpointFromInfo(info, nodeName, m.partition));
  if (reason) throw new MigvisorError(`restore refused: ${reason}`, Code.FAILED_PRECONDITION);
  if (MIG_STATE_WIRE.fromWire(info.slot?.state) !== 'MigSink' || !info.slot?.freeSlots) {
    throw new MigvisorError(`restore refused: ${info.node || nodeName} has no MigSink slot free in partition ${m.partition}`, Code.FAILED_PRECONDITION);
  }
  return info;
}

/** The task id a restore gives: the snapshot's, or a new one for a copy. */
export function restoredTaskId(m: Manifest, asCopy: boolean): string {
  return asCopy ? newTaskId(m.program || 'task', () => randomBytes(4).readUInt32BE(0)) : m.taskId;
}

/** Commit of a staged restore; a lost reply is settled by asking, never by guessing (else the node discards it). */
export async function commitRestore(sink: SinkPort, migrationId: string): Promise<void> {
  try {
    await sink.commit(migrationId, 10_000);
  } catch (e: unknown) {
    const q = await sink.query(migrationId, 5000).catch(() => undefined);
    if (q?.outcome !== 'active') {
      await sink.abort(migrationId, 'commit failed', 2000).catch(() => undefined);
      throw e;
    }
  }
}

/**
 * Restores snapshot `m` into a free MigSink slot of the node behind `sink`, with a
 * two-phase handoff: the node stages and verifies, then Commit activates it.
 */
export async function restoreSnapshot(
  store: SnapshotStore,
  m: Manifest,
  sink: SinkPort,
  nodeName: string,
  options: { asCopy: boolean; compression: Compression; onPages?: (done: number, total: number) => void; codec?: ChunkCodec; workers?: ChunkWorkers },
): Promise<RestoreResult> {
  await checkRestoreTarget(m, sink, nodeName);
  const migrationId = randomUUID();
  const taskId = restoredTaskId(m, options.asCopy);
  const header = { ...storedHeader(m), migrationId, taskId, mode: CONTAINER_MODE_WIRE.toWire('restore') };
  const reply = await sink.receive(snapshotChunks(store, m, header, options.compression, (d) => options.onPages?.(d, m.pages.length), options.codec, options.workers), 60_000);
  await commitRestore(sink, migrationId);
  return { taskId, slot: reply.slot, pages: m.pages.length };
}
