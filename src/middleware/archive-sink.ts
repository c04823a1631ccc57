/**
 * The middleware in the MigSink role (parking): a node's StopAndTransfer streams a
 * container here like to any sink. Pages are split into content-addressed chunks
 * (SHA-256 of each page) and only chunks the store lacks are written, so re-parking
 * a task whose memory barely changed stores almost nothing new. Receive stages
 * (chunks written but unreferenced, no manifest); Commit makes the snapshot
 * visible (manifest written atomically); Abort or a staging timeout discards it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Code, IllegalStateError, InvalidArgumentError, MigvisorError } from '../common/index.ts';
import { ChunkVerifier, encodeHeader, type RawChunk, ContainerError, MigrationBook, PAGE_ZERO, type ContainerHeader__Output } from '../migtask/index.ts';
import type { ChunkWriter, Manifest, SnapshotStore } from './store.ts';

type Outcome = 'receiving' | 'staged' | 'active' | 'aborted';

interface Parking {
  readonly id: string;
  outcome: Outcome;
  taskId: string;
  detail: string;
  writer: ChunkWriter | undefined;
  manifest: Manifest | undefined;
  timer?: NodeJS.Timeout;
}

export interface ReceiveResult {
  readonly migrationId: string;
  readonly taskId: string;
  readonly snapshot: string;
  readonly pages: number;
  readonly bytes: number;
}

/** A snapshot id: sortable by time, unique. */
export function newSnapshotId(): string {
  return `snap-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export class ArchiveSink {
  private readonly records = new MigrationBook<Parking>();
  /** Labels for the next park of a task (set by Middleware.Park). */
  private readonly labels = new Map<string, Record<string, string>>();
  /** Called when a snapshot became visible. */
  onParked: (m: Manifest) => Promise<void> = async () => {};

  constructor(
    private readonly store: SnapshotStore,
    private readonly stagingTimeoutMs = 30_000,
  ) {}

  expectPark(taskId: string, labels: Record<string, string>): void {
    this.labels.set(taskId, labels);
  }

  async receive(chunks: AsyncIterable<RawChunk>): Promise<ReceiveResult> {
    const verifier = new ChunkVerifier();
    let header: ContainerHeader__Output | undefined;
    let final: ContainerHeader__Output | undefined;
    let rec: Parking | undefined;
    const pages = new Map<number, string>();
    let newBytes = 0;
    try {
      for await (const c of chunks) {
        if (rec?.outcome === 'aborted') throw new MigvisorError(`park ${rec.id} was aborted: ${rec.detail}`, Code.ABORTED);
        const v = verifier.accept(c, (b) => {
          const size = header!.pageSize;
          b.index.forEach((p, k) => {
            const data = b.data.subarray(k * size, (k + 1) * size);
            const hash = createHash('sha256').update(data).digest('hex');
            newBytes += rec!.writer!.put(hash, data);
            pages.set(p, hash);
          });
          for (const p of b.zero) pages.delete(p);
        });
        if (v.kind === 'header') {
          header = v.header;
          if (header.mode === 'lazy') throw new InvalidArgumentError('the middleware archives full or pre-copy migrations, not post-copy ones');
          rec = this.records.remember({ id: header.migrationId || randomUUID(), outcome: 'receiving', taskId: header.taskId, detail: '', writer: undefined, manifest: undefined });
          rec.writer = this.store.writer();
        } else if (v.kind === 'state') {
          final = v.state;
        } else if (v.kind === 'pages') {
          await verifier.backpressure();
        }
      }
      await verifier.finish();
      if (!header || !rec) throw new ContainerError('the container ended before its trailer');
      if (header.mode === 'precopy' && !final) throw new ContainerError('a pre-copy container ended without its final state');
      const state = final ?? header;
      for (let p = 0; p < state.pageFlags.length; p++) if ((state.pageFlags[p]! & PAGE_ZERO) !== 0) pages.delete(p);
      const stored = [...pages].sort((a, b) => a[0] - b[0]);
      rec.manifest = {
        id: newSnapshotId(),
        taskId: state.taskId,
        program: state.program,
        sourceNode: state.sourceNode,
        partition: state.partition,
        fingerprint: state.fingerprint,
        wordSize: state.wordSize,
        endian: state.endian === 'ENDIAN_BIG' ? 'big' : 'little',
        labels: this.labels.get(state.taskId) ?? {},
        createdUnixMs: Date.now(),
        pageSize: state.pageSize,
        pageCount: state.pageCount,
        travelers: state.travelers.length,
        header: Buffer.from(encodeHeader(state)).toString('base64'),
        pages: stored,
        newBytes,
        sharedBytes: stored.length * state.pageSize - newBytes,
        state: 'parked',
        restoredTo: '',
      };
      this.labels.delete(state.taskId);
      rec.outcome = 'staged';
      rec.timer = setTimeout(() => void this.discard(rec!, `not committed within ${this.stagingTimeoutMs} ms`), this.stagingTimeoutMs).unref();
      const received = verifier.received;
      return { migrationId: rec.id, taskId: state.taskId, snapshot: rec.manifest.id, pages: received.pages, bytes: received.bytes };
    } catch (e: unknown) {
      if (rec) await this.discard(rec, e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  private async discard(rec: Parking, reason: string): Promise<void> {
    if (rec.outcome === 'active' || rec.outcome === 'aborted') return;
    clearTimeout(rec.timer);
    rec.outcome = 'aborted';
    rec.detail = reason;
    await rec.writer?.abort().catch(() => undefined);
    rec.writer = undefined;
    rec.manifest = undefined;
  }

  /** Commit: the chunks become durable, then the manifest makes the snapshot visible. */
  async commit(id: string): Promise<{ taskId: string; snapshot: string }> {
    const rec = this.records.get(id);
    if (!rec) throw new IllegalStateError('unknown', 'Commit', `no park ${id} in the archive`);
    if (rec.outcome === 'active') return { taskId: rec.taskId, snapshot: rec.manifest?.id ?? '' };
    if (rec.outcome !== 'staged') throw new IllegalStateError(rec.outcome, 'Commit', `park ${id}${rec.detail ? `: ${rec.detail}` : ''}`);
    clearTimeout(rec.timer);
    const m = rec.manifest!;
    try {
      await rec.writer!.commit();
      await this.store.putManifest(m);
    } finally {
      await rec.writer!.release();
    }
    rec.outcome = 'active';
    rec.writer = undefined;
    await this.onParked(m);
    return { taskId: rec.taskId, snapshot: m.id };
  }

  async abort(id: string, reason: string): Promise<string> {
    const rec = this.records.get(id);
    if (!rec) return 'unknown';
    if (rec.outcome === 'active') throw new IllegalStateError('active', 'Abort', `park ${id} is already stored`);
    if (rec.outcome === 'receiving') {
      rec.outcome = 'aborted';
      rec.detail = reason;
    } else await this.discard(rec, reason);
    return rec.outcome;
  }

  query(id: string): { outcome: string; taskId: string; detail: string; snapshot: string } {
    const rec = this.records.get(id);
    if (!rec) return { outcome: 'unknown', taskId: '', detail: '', snapshot: '' };
    return { outcome: rec.outcome, taskId: rec.taskId, detail: rec.detail, snapshot: rec.manifest?.id ?? '' };
  }

  close(): void {
    this.records.close();
  }
}
