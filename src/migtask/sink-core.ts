/**
 * What every sink does with an incoming container, written once: a node's MigSink
 * slot (migration, load, restore) and the middleware's archive (park) differ only
 * in where the container goes ({@link SinkTarget}), not in how it is received.
 *
 * The receive loop verifies chunk by chunk (ChunkVerifier), reserves room when the
 * header arrives, hands over each verified page batch, and stages the container
 * once its trailer verifies. Nothing is visible until Commit activates it. Any
 * failure (a bad chunk, a broken stream, an Abort, the staging timeout) discards
 * what was received.
 *
 * Each container is a record, remembered by migration id (MigrationBook) so that
 * a source that lost a reply can ask (QueryMigration) instead of guessing:
 *
 *   receiving ──stage──▶ staged ──activate──▶ active
 *   receiving / staged ──abort──▶ aborted
 */
import { randomUUID } from 'node:crypto';
import { Code, describeError, IllegalStateError, InvalidArgumentError, MigvisorError, name, NotFoundError, type Clock, type Timer } from '../common/index.ts';
import { ChunkVerifier, ContainerError, type RawChunk, type VerifiedPages } from './container-codec.ts';
import { containerMode, type ContainerHeader__Output } from './container-snapshot.ts';
import { MigrationBook } from './migration-book.ts';
import { SideStreamVerifier, type StreamTotals } from './side-stream.ts';
import { SIDE_WAIT_MS, SideStreams } from './sink-streams.ts';

/** Where a received container stands. */
export type Outcome = 'receiving' | 'staged' | 'active' | 'aborted';


type Step = 'stage' | 'activate' | 'abort';

/** The record lifecycle: every outcome change goes through {@link nextOutcome}. */
const STEPS: Readonly<Record<Outcome, Partial<Record<Step, Outcome>>>> = {
  receiving: { stage: 'staged', abort: 'aborted' },
  staged: { activate: 'active', abort: 'aborted' },
  active: {},
  aborted: {},
};

/** The outcome after `step`, or an IllegalStateError naming both. */
export function nextOutcome(from: Outcome, step: Step): Outcome {
  const to = STEPS[from][step];
  if (to === undefined) throw new IllegalStateError(from, step);
  return to;
}

/** One received container, by migration id. `P` is what the target reserved for it. */
export interface SinkRecord<P> {
  readonly id: string;
  outcome: Outcome;
  readonly taskId: string;
  /** Why it was aborted (empty otherwise). */
  detail: string;
  /** The slot or writer holding it; undefined once it is discarded. */
  place: P | undefined;
  /** Pages verified and handed to the target so far. */
  pagesReceived: number;
  timer?: Timer;
  /** When it was staged (clock time; 0 before). */
  stagedAt?: number;
  /** The activation in progress: a Commit repeated meanwhile waits for it instead of starting another. */
  activating?: Promise<void>;
  /** A container of several streams: what it expects of the others (sink-streams.ts). */
  sides?: SideStreams;
  /** Its header, once it came (side streams need its page size and count). */
  header?: ContainerHeader__Output;
}

/** Where containers go: the part that differs between a node slot and the archive. */
export interface SinkTarget<P> {
  /** How one container is named in messages: "migration", "park". */
  readonly noun: string;
  /** Where this sink is, for messages: "on field-a", "in the archive". */
  readonly where: string;
  /** What an active container is, for messages: "running on field-a", "stored". */
  readonly activeText: string;
  /** Refuses a container this sink cannot take, before anything is reserved. */
  check(header: ContainerHeader__Output): void;
  /** Reserves room for the container (a free slot, a chunk writer). */
  reserve(header: ContainerHeader__Output, record: SinkRecord<P>): P;
  /**
   * A verified page batch of the container (batches come in stream order). A
   * promise it returns holds the batch in flight: the receive waits for it before
   * staging, and its failure fails the container.
   */
  pages(place: P, batch: VerifiedPages, header: ContainerHeader__Output): void | Promise<void>;
  /** The container is complete and verified; `state` is its final state (pre-copy's STATE chunk, else the header). */
  stage(place: P, state: ContainerHeader__Output, header: ContainerHeader__Output, record: SinkRecord<P>): void | Promise<void>;
  /** Commit: the container becomes a running task or a visible snapshot. */
  activate(place: P, record: SinkRecord<P>): void | Promise<void>;
  /** Throws away what was received. `announce`: an abort or timeout others should hear of (not a failed receive). */
  discard(place: P, reason: string, record: SinkRecord<P>, announce: boolean): void | Promise<void>;
  /**
   * A failed activation discards the record (it is aborted, a repeated Commit is
   * refused, the source resumes the task) instead of keeping it staged for another
   * Commit. The archive sets it: it rolls back what a failed activation may have left.
   */
  readonly discardOnActivateFailure?: boolean;
}

/** A container received and staged (or activated). */
export interface Received<P> {
  readonly record: SinkRecord<P>;
  readonly place: P;
  readonly header: ContainerHeader__Output;
  /** The final state (equal to the header unless a STATE chunk came). */
  readonly state: ContainerHeader__Output;
  readonly pages: number;
  readonly bytes: number;
}

/**
 * The names a header carries are held to the limits of request fields (README
 * "## Limits"), before any of them is looked up or echoed in an error.
 */
function checkHeaderNames(h: ContainerHeader__Output): void {
  const fields: [string, string][] = [
    ['task_id', h.taskId],
    ['migration_id', h.migrationId],
    ['partition', h.partition],
    ['source_node', h.sourceNode],
    ['source_address', h.sourceAddress],
  ];
  for (const [field, value] of fields) {
    try {
      name(value, field);
    } catch (e: unknown) {
      throw new InvalidArgumentError(`container header: ${describeError(e)}`);
    }
  }
}

/** The receive loop and the records of one sink. */
export class SinkCore<P> {
  private readonly book = new MigrationBook<SinkRecord<P>>();
  /** Side streams that came before their container's header, by migration id. */
  private readonly waiting = new Map<string, Array<(rec: SinkRecord<P>) => void>>();

  constructor(
    private readonly target: SinkTarget<P>,
    private readonly clock: Clock,
    /** A staged container not committed within this time is aborted (ms). @default 30000 */
    readonly stagingTimeoutMs = 30_000,
  ) {}

  /**
   * Receives a container stream. Resolves once it is staged (with `activate`:
   * active); rejects, leaving nothing behind, when anything is wrong.
   */
  async receive(chunks: AsyncIterable<RawChunk>, options: { activate?: boolean } = {}): Promise<Received<P>> {
    const verifier = new ChunkVerifier();
    let header: ContainerHeader__Output | undefined;
    let final: ContainerHeader__Output | undefined;
    let rec: SinkRecord<P> | undefined;
    try {
      for await (const c of chunks) {
        this.throwIfAborted(rec);
        rec?.sides?.throwIfFailed();
        // Pages land in the reserved place as soon as they verify; nothing is visible yet.
        const v = verifier.accept(c, (b) => {
          if (!rec?.place || !header) return;
          const placed = this.target.pages(rec.place, b, header);
          rec.pagesReceived += b.index.length + b.zero.length;
          return placed;
        });
        if (v.kind === 'header') {
          header = v.header;
          checkHeaderNames(header);
          this.target.check(header);
          rec = this.book.remember({ id: header.migrationId || randomUUID(), outcome: 'receiving', taskId: header.taskId, detail: '', place: undefined, pagesReceived: 0 });
          rec.place = this.target.reserve(header, rec);
          rec.header = header;
          if (header.streams > 1) this.expectSides(rec, header.streams);
        } else if (v.kind === 'state') {
          final = v.state;
        } else if (v.kind === 'pages') {
          await verifier.backpressure();
        }
      }
      await verifier.finish();
      this.throwIfAborted(rec);
      if (!header || !rec?.place) throw new ContainerError('the container ended before its trailer');
      const sides = rec.sides ? await rec.sides.all() : { pages: 0, bytes: 0 };
      this.throwIfAborted(rec);
      if (containerMode(header) === 'precopy' && !final) throw new ContainerError('a pre-copy container ended without its final state');
      const state = final ?? header;
      const place = rec.place;
      await this.target.stage(place, state, header, rec);
      rec.outcome = nextOutcome(rec.outcome, 'stage');
      rec.stagedAt = this.clock.now();
      if (options.activate) await this.activate(rec);
      else this.arm(rec);
      const { pages, bytes } = verifier.received;
      return { record: rec, place, header, state, pages: pages + sides.pages, bytes: bytes + sides.bytes };
    } catch (e: unknown) {
      rec?.sides?.fail(e);
      if (rec && rec.outcome !== 'active') await this.discard(rec, describeError(e), false);
      throw e;
    }
  }

  /** A container of `count` streams: side streams may attach; one that does not come in time fails it. */
  private expectSides(rec: SinkRecord<P>, count: number): void {
    rec.sides = new SideStreams(count);
    const sides = rec.sides;
    const t = this.clock.timer(SIDE_WAIT_MS, () => {
      if (!sides.allClaimed()) sides.fail(new ContainerError(`${this.target.noun} ${rec.id}: not all of its ${count} streams opened within ${SIDE_WAIT_MS} ms`, Code.UNAVAILABLE));
    });
    void sides.all().then(
      () => t.cancel(),
      () => t.cancel(),
    );
    for (const w of this.waiting.get(rec.id) ?? []) w(rec);
    this.waiting.delete(rec.id);
  }

  /** The record of `id` once its header (with its streams) arrived; bounded wait. */
  private recordWithSides(id: string): Promise<SinkRecord<P>> {
    const rec = this.book.get(id);
    if (rec?.sides) return Promise.resolve(rec);
    if (rec) return Promise.reject(new ContainerError(`${this.target.noun} ${id} has one stream only`, Code.FAILED_PRECONDITION));
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(id) ?? [];
      const t = this.clock.timer(SIDE_WAIT_MS, () => {
        const i = list.indexOf(w);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.waiting.delete(id);
        reject(new MigvisorError(`no ${this.target.noun} ${id} ${this.target.where} began within ${SIDE_WAIT_MS} ms`, Code.NOT_FOUND));
      });
      const w = (r: SinkRecord<P>): void => {
        t.cancel();
        resolve(r);
      };
      list.push(w);
      this.waiting.set(id, list);
    });
  }

  /**
   * ReceiveStream: stream `index` of container `id` (README, "Parallel streams").
   * Its pages land in the container's place as they verify, in order; resolves
   * with what it delivered. A failure fails the whole container.
   */
  async receiveStream(id: string, index: number, chunks: AsyncIterable<RawChunk>): Promise<StreamTotals> {
    const rec = await this.recordWithSides(id);
    const sides = rec.sides!;
    const slot = sides.claim(index, id);
    const header = rec.header!;
    const verifier = new SideStreamVerifier(index, header.pageSize, header.pageCount, (b) => {
      if (!rec.place || rec.outcome !== 'receiving') return;
      const placed = this.target.pages(rec.place, b, header);
      rec.pagesReceived += b.index.length + b.zero.length;
      return placed;
    });
    try {
      for await (const c of chunks) {
        this.throwIfAborted(rec);
        sides.throwIfFailed();
        await verifier.accept(c);
      }
      const totals = await verifier.finish();
      this.throwIfAborted(rec);
      slot.resolve(totals);
      return totals;
    } catch (e: unknown) {
      const err = e instanceof MigvisorError ? e : new MigvisorError(`stream ${index} of ${this.target.noun} ${id} broke off: ${describeError(e)}`, Code.UNAVAILABLE, { cause: e });
      sides.fail(err);
      slot.reject(err);
      throw err;
    }
  }

  private throwIfAborted(rec: SinkRecord<P> | undefined): void {
    if (rec?.outcome === 'aborted') throw new MigvisorError(`${this.target.noun} ${rec.id} was aborted: ${rec.detail}`, Code.ABORTED);
  }

  /** Starts the staging timeout of a staged record. */
  private arm(rec: SinkRecord<P>): void {
    rec.timer?.cancel();
    rec.timer = this.clock.timer(this.stagingTimeoutMs, () => {
      if (rec.outcome === 'staged') void this.discard(rec, `not committed within ${this.stagingTimeoutMs} ms`, true);
    });
  }

  private activate(rec: SinkRecord<P>): Promise<void> {
    rec.activating ??= this.activateOnce(rec).finally(() => (rec.activating = undefined));
    return rec.activating;
  }

  private async activateOnce(rec: SinkRecord<P>): Promise<void> {
    rec.timer?.cancel();
    try {
      await this.target.activate(rec.place!, rec);
    } catch (e: unknown) {
      if (this.target.discardOnActivateFailure) {
        const why = `could not be made durable: ${describeError(e)}`;
        await this.discard(rec, why, true);
        throw new IllegalStateError('aborted', 'Commit', `${this.target.noun} ${rec.id} ${why}; nothing was kept`);
      }
      // Still staged: the source may commit again, or the timeout discards it.
      this.arm(rec);
      throw e;
    }
    rec.outcome = nextOutcome(rec.outcome, 'activate');
  }

  private async discard(rec: SinkRecord<P>, reason: string, announce: boolean): Promise<void> {
    rec.timer?.cancel();
    const place = rec.place;
    rec.place = undefined;
    rec.outcome = 'aborted';
    rec.detail = reason;
    if (place !== undefined) await this.target.discard(place, reason, rec, announce);
  }

  /** Commit: activates a staged container. Repeating it after success is harmless. */
  async commit(id: string): Promise<SinkRecord<P>> {
    const rec = this.book.get(id);
    if (!rec) throw new NotFoundError(this.target.noun, id, this.target.where);
    if (rec.activating) await rec.activating;
    else if (rec.outcome === 'staged') await this.activate(rec);
    else if (rec.outcome !== 'active') throw new IllegalStateError(rec.outcome, 'Commit', `${this.target.noun} ${id}${rec.detail ? `: ${rec.detail}` : ''}`);
    return rec;
  }

  /** Abort: discards a receiving or staged container; refused once it is active. */
  async abort(id: string, reason: string): Promise<Outcome | 'unknown'> {
    const rec = this.book.get(id);
    if (!rec) return 'unknown';
    // An activation in progress ends first: it may be making the container durable.
    if (rec.activating) await rec.activating.catch(() => undefined);
    if (rec.outcome === 'active') throw new IllegalStateError('active', 'Abort', `${this.target.noun} ${id} is already ${this.target.activeText}`);
    if (rec.outcome === 'receiving') {
      // The receive loop sees this at its next chunk and cleans up.
      rec.outcome = nextOutcome(rec.outcome, 'abort');
      rec.detail = reason;
    } else if (rec.outcome === 'staged') await this.discard(rec, reason, true);
    return rec.outcome;
  }

  /** The record of a migration id, if this sink remembers it. */
  record(id: string): SinkRecord<P> | undefined {
    return this.book.get(id);
  }

  /** Stops every staging timer (shutdown). */
  close(): void {
    this.book.close();
  }
}
