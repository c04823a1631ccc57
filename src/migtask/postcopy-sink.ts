/**
 * Post-copy on the sink: the task already runs here while some pages are still on
 * the source. A traveler that touches an absent page waits while this fetches the
 * page (and its neighbours) from the source's FetchPages; meanwhile the source
 * pushes the rest through PushPages. When nothing is missing, the residual
 * dependency ends. If the source is gone, every traveler that needs an absent page
 * gets a health-monitor fault within a bounded time instead of waiting forever.
 */
import { describeError, migTaskClient, unary, type MigTaskClient } from '../common/index.ts';
import { MemoryFault } from '../partition/index.ts';
import { rawChunk, verifyPageChunk, type RawChunk } from './container-codec.ts';
import type { MigTask } from './mig-task.ts';
import type { MigrationHost } from './migration-host.ts';

/** How a post-copy sink fetches pages. */
export interface PostcopySinkOptions {
  /** Deadline of one FetchPages call. */
  readonly fetchDeadlineMs: number;
  /** Attempts before the source counts as gone. */
  readonly attempts: number;
  /** Pages fetched around a faulting page (spatial locality). */
  readonly prefetch: number;
}

const DEFAULTS: PostcopySinkOptions = { fetchDeadlineMs: 1500, attempts: 4, prefetch: 8 };

/** The sink side of a running post-copy migration: fetches absent pages on fault, installs pushed ones, reports a lost source. */
export class PostcopySink {
  private readonly client: MigTaskClient;
  private readonly requested = new Set<number>();
  private lost: string | undefined;
  private closed = false;
  /** Pages fetched because a traveler faulted on them (or their neighbours). */
  fetched = 0;
  faults = 0;

  constructor(
    private readonly host: MigrationHost,
    private readonly task: MigTask,
    readonly migrationId: string,
    readonly sourceAddress: string,
    private readonly options: PostcopySinkOptions = DEFAULTS,
  ) {
    this.client = migTaskClient(sourceAddress);
  }

  /** Pages still absent. */
  get missing(): number {
    const pt = this.task.space.pageTable;
    return pt.pageCount - pt.presentCount();
  }

  /** A traveler faulted on `page`: fetch it (and neighbours) unless already on the way. */
  fault(page: number): void {
    this.faults++;
    if (this.lost !== undefined) {
      this.failWaiting();
      return;
    }
    if (this.requested.has(page)) return;
    const pt = this.task.space.pageTable;
    const pages: number[] = [];
    for (let p = page; p < pt.pageCount && pages.length < this.options.prefetch; p++) {
      if (!pt.isPresent(p) && !this.requested.has(p)) pages.push(p);
    }
    for (const p of pages) this.requested.add(p);
    void this.fetch(pages);
  }

  private async fetch(pages: number[]): Promise<void> {
    let last: unknown;
    for (let attempt = 0; attempt < this.options.attempts && !this.closed; attempt++) {
      try {
        const wire = await unary(this.client.FetchPages, this.client, { migrationId: this.migrationId, pages }, `FetchPages from ${this.sourceAddress}`, this.options.fetchDeadlineMs);
        const batch = await verifyPageChunk(rawChunk(wire.chunk), this.task.space.pageSize, this.task.space.pageCount);
        if (this.closed) return;
        this.fetched += this.task.installPages(batch.index, batch.data, batch.zero, true);
        for (const p of pages) this.requested.delete(p);
        this.checkComplete();
        return;
      } catch (e: unknown) {
        last = e;
        // Back off a little: a source that is busy, or not serving yet, gets another chance.
        await this.host.clock.sleep(100 * 2 ** attempt);
      }
    }
    for (const p of pages) this.requested.delete(p);
    if (!this.closed) this.lose(`cannot fetch pages from ${this.sourceAddress}: ${describeError(last)}`);
  }

  /** Checks the source is still there by fetching the first absent page. */
  probe(): void {
    const pt = this.task.space.pageTable;
    for (let p = 0; p < pt.pageCount; p++) {
      if (!pt.isPresent(p) && !this.requested.has(p)) {
        this.requested.add(p);
        void this.fetch([p]);
        return;
      }
    }
  }

  /** Installs pages pushed by the source (those still absent). */
  async acceptPush(chunks: AsyncIterable<RawChunk>): Promise<{ installed: number; missing: number }> {
    let installed = 0;
    for await (const c of chunks) {
      const batch = await verifyPageChunk(c, this.task.space.pageSize, this.task.space.pageCount);
      if (this.closed) break;
      installed += this.task.installPages(batch.index, batch.data, batch.zero, true);
    }
    const missing = this.closed ? 0 : this.missing;
    this.checkComplete();
    return { installed, missing };
  }

  /** The source is gone: fault every traveler that needs an absent page, now and later. */
  lose(reason: string): void {
    if (this.lost !== undefined || this.closed) return;
    this.lost = reason;
    this.host.migrationEvent(this.task.id ?? '', 'residual-lost', `${this.missing} page(s) unreachable: ${reason}`);
    this.failWaiting();
  }

  private failWaiting(): void {
    for (const t of this.task.travelers) {
      const w = t.wait;
      if (t.status === 'waiting' && w?.kind === 'page' && !this.task.space.pageTable.isPresent(w.page)) {
        const va = this.task.space.pageVaddr(w.page);
        this.host.faultTraveler(this.task, t, new MemoryFault('lost', va, 1, Math.floor(va / this.task.space.pageSize)));
      }
    }
  }

  private checkComplete(): void {
    if (this.closed || this.missing > 0) return;
    this.host.migrationEvent(this.task.id ?? '', 'residual-complete', `all pages present (${this.faults} fault(s), ${this.fetched} page(s) fetched on demand)`);
    this.task.postcopy = undefined;
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}
