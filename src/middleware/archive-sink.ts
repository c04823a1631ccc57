/**
 * The middleware in the MigSink role (parking): a node's StopAndTransfer streams a
 * container here like to any sink. Pages are split into content-addressed chunks
 * (SHA-256 of each page) and only chunks the store lacks are written, so re-parking
 * a task whose memory barely changed stores almost nothing new. Receive stages
 * (chunks written but unreferenced, no manifest); Commit makes the snapshot
 * visible (manifest written atomically); Abort or a staging timeout discards it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { endianFromWire, InvalidArgumentError, systemClock, type Clock } from '../common/index.ts';
import { containerMode, encodeHeader, PAGE_ZERO, SinkCore, type QueryOutcome, type Outcome, type RawChunk, type SinkTarget } from '../migtask/index.ts';
import type { ChunkWriter, Manifest, SnapshotStore } from './store.ts';

/** A park's place in the archive: its chunk writer, its pages so far, and once staged its manifest. */
interface Parking {
  writer: ChunkWriter;
  /** Stored pages so far: page index to chunk hash. */
  readonly pages: Map<number, string>;
  /** Bytes this park added to the store. */
  newBytes: number;
  manifest?: Manifest;
  /** onParked ran for it. */
  announced: boolean;
}

/** A park staged in the archive. */
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

/** The middleware's MigSink role: parks tasks as snapshots in a store. */
export class ArchiveSink {
  private readonly core: SinkCore<Parking>;
  /** Labels for the next park of a task (set by Middleware.Park). */
  private readonly labels = new Map<string, Record<string, string>>();
  /** Called when a snapshot became visible. */
  onParked: (m: Manifest) => Promise<void> = async () => {};

  constructor(
    private readonly store: SnapshotStore,
    /** A staged park not committed within this time is discarded (ms). @default 30000 */
    stagingTimeoutMs = 30_000,
    clock: Clock = systemClock,
  ) {
    this.core = new SinkCore(this.target(), clock, stagingTimeoutMs);
  }

  /** Labels the next park of `taskId` will get. */
  expectPark(taskId: string, labels: Record<string, string>): void {
    this.labels.set(taskId, labels);
  }

  private target(): SinkTarget<Parking> {
    return {
      noun: 'park',
      where: 'in the archive',
      activeText: 'stored',
      check: (h) => {
        if (containerMode(h) === 'lazy') throw new InvalidArgumentError('the middleware archives full or pre-copy migrations, not post-copy ones');
      },
      reserve: () => ({ writer: this.store.writer(), pages: new Map(), newBytes: 0, announced: false }),
      pages: (place, b, header) => {
        const size = header.pageSize;
        b.index.forEach((p, k) => {
          const data = b.data.subarray(k * size, (k + 1) * size);
          const hash = createHash('sha256').update(data).digest('hex');
          place.newBytes += place.writer.put(hash, data);
          place.pages.set(p, hash);
        });
        for (const p of b.zero) place.pages.delete(p);
      },
      stage: (place, state) => {
        const pages = place.pages;
        for (let p = 0; p < state.pageFlags.length; p++) if ((state.pageFlags[p]! & PAGE_ZERO) !== 0) pages.delete(p);
        const stored = [...pages].sort((a, b) => a[0] - b[0]);
        place.manifest = {
          id: newSnapshotId(),
          taskId: state.taskId,
          program: state.program,
          sourceNode: state.sourceNode,
          partition: state.partition,
          fingerprint: state.fingerprint,
          wordSize: state.wordSize,
          endian: endianFromWire(state.endian),
          labels: this.labels.get(state.taskId) ?? {},
          createdUnixMs: Date.now(),
          pageSize: state.pageSize,
          pageCount: state.pageCount,
          travelers: state.travelers.length,
          // Stored as one stream: a restore sends it on Receive alone.
          header: Buffer.from(encodeHeader({ ...state, streams: 0 })).toString('base64'),
          pages: stored,
          newBytes: place.newBytes,
          sharedBytes: stored.length * state.pageSize - place.newBytes,
          state: 'parked',
          restoredTo: '',
        };
        this.labels.delete(state.taskId);
      },
      // The chunks become durable, then the manifest makes the snapshot visible.
      activate: async (place) => {
        try {
          await place.writer.commit();
          await this.store.putManifest(place.manifest!);
        } finally {
          await place.writer.release();
        }
      },
      discard: async (place) => {
        await place.writer.abort().catch(() => undefined);
        place.manifest = undefined;
      },
    };
  }

  /** Receive: stages a park (chunks written, manifest ready, nothing visible). */
  async receive(chunks: AsyncIterable<RawChunk>): Promise<ReceiveResult> {
    const r = await this.core.receive(chunks);
    return { migrationId: r.record.id, taskId: r.state.taskId, snapshot: r.place.manifest!.id, pages: r.pages, bytes: r.bytes };
  }

  /** ReceiveStream: one more page stream of a park being received (README, "Parallel streams"). */
  receiveStream(migrationId: string, stream: number, chunks: AsyncIterable<RawChunk>): Promise<{ pages: number; bytes: number }> {
    return this.core.receiveStream(migrationId, stream, chunks);
  }

  /** Commit: the snapshot becomes visible (and the directory says the task is parked). */
  async commit(id: string): Promise<{ taskId: string; snapshot: string }> {
    const rec = await this.core.commit(id);
    const place = rec.place!;
    if (!place.announced) {
      place.announced = true;
      await this.onParked(place.manifest!);
    }
    return { taskId: rec.taskId, snapshot: place.manifest?.id ?? '' };
  }

  /** Abort: discards a receiving or staged park. */
  abort(id: string, reason: string): Promise<Outcome | 'unknown'> {
    return this.core.abort(id, reason);
  }

  /** QueryMigration: what became of a park. */
  query(id: string): { outcome: QueryOutcome; taskId: string; detail: string; snapshot: string } {
    const rec = this.core.record(id);
    if (!rec) return { outcome: 'unknown', taskId: '', detail: '', snapshot: '' };
    return { outcome: rec.outcome, taskId: rec.taskId, detail: rec.detail, snapshot: rec.place?.manifest?.id ?? '' };
  }

  /** Stops staging timers. */
  close(): void {
    this.core.close();
  }
}
