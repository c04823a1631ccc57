/**
 * Step 2 and 3 of a migration, on the source: what goes over the wire, by mode,
 * and when the travelers stop.
 *
 * - full: the header (the sink reserves its slot meanwhile), then stop, every
 *   non-zero page and the final state (registers, page map);
 * - lazy (post-copy): stop, then registers and page map only; the sink resumes at
 *   once and the pages follow (faults served, the rest pushed);
 * - precopy: every page while the travelers run, then the pages they dirtied in
 *   rounds until few are dirty (or the rounds run out), then stop and send the rest
 *   and the final state.
 */
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { CALL_ENDED } from '../common/index.ts';
import { ChunkEncoder, preparePages, type PreparedPages, type RawChunk } from './container-codec.ts';
import { BATCH_PAGES, pageChunks } from './container-snapshot.ts';
import { PrecopyGovernor } from './convergence.ts';
import { DEFAULT_PRECOPY_MAX_ROUNDS, DEFAULT_PRECOPY_STOP_PAGES, type MigrationRun } from './migration-run.ts';
import { pipelined, slices } from './pipeline.ts';
import { COMMIT_DEADLINE_MS } from './source-settle.ts';

/** Longest pre-copy waits for the sink to work off its backlog before it stops the task (ms). */
export const CATCH_UP_MS = 2000;
const CATCH_UP_POLL_MS = 2;

/** The container of a migration in `run.options.mode`. */
export function migrationChunks(run: MigrationRun, sourceAddress: string): AsyncGenerator<RawChunk> {
  switch (run.options.mode) {
    case 'precopy':
      return precopyChunks(run);
    case 'lazy':
      return lazyChunks(run, sourceAddress);
    case 'full':
      return fullChunks(run);
  }
}

/**
 * Before a stop that is the first thing a container does (full, post-copy): the
 * Receive call is only being opened when this generator is first asked for a
 * chunk, and the Commit is opened now (MigrationRun.prepareCommit). One turn of
 * the event loop lets grpc-js put both streams on the wire, so the sink's
 * handler starts while the source takes the snapshot, not after.
 */
async function readyToStop(run: MigrationRun): Promise<void> {
  run.prepareCommit(COMMIT_DEADLINE_MS);
  await yieldToIo();
  run.throwIfCancelled();
}

/**
 * Stop-and-copy: the header, then stop, every non-zero page and the final state.
 * The header goes while the task still runs, as pre-copy's does: the sink checks
 * it and reserves its slot meanwhile, so its trip is not part of the downtime;
 * the travelers' state and the page map follow in the STATE chunk.
 */
async function* fullChunks(run: MigrationRun): AsyncGenerator<RawChunk> {
  const encoder = new ChunkEncoder();
  const streams = run.pageStreams;
  // The streams are fixed by the pages that are not zero now (the header names them).
  const first = run.snapshot();
  const announced = { ...first.header, travelers: [], pagesToSend: 0, ...(streams ? { streams: run.decideStreams(first.pages.length) } : {}) };
  run.toSendPages = first.pages.length;
  yield run.count(encoder.header(announced), 0, 0, 0, 0);
  await headerTaken(run);
  await readyToStop(run);
  run.stop();
  const snap = run.snapshot();
  run.stats.pagesElided = snap.elided;
  // Parallel streams: this stream keeps its stripes, the others go to their streams.
  const own = streams?.spread(snap.pages, (b) => preparePages(run.task.space, b, run.stats.compression));
  streams?.close();
  let sent = { pagesSent: 0, rawPageBytes: 0, sentPageBytes: 0 };
  for await (const p of pageChunks(run.task, own ?? snap.pages, run.stats.compression, encoder)) {
    sent = p;
    yield run.count(p.chunk, p.pagesSent, p.rawPageBytes, p.sentPageBytes, snap.pages.length);
  }
  const final = { ...snap.header, ...(streams ? { streams: announced.streams } : {}) };
  yield run.count(encoder.state(final), sent.pagesSent, sent.rawPageBytes, sent.sentPageBytes, snap.pages.length);
  yield run.count(encoder.trailer(), sent.pagesSent, sent.rawPageBytes, sent.sentPageBytes, snap.pages.length);
}

/** Post-copy: stop, then only registers, page map and queued messages. */
async function* lazyChunks(run: MigrationRun, sourceAddress: string): AsyncGenerator<RawChunk> {
  const encoder = new ChunkEncoder();
  await readyToStop(run);
  run.stop();
  // Zero pages are not looked for now (that would scan all memory while the task is
  // stopped): every present page is fetched or pushed later, zero pages without data.
  const snap = run.snapshot(null);
  yield run.count(encoder.header({ ...snap.header, pagesToSend: 0, sourceAddress, postcopyRecoverMs: run.options.postcopyRecoverMs ?? 0 }), 0, 0, 0, 0);
  yield run.count(encoder.trailer(), 0, 0, 0, 0);
}

/**
 * Pre-copy: every present page while the travelers run; then the pages dirtied
 * meanwhile, round after round, until few enough are dirty or the rounds run out;
 * then stop, send the last dirty pages and the final state.
 */
async function* precopyChunks(run: MigrationRun): AsyncGenerator<RawChunk> {
  const { task, stats } = run;
  const space = task.space;
  const pt = space.pageTable;
  const stopPages = run.options.precopyStopPages ?? DEFAULT_PRECOPY_STOP_PAGES;
  const maxRounds = Math.max(1, run.options.precopyMaxRounds ?? DEFAULT_PRECOPY_MAX_ROUNDS);
  const encoder = new ChunkEncoder();
  let pagesSent = 0;
  // The header says who is coming; the travelers' state follows in the STATE chunk.
  const first = run.snapshot();
  const streams = run.pageStreams;
  yield run.count(encoder.header({ ...first.header, travelers: [], pagesToSend: 0, ...(streams ? { streams: run.decideStreams(first.pages.length) } : {}) }), 0, 0, 0, 0);
  const zero = new Uint8Array(pt.pageCount);

  const prepare = (batch: readonly number[]): Promise<PreparedPages> => {
    const data: number[] = [];
    const zeros: number[] = [];
    for (const p of batch) {
      const z = space.isZeroPage(p);
      zero[p] = z ? 1 : 0;
      (z ? zeros : data).push(p);
    }
    return preparePages(space, data, stats.compression, zeros);
  };
  const sendPages = async function* (pages: readonly number[], spread = true): AsyncGenerator<RawChunk> {
    // Parallel streams: the other streams' stripes are queued on them.
    const own = streams && spread ? streams.spread(pages, prepare) : pages;
    for await (const prepared of pipelined(slices(own, BATCH_PAGES), prepare)) {
      pagesSent += prepared.pages;
      yield run.count(encoder.pageChunk(prepared), pagesSent, run.raw + prepared.raw, run.sent + prepared.payload.length, pt.pageCount);
    }
  };

  // Round 0: everything present; later rounds: what the travelers dirtied meanwhile.
  pt.clearDirty();
  let pages: number[] = [];
  for (let p = 0; p < pt.pageCount; p++) if (pt.isPresent(p)) pages.push(p);
  stats.rounds = 0;
  // The stop rules and auto-converge (convergence.ts).
  const governor = new PrecopyGovernor(run, space.pageSize, stopPages, maxRounds);
  for (;;) {
    stats.rounds++;
    stats.pagesPerRound.push(pages.length);
    governor.beginRound(pages.length);
    yield* sendPages(pages);
    pages = pt.dirtyPages();
    if (governor.endRound(pages.length)) {
      // Before stopping, let the sink work off what is still in flight, so the
      // downtime holds only the last dirty pages, not a backlog of earlier rounds;
      // what the task dirtied meanwhile must still fit the downtime limit.
      await caughtUp(run, pagesSent + (streams?.pagesQueued ?? 0));
      if (governor.confirmStop(pt.dirtyCount())) break;
      pages = pt.dirtyPages();
    }
    pt.clearDirty();
    // Let the travelers run between rounds (the node's clock drives them).
    await yieldToIo();
    run.throwIfCancelled();
  }

  // The other streams end before the stop, and the sink has verified and
  // installed all they carried: the downtime holds Receive's own stream only, and
  // a page of the last round, sent on it, lands after its copies on the others.
  if (streams) {
    streams.close();
    await run.unlessCancelled(streams.finished());
    run.throwIfCancelled();
  }

  // Stop and copy the rest: everything dirtied since the last round was sent.
  run.prepareCommit(COMMIT_DEADLINE_MS);
  await yieldToIo();
  run.throwIfCancelled();
  run.stop();
  pages = pt.dirtyPages();
  pt.clearDirtyOf(pages);
  stats.finalDirtyPages = pages.length;
  stats.pagesPerRound.push(pages.length);
  stats.rounds++;
  yield* sendPages(pages, false);
  // Every present page was sent at least once, so which are zero is already known.
  const final = run.snapshot(zero);
  stats.pagesElided = final.elided;
  yield run.count(encoder.state(final.header), pagesSent, run.raw, run.sent, pt.pageCount);
  yield run.count(encoder.trailer(), pagesSent, run.raw, run.sent, pt.pageCount);
}

/** Longest a full migration waits for its sink to take the header before it stops the task (ms). */
const HEADER_WAIT_MS = 50;

/**
 * Waits, at most {@link HEADER_WAIT_MS}, until the sink knows the migration: it
 * has checked the header and reserved its slot, so the stop that follows does
 * not wait for that. A sink that does not answer in time is not waited for
 * longer; one that refused the header fails the migration before the task ever
 * stopped (the Receive call reports why).
 */
async function headerTaken(run: MigrationRun): Promise<void> {
  const clock = run.host.clock;
  const until = clock.now() + HEADER_WAIT_MS;
  const late = (): Promise<'late'> => clock.sleep(Math.max(0, until - clock.now())).then(() => 'late' as const);
  while (clock.now() < until) {
    run.throwIfCancelled();
    const query = run.sink.query(run.stats.migrationId, COMMIT_DEADLINE_MS).catch(() => undefined);
    const q = await run.unlessCancelled(Promise.race([query, late()]));
    if (q === 'late' || !q || q.outcome === 'receiving') return;
    // Refused (aborted at once): the task is not stopped. The Receive call's
    // status says why; it came first, on the same connection as this answer.
    if (q.outcome !== 'unknown') throw new Error(CALL_ENDED);
    await clock.sleep(CATCH_UP_POLL_MS);
  }
}

/** Waits (bounded) until the sink has installed `pages` pages of this migration. */
async function caughtUp(run: MigrationRun, pages: number): Promise<void> {
  const clock = run.host.clock;
  const until = clock.now() + CATCH_UP_MS;
  while (clock.now() < until) {
    run.throwIfCancelled();
    const q = await run.unlessCancelled(run.sink.query(run.stats.migrationId, COMMIT_DEADLINE_MS).catch(() => undefined));
    if (!q || q.outcome !== 'receiving' || q.pagesReceived >= pages) return;
    await clock.sleep(CATCH_UP_POLL_MS);
  }
}
