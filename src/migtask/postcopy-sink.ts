/**
 * Post-copy on the sink: the task already runs here while some pages are still on
 * the source. A traveler that touches an absent page waits while this fetches the
 * page (and its neighbours) from the source's FetchPages; meanwhile the source
 * pushes the rest through PushPages. When nothing is missing, the residual
 * dependency ends. A source that does not answer pauses the migration
 * (postcopy-paused, see postcopy-recovery.ts): fetches are retried with backoff
 * and the waiting travelers go on waiting. Only a source gone for good (away
 * longer than the recovery timeout, or answering without the migration) gives
 * every traveler that needs an absent page a health-monitor fault instead of
 * waiting forever.
 */
import { describeError, migTaskClient, unary, type MigTaskClient, type Timer } from '../common/index.ts';
import { MemoryFault } from '../partition/index.ts';
import { rawChunk, verifyPageChunk, type RawChunk } from './container-codec.ts';
import type { MigTask } from './mig-task.ts';
import type { MigrationHost } from './migration-host.ts';
import { DEFAULT_POSTCOPY_RECOVER_MS, peerForgot, postcopyStatus, retryDelay, Wakeup, type PostcopyStatus } from './postcopy-recovery.ts';

/** How a post-copy sink fetches pages. */
export interface PostcopySinkOptions {
  /** Deadline of one FetchPages call. */
  readonly fetchDeadlineMs: number;
  /** How long the source may stay unreachable before it counts as gone (ms). */
  readonly recoverMs: number;
  /** Pages fetched around a faulting page (spatial locality). */
  readonly prefetch: number;
}

/** A sink that received no page for this long while some are missing asks the source (a cut link may leave the push hanging unnoticed) (ms). */
export const PROBE_IDLE_MS = 1000;

const DEFAULTS: PostcopySinkOptions = { fetchDeadlineMs: 1500, recoverMs: DEFAULT_POSTCOPY_RECOVER_MS, prefetch: 8 };

/** The sink side of a running post-copy migration: fetches absent pages on fault, installs pushed ones, reports a lost source. */
export class PostcopySink {
  private readonly client: MigTaskClient;
  private readonly requested = new Set<number>();
  private lost: string | undefined;
  private closed = false;
  /** Pages fetched because a traveler faulted on them (or their neighbours). */
  fetched = 0;
  faults = 0;
  /** postcopy-active, or postcopy-paused while the source does not answer. */
  status: PostcopyStatus = 'postcopy-active';
  /** Times it paused. */
  pauses = 0;
  private pausedAt: number | undefined;
  private readonly retry = new Wakeup();
  /** Pages installed since the watchdog last looked. */
  private arrived = 0;
  private watchdog: Timer | undefined;

  constructor(
    private readonly host: MigrationHost,
    private readonly task: MigTask,
    readonly migrationId: string,
    readonly sourceAddress: string,
    options: Partial<PostcopySinkOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.client = migTaskClient(sourceAddress);
    this.watch();
  }

  /** Every PROBE_IDLE_MS: if no page arrived and none is being fetched, probe the source. */
  private watch(): void {
    this.watchdog = this.host.clock.timer(PROBE_IDLE_MS, () => {
      if (this.closed || this.lost !== undefined) return;
      if (this.arrived === 0 && this.requested.size === 0 && this.missing > 0) this.probe();
      this.arrived = 0;
      this.watch();
    });
  }

  private readonly options: PostcopySinkOptions;
  /** A channel made after the source was lost (the first one may be in gRPC's reconnect backoff). */
  private fresh: MigTaskClient | undefined;

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
    for (let attempt = 0; !this.closed && this.lost === undefined; attempt++) {
      const client = this.fresh ?? this.client;
      try {
        const wire = await unary(client.FetchPages, client, { migrationId: this.migrationId, pages }, `FetchPages from ${this.sourceAddress}`, this.options.fetchDeadlineMs);
        const batch = await verifyPageChunk(rawChunk(wire.chunk), this.task.space.pageSize, this.task.space.pageCount);
        if (this.closed) return;
        const n = this.task.installPages(batch.index, batch.data, batch.zero, true);
        this.fetched += n;
        this.arrived += n + 1;
        for (const p of pages) this.requested.delete(p);
        this.recovered();
        this.checkComplete();
        return;
      } catch (e: unknown) {
        const why = `cannot fetch pages from ${this.sourceAddress}: ${describeError(e)}`;
        // The source answers but no longer has the migration: its pages are gone.
        if (peerForgot(e)) {
          this.lose(why);
          break;
        }
        this.pause(why);
        if (this.host.clock.now() - this.pausedAt! >= this.options.recoverMs) {
          this.lose(`${why} (unreachable for ${this.options.recoverMs} ms)`);
          break;
        }
        // Back off: a source that is busy, cut off for a while or not serving yet gets another chance.
        await this.retry.sleep(this.host.clock, retryDelay(attempt));
        if (attempt === 0 && !this.closed) this.renewChannel();
      }
    }
    for (const p of pages) this.requested.delete(p);
  }

  /** A fresh channel to the source (gRPC's own reconnect backoff would outlast a short cut). */
  private renewChannel(): void {
    this.fresh?.close();
    this.fresh = migTaskClient(this.sourceAddress);
  }

  /** The source does not answer: postcopy-paused (once), the waiting travelers go on waiting. */
  private pause(why: string): void {
    if (this.status === 'postcopy-paused') return;
    this.status = 'postcopy-paused';
    this.pausedAt = this.host.clock.now();
    this.pauses++;
    if (this.task.transit) this.task.transit.status = 'postcopy-paused';
    postcopyStatus(this.host, this.task.id ?? '', 'postcopy-paused', `${this.missing} page(s) wait for ${this.sourceAddress}: ${why}`);
  }

  /** The source answered again: postcopy-recover, then postcopy-active. */
  private recovered(): void {
    if (this.status !== 'postcopy-paused') return;
    this.status = 'postcopy-recover';
    postcopyStatus(this.host, this.task.id ?? '', 'postcopy-recover', `${this.sourceAddress} answers again`);
    this.status = 'postcopy-active';
    this.pausedAt = undefined;
    if (this.task.transit) this.task.transit.status = 'postcopy-active';
    postcopyStatus(this.host, this.task.id ?? '', 'postcopy-active', `${this.missing} page(s) still to come`);
  }

  /** RecoverPostcopy: retry every paused fetch now (and probe if none is waiting). */
  recoverNow(): void {
    if (this.status !== 'postcopy-paused') return;
    this.renewChannel();
    this.retry.wake();
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
      const n = this.task.installPages(batch.index, batch.data, batch.zero, true);
      installed += n;
      this.arrived += n + 1;
      this.recovered();
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
    this.watchdog?.cancel();
    this.retry.wake();
    this.client.close();
    this.fresh?.close();
  }
}
