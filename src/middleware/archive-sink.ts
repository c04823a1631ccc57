/**
 * The middleware in the MigSink role (parking): a node's StopAndTransfer streams a
 * container here like to any sink. Pages are split into content-addressed chunks
 * (SHA-256 of each page) and only chunks the store lacks are written, so re-parking
 * a task whose memory barely changed stores almost nothing new. Receive stages
 * (chunks written but unreferenced, no manifest); Commit makes the snapshot
 * visible (manifest written atomically); Abort or a staging timeout discards it.
 *
 * Failure rules (README, "Archive failures"): a task whose pages are larger than
 * the store's largest chunk is refused at Receive's header (the node refuses it
 * earlier, at negotiation, from Info). A park is durable within its commit window
 * (the staging timeout, counted from the Receive reply) or never: a Commit after
 * it is refused, and an activation that fails or outlives it is rolled back (the
 * record is aborted, the manifest it may have written is deleted, retried in the
 * background until the store answers), so the source resumes the task.
 */
import { randomBytes } from 'node:crypto';
import { Code, endianFromWire, InvalidArgumentError, MigvisorError, ResourceExhaustedError, systemClock, type Clock } from '../common/index.ts';
import { containerMode, encodeHeader, PAGE_ZERO, SinkCore, type QueryOutcome, type Outcome, type RawChunk, type SinkTarget } from '../migtask/index.ts';
import { PLAIN_CODEC, type ChunkCodec } from './archive-codec.ts';
import { sealInline, type ChunkWorkers, type SealedPages } from './chunk-workers.ts';
import { PageList } from './page-list.ts';
import type { ChunkWriter, Manifest, SnapshotStore } from './store.ts';

/** A park's place in the archive: its chunk writer, its pages so far, and once staged its manifest. */
interface Parking {
  writer: ChunkWriter;
  /** How this park names and seals its chunks. */
  readonly codec: ChunkCodec;
  /** Stored pages so far: page index to chunk hash. */
  readonly pages: Map<number, string>;
  /** Bytes this park added to the store. */
  newBytes: number;
  manifest?: Manifest;
  /** onParked ran for it. */
  announced: boolean;
  /** Its manifest may be in the store (a putManifest was started). */
  manifestSent?: boolean;
  /** The last batch applied (or failed): batches are sealed at once but applied in the order they came. */
  applied: Promise<void>;
  /** Discarded: a batch sealed meanwhile is dropped, not written. */
  discarded: boolean;
}

/** Between two attempts to delete the manifest of a rolled-back park (ms). */
const CLEANUP_RETRY_MS = 1000;
/** A write that timed out lands within this time, if ever (longer than a store call's deadline) (ms). */
const LATE_WRITE_MS = 5000;

/** A park staged in the archive. */
export interface ReceiveResult {
  readonly migrationId: string;
  readonly taskId: string;
  readonly snapshot: string;
  readonly pages: number;
  readonly bytes: number;
  /** The park is durable within this time of the reply, or never (ms). */
  readonly commitWindowMs: number;
}

/** The refusal of a task whose pages the store cannot hold as one chunk. */
export function pageTooLarge(pageSize: number, max: number, uri: string): MigvisorError {
  return new ResourceExhaustedError(`pages of ${pageSize} bytes exceed the largest chunk the store ${uri} holds (${max} bytes); park it into a filesystem store, or use smaller pages`);
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
  /** How parks name and seal chunks (archive-codec.ts): plain SHA-256 unless an archive key is configured. */
  codec: ChunkCodec = PLAIN_CODEC;
  /** Where pages are named and sealed (chunk-workers.ts); undefined: on the main thread. */
  workers: ChunkWorkers | undefined = undefined;
  /** Called when a snapshot became visible. */
  onParked: (m: Manifest) => Promise<void> = async () => {};

  constructor(
    private readonly store: SnapshotStore,
    /** A staged park not made durable within this time of its staging is discarded (ms): its commit window. @default 30000 */
    readonly stagingTimeoutMs = 30_000,
    private readonly clock: Clock = systemClock,
    /** The largest chunk (page) this archive takes, below the store's own limit (bytes; undefined: the store's). */
    maxChunkBytes?: number,
  ) {
    const limits = [store.maxChunkBytes, maxChunkBytes].filter((n): n is number => n !== undefined && n > 0);
    this.maxChunkBytes = limits.length > 0 ? Math.min(...limits) : undefined;
    this.core = new SinkCore(this.target(), clock, stagingTimeoutMs);
  }

  /** The largest chunk (page) this archive takes (bytes; undefined: no limit). */
  readonly maxChunkBytes: number | undefined;

  /** Rolled-back parks whose manifest is being deleted (snapshot ids). */
  private readonly rollingBack = new Set<string>();

  /**
   * Deletes a rolled-back park's manifest until a delete succeeds after any late
   * write could still land (the store may be down for a while), or the middleware stops.
   */
  private rollBack(id: string): void {
    if (this.rollingBack.has(id)) return;
    this.rollingBack.add(id);
    const since = this.clock.now();
    const attempt = async (): Promise<void> => {
      const t = this.clock.now();
      const gone = await this.store.deleteManifest(id).then(
        () => true,
        () => false,
      );
      if (this.closed || (gone && t - since >= LATE_WRITE_MS)) {
        this.rollingBack.delete(id);
        return;
      }
      this.clock.timer(CLEANUP_RETRY_MS, () => void attempt());
    };
    void attempt();
  }

  private closed = false;

  /** The park's remaining commit window (ms): the activation must end within it. */
  private windowLeft(stagedAt: number | undefined): number {
    return (stagedAt ?? this.clock.now()) + this.stagingTimeoutMs - this.clock.now();
  }

  /** Runs `work`, failing once `ms` have passed (the work may still finish; its effects are then rolled back). */
  private async within<T>(ms: number, work: Promise<T>): Promise<T> {
    if (ms <= 0) throw new MigvisorError('its commit window has passed', Code.DEADLINE_EXCEEDED);
    let timer: { cancel(): void } | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = this.clock.timer(ms, () => reject(new MigvisorError(`the store did not finish within the commit window (${this.stagingTimeoutMs} ms)`, Code.DEADLINE_EXCEEDED)));
    });
    work.catch(() => undefined);
    try {
      return await Promise.race([work, late]);
    } finally {
      timer?.cancel();
    }
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
      discardOnActivateFailure: true,
      check: (h) => {
        if (containerMode(h) === 'lazy') throw new InvalidArgumentError('the middleware archives full or pre-copy migrations, not post-copy ones');
        const max = this.maxChunkBytes;
        if (max !== undefined && h.pageSize > max) throw pageTooLarge(h.pageSize, max, this.store.uri);
      },
      reserve: () => ({ writer: this.store.writer(), codec: this.codec, pages: new Map(), newBytes: 0, announced: false, applied: Promise.resolve(), discarded: false }),
      pages: (place, b, header) => {
        const size = header.pageSize;
        // Every chunk is sealed, also those the store may hold already: the etcd and replicated writers keep a skipped chunk's bytes in case it vanishes before commit.
        const data = b.data.subarray(0, b.index.length * size);
        const sealed: Promise<SealedPages> = this.workers ? this.workers.seal(place.codec, data, size) : Promise.resolve(sealInline(place.codec, data, size));
        // Sealed in parallel, applied in order: the last copy of a page a later pre-copy round sent again wins.
        const applied = Promise.all([place.applied, sealed]).then(([, s]) => {
          if (place.discarded) return;
          b.index.forEach((p, k) => {
            const hash = s.addresses[k]!;
            // New bytes count pages (a sealed chunk is 28 bytes longer: nonce and tag).
            if (place.writer.put(hash, s.chunks[k]!) > 0) place.newBytes += size;
            place.pages.set(p, hash);
          });
          for (const p of b.zero) place.pages.delete(p);
        });
        place.applied = applied;
        return applied;
      },
      stage: (place, state) => {
        const pages = place.pages;
        for (let p = 0; p < state.pageFlags.length; p++) if ((state.pageFlags[p]! & PAGE_ZERO) !== 0) pages.delete(p);
        const stored = PageList.fromEntries(pages);
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
          ...(place.codec.sealed ? { sealed: place.codec.sealed } : {}),
        };
        this.labels.delete(state.taskId);
      },
      // The chunks become durable, then the manifest makes the snapshot visible.
      activate: async (place, rec) => {
        try {
          await this.within(this.windowLeft(rec.stagedAt), place.writer.commit());
          place.manifestSent = true;
          await this.within(this.windowLeft(rec.stagedAt), this.store.putManifest(place.manifest!));
        } finally {
          await place.writer.release().catch(() => undefined);
        }
      },
      discard: async (place) => {
        place.discarded = true;
        if (place.manifestSent && place.manifest) this.rollBack(place.manifest.id);
        await place.writer.abort().catch(() => undefined);
        place.manifest = undefined;
      },
    };
  }

  /** Receive: stages a park (chunks written, manifest ready, nothing visible). */
  async receive(chunks: AsyncIterable<RawChunk>): Promise<ReceiveResult> {
    const r = await this.core.receive(chunks);
    return { migrationId: r.record.id, taskId: r.state.taskId, snapshot: r.place.manifest!.id, pages: r.pages, bytes: r.bytes, commitWindowMs: this.stagingTimeoutMs };
  }

  /**
   * Import: stores a container (a saved or exported file) as a snapshot at once,
   * deduplicated against the chunks the store holds. Its own records: a file
   * imported twice becomes two snapshots (the second stores no new chunk).
   */
  async importContainer(chunks: AsyncIterable<RawChunk>): Promise<Manifest> {
    const core = new SinkCore(this.target(), this.clock, this.stagingTimeoutMs);
    try {
      const r = await core.receive(chunks, { activate: true });
      return r.place.manifest!;
    } finally {
      core.close();
    }
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
    this.closed = true;
    this.core.close();
  }
}
