/**
 * Instant restore (README "Instant restore"): `snapshot restore --lazy` sends a
 * node only the snapshot's registers, page map and gate messages, as the source
 * of a post-copy migration does, names the middleware as the source of the
 * pages, and commits: the task resumes on the node at once. The node's post-copy
 * sink (migtask's postcopy-sink.ts) fetches the pages its travelers fault on from
 * the middleware's FetchPages, while the middleware pushes every other page
 * through the node's PushPages. Each restore is its own {@link SnapshotResidual},
 * keyed by its migration id, so several copies of one snapshot are served at
 * once, independently. If the middleware dies mid-push, the node reports the
 * loss (`residual-lost`, a `lost` fault for a traveler that needs a missing page).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, describeError, MigvisorError } from '../common/index.ts';
import { CONTAINER_MODE_WIRE, ChunkEncoder, encodePages, pipelined, prepareEncoded, undeliveredBatches, type PreparedPages, type RawChunk, type SinkPort } from '../migtask/index.ts';
import type { ChunkCodec } from './archive-codec.ts';
import type { ChunkWorkers } from './chunk-workers.ts';
import { checkRestoreTarget, commitRestore, restoredTaskId, storedHeader, verifiedChunks } from './restore.ts';
import type { ChunkHash, Manifest, SnapshotStore } from './store.ts';

function frame(p: PreparedPages, seq: number): RawChunk {
  return { seq, kind: 'CHUNK_KIND_PAGES', compression: p.compression, payload: p.payload, sha256: p.sha256 };
}

/** One lazy restore's pages still owed to its node: served on fault, pushed in the background. */
export class SnapshotResidual {
  /** Pages delivered (or with nothing to deliver: not stored, so zero or absent). */
  private readonly sent: Uint8Array;
  private seq = 0;
  /** FetchPages calls served (the node's faults). */
  faultsServed = 0;
  pagesFetched = 0;
  pagesPushed = 0;

  constructor(
    private readonly store: SnapshotStore,
    private readonly codec: ChunkCodec,
    readonly manifest: Manifest,
    readonly migrationId: string,
    readonly taskId: string,
    /** Pause between pushed batches (ms), so faults are not queued behind the push. */
    private readonly paceMs = 0,
    /** Where chunks are opened (undefined: on the main thread). */
    private readonly workers?: ChunkWorkers,
  ) {
    // One byte a page; the chunk addresses stay in the manifest's packed page list.
    const sent = new Uint8Array(manifest.pageCount).fill(1);
    manifest.pages.forEachPage((p) => {
      if (p < sent.length) sent[p] = 0;
    });
    this.sent = sent;
  }

  /** Pages not delivered yet. */
  get remaining(): number {
    let n = 0;
    for (const s of this.sent) n += s === 0 ? 1 : 0;
    return n;
  }

  private async prepare(pages: readonly number[]): Promise<PreparedPages> {
    const m = this.manifest;
    const stored: (readonly [number, ChunkHash])[] = [];
    const zero: number[] = [];
    for (const p of pages) {
      const k = m.pages.indexOf(p);
      if (k >= 0) stored.push(m.pages.entry(k));
      else zero.push(p);
    }
    const data = await verifiedChunks(this.store, m, stored, this.codec, this.workers);
    const index = stored.map(([p]) => p);
    return prepareEncoded(encodePages(index, m.pageSize, (_, k) => data[k]!, zero), pages.length, 'none');
  }

  /** Serves a fault: the requested pages, as one PAGES chunk. */
  async fetch(pages: readonly number[]): Promise<RawChunk> {
    const valid = [...new Set(pages)].filter((p) => Number.isInteger(p) && p >= 0 && p < this.sent.length);
    if (valid.length === 0) throw new MigvisorError(`no page of ${pages.join(', ')} is in snapshot ${this.manifest.id}`, Code.INVALID_ARGUMENT);
    const prepared = await this.prepare(valid);
    for (const p of valid) this.sent[p] = 1;
    this.faultsServed++;
    this.pagesFetched += valid.length;
    return frame(prepared, this.seq++);
  }

  /** Every page not yet delivered, in order, as PAGES chunks (faults may overtake it). */
  async *push(): AsyncGenerator<RawChunk> {
    const prepare = async (batch: readonly number[]): Promise<PreparedPages> => {
      this.pagesPushed += batch.length;
      if (this.paceMs > 0) await sleep(this.paceMs);
      return this.prepare(batch);
    };
    for await (const prepared of pipelined(undeliveredBatches(this.sent), prepare)) yield frame(prepared, this.seq++);
  }
}

/** A lazy restore under way: the task runs; {@link LazyRestore.push} delivers the rest of its pages. */
export interface LazyRestore {
  readonly taskId: string;
  readonly slot: string;
  readonly pages: number;
  /** ms from the start until the task resumed on the node. */
  readonly resumeMs: number;
  readonly residual: SnapshotResidual;
  /** Pushes every page not faulted in yet; resolves when the node holds them all, rejects naming what broke. */
  push(): Promise<void>;
}

/**
 * Restores snapshot `m` lazily into a free MigSink slot of the node behind
 * `sink`: registers and page map, Commit, then the pages (see the file header).
 * `residuals` is where the middleware's FetchPages finds this restore; `address`
 * the middleware's own, which the node fetches from.
 */
export async function lazyRestoreSnapshot(
  store: SnapshotStore,
  m: Manifest,
  sink: SinkPort,
  nodeName: string,
  options: { asCopy: boolean; codec: ChunkCodec; address: string; residuals: Map<string, SnapshotResidual>; paceMs?: number; recoverMs?: number; workers?: ChunkWorkers },
): Promise<LazyRestore> {
  const t0 = performance.now();
  if (!options.address) throw new MigvisorError('a lazy restore needs a middleware that serves gRPC (the node fetches pages from it)', Code.FAILED_PRECONDITION);
  await checkRestoreTarget(m, sink, nodeName);
  // Pages of a sealed snapshot are opened on fault: refuse now, not then, if they cannot be.
  if (m.pages.length > 0) await verifiedChunks(store, m, [m.pages.entry(0)], options.codec);
  const migrationId = randomUUID();
  const taskId = restoredTaskId(m, options.asCopy);
  const residual = new SnapshotResidual(store, options.codec, m, migrationId, taskId, options.paceMs, options.workers);
  // How long the node waits for this middleware when it cannot reach it (postcopy-paused) before its missing pages count as lost.
  const header = { ...storedHeader(m), migrationId, taskId, mode: CONTAINER_MODE_WIRE.toWire('lazy'), pagesToSend: 0, sourceAddress: options.address, postcopyRecoverMs: options.recoverMs ?? 0 };
  async function* container(): AsyncGenerator<RawChunk> {
    const encoder = new ChunkEncoder();
    yield encoder.header(header);
    yield encoder.trailer();
  }
  options.residuals.set(migrationId, residual);
  let slot: string;
  try {
    slot = (await sink.receive(container(), 30_000)).slot;
    await commitRestore(sink, migrationId);
  } catch (e: unknown) {
    options.residuals.delete(migrationId);
    throw e;
  }
  const resumeMs = performance.now() - t0;
  // Started by the caller once it has said the task runs (the push competes for the CPU).
  const push = async (): Promise<void> => {
    try {
      const r = await sink.pushPages(migrationId, residual.push(), 10 * 60_000);
      if (r.missing > 0) throw new MigvisorError(`${nodeName} still lacks ${r.missing} page(s) of task ${taskId} after the push`, Code.DATA_LOSS);
    } catch (e: unknown) {
      if (e instanceof MigvisorError && e.code === Code.DATA_LOSS) throw e;
      throw new MigvisorError(`lazy restore of ${taskId} on ${nodeName}: pushing its pages failed: ${describeError(e)}`, Code.UNAVAILABLE, { cause: e });
    } finally {
      options.residuals.delete(migrationId);
    }
  };
  return { taskId, slot, pages: m.pages.length, resumeMs, residual, push };
}
