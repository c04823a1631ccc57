/**
 * Post-copy on the source: after the commit the task runs on the sink, but its
 * pages are still here. This serves the sink's page faults (FetchPages) and
 * pushes every page not yet delivered in the background; once the sink has them
 * all, the residual dependency ends and the slot is released.
 */
import type { MigTask } from './mig-task.ts';
import type { Compression } from '../common/index.ts';
import { preparePages, type PreparedPages, type RawChunk } from './container-codec.ts';
import { BATCH_PAGES } from './container-snapshot.ts';
import { pipelined } from './pipeline.ts';
import { Wakeup, type PostcopyStatus } from './postcopy-recovery.ts';

function frame(p: PreparedPages, seq: number): RawChunk {
  return { seq, kind: 'CHUNK_KIND_PAGES', compression: p.compression, payload: p.payload, sha256: p.sha256 };
}

/** The source side of a running post-copy migration: serves FetchPages and pushes the rest. */
export class PostcopySource {
  /** Pages delivered (by fault or push) or never to be sent (absent). */
  private readonly sent: Uint8Array;
  /** FetchPages requests served (the sink's page faults). */
  faultsServed = 0;
  pagesPushed = 0;
  pagesFetched = 0;
  bytes = 0;
  /** Encoded page bytes before compression (for the compression ratio). */
  raw = 0;
  private seq = 0;
  /** postcopy-active, or postcopy-paused while the sink does not answer (postcopy-recovery.ts). */
  status: PostcopyStatus = 'postcopy-active';
  /** Cut short by RecoverPostcopy: the push is tried again now. */
  readonly retry = new Wakeup();

  constructor(
    readonly task: MigTask,
    readonly migrationId: string,
    private readonly compression: Compression,
  ) {
    const pt = task.space.pageTable;
    this.sent = new Uint8Array(pt.pageCount);
    for (let p = 0; p < pt.pageCount; p++) if (!pt.isPresent(p)) this.sent[p] = 1;
  }

  private split(pages: readonly number[]): { data: number[]; zero: number[] } {
    const data: number[] = [];
    const zero: number[] = [];
    for (const p of pages) (this.task.space.isZeroPage(p) ? zero : data).push(p);
    return { data, zero };
  }

  /** Serves a fault: the requested pages, as one PAGES chunk. */
  async fetch(pages: readonly number[]): Promise<RawChunk> {
    const valid = pages.filter((p) => p >= 0 && p < this.sent.length);
    const { data, zero } = this.split(valid);
    const prepared = await preparePages(this.task.space, data, this.compression, zero);
    for (const p of valid) this.sent[p] = 1;
    this.faultsServed++;
    this.pagesFetched += valid.length;
    this.bytes += prepared.payload.length;
    this.raw += prepared.raw;
    return frame(prepared, this.seq++);
  }

  /**
   * A push broke: what it took may not have arrived. Every present page counts
   * as undelivered again; the sink installs only the pages it still lacks.
   */
  rewind(): void {
    const pt = this.task.space.pageTable;
    for (let p = 0; p < pt.pageCount; p++) this.sent[p] = pt.isPresent(p) ? 0 : 1;
  }

  /** RecoverPostcopy: try the push again now. */
  recoverNow(): void {
    this.retry.wake();
  }

  /** Pages not delivered yet. */
  get remaining(): number {
    let n = 0;
    for (let p = 0; p < this.sent.length; p++) if (!this.sent[p]) n++;
    return n;
  }


  /** Every page not yet delivered, in order, as PAGES chunks (faults may overtake it). */
  async *push(): AsyncGenerator<RawChunk> {
    const prepare = (batch: readonly number[]): Promise<PreparedPages> => {
      const { data, zero } = this.split(batch);
      this.pagesPushed += batch.length;
      return preparePages(this.task.space, data, this.compression, zero);
    };
    for await (const prepared of pipelined(undeliveredBatches(this.sent), prepare)) {
      this.bytes += prepared.payload.length;
      this.raw += prepared.raw;
      yield frame(prepared, this.seq++);
    }
  }
}

/**
 * Batches of the pages of `sent` not delivered yet (0), each marked sent (1) as
 * its batch is taken, so pages a fault delivered meanwhile are skipped: the
 * background push of a post-copy source, a node's or the archive's.
 */
export function* undeliveredBatches(sent: Uint8Array): Generator<number[]> {
  let batch: number[] = [];
  for (let p = 0; p < sent.length; p++) {
    if (sent[p]) continue;
    sent[p] = 1;
    batch.push(p);
    if (batch.length === BATCH_PAGES) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
