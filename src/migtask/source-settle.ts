/**
 * Step 4 of a migration, on the source, after it decided to commit: Commit, and
 * if the reply is lost, ask the sink what became of the migration (never guess).
 * While the sink does not answer the migration is in doubt: the task stays
 * stopped here (Committing) and the source keeps asking in the background until
 * the sink says it runs there (depart) or that it never will (resume).
 *
 * A sink that promised a commit window (the archive: what it staged is durable
 * within that time of its Receive reply, or never) lets the source settle by
 * itself: once the window and a margin have passed without an answer, the task
 * resumes here (README, "Archive failures").
 */
import { Code, MigvisorError, type Clock } from '../common/index.ts';
import type { MigrationRun } from './migration-run.ts';
import type { PreparedCommit, SinkPort } from './sink-port.ts';

/** Deadline of one Commit or QueryMigration call. */
export const COMMIT_DEADLINE_MS = 5_000;
/** How long to keep asking a sink that does not answer after the commit. */
const RESOLVE_ATTEMPTS = 10;
const RESOLVE_INTERVAL_MS = 500;
/** Between two rounds of asking, once a migration is in doubt. */
const IN_DOUBT_RETRY_MS = 5_000;
/** Past a sink's commit window, how long the source still waits for an answer before it settles by itself (ms). */
export const SELF_SETTLE_MARGIN_MS = 2_000;

/** What the source learnt about a migration it committed (`in-doubt`: nothing yet). */
export type Settled = 'active' | 'aborted' | 'unknown' | 'in-doubt';

/**
 * Commits, and if the reply is lost, asks the sink what became of the migration
 * (giving up at clock time `until`). The first Commit is `prepared` when it was
 * opened before the stop (and is still open); later ones are fresh calls.
 */
export async function settle(sink: SinkPort, id: string, clock: Clock, until = Infinity, prepared?: PreparedCommit, why: { detail?: string } = {}): Promise<Settled> {
  for (let attempt = 0; attempt < RESOLVE_ATTEMPTS && clock.now() < until; attempt++) {
    try {
      if (attempt === 0 && prepared && !prepared.failed) await prepared.send();
      else await sink.commit(id, COMMIT_DEADLINE_MS);
      return 'active';
    } catch (e: unknown) {
      // The sink refused the commit outright: it aborted (e.g. staging timed out, or its store failed),
      // or it does not know the migration (NOT_FOUND: it never staged it, or it restarted since).
      if (refusedCommit(e)) {
        const q = await sink.query(id, COMMIT_DEADLINE_MS).catch(() => undefined);
        if (q?.outcome === 'active') return 'active';
        why.detail = q?.detail || e.message;
        return q?.outcome === 'unknown' ? 'unknown' : 'aborted';
      }
    }
    try {
      const q = await sink.query(id, COMMIT_DEADLINE_MS);
      if (q.outcome === 'active') return 'active';
      if (q.outcome === 'aborted' || q.outcome === 'unknown') {
        if (q.detail) why.detail = q.detail;
        return q.outcome;
      }
      // staged or receiving: the commit did not arrive; send it again
    } catch {
      // no answer: wait and ask again
    }
    await clock.sleep(RESOLVE_INTERVAL_MS);
  }
  return 'in-doubt';
}

/** The sink answered the Commit with a refusal (not a lost reply): aborted, or a migration it does not know. */
function refusedCommit(e: unknown): e is MigvisorError {
  return e instanceof MigvisorError && (e.code === Code.FAILED_PRECONDITION || e.code === Code.NOT_FOUND);
}

/** One round of asking: Commit again, then QueryMigration; `in-doubt` when the sink does not answer. */
export async function settleOnce(sink: SinkPort, id: string): Promise<Settled> {
  try {
    await sink.commit(id, COMMIT_DEADLINE_MS);
    return 'active';
  } catch (e: unknown) {
    const refused = refusedCommit(e);
    const q = await sink.query(id, COMMIT_DEADLINE_MS).catch(() => undefined);
    if (q?.outcome === 'active') return 'active';
    if (q?.outcome === 'aborted' || q?.outcome === 'unknown') return q.outcome;
    return refused ? 'aborted' : 'in-doubt';
  }
}

/** A migration in doubt, as the node keeps it: it can be asked to settle now. */
export interface InDoubt {
  readonly migrationId: string;
  /** Asks the sink once, now, and acts on the answer; resolves with what it said. */
  settle(): Promise<Settled>;
}

/**
 * In doubt after the commit: keeps asking in the background, then departs (the
 * sink runs the task) or resumes it here with the messages it carried. While it
 * is in doubt, `register` holds it so that a client can ask it to settle now.
 */
export function keepResolving(
  run: MigrationRun,
  depart: (detail: string) => Promise<void>,
  abandon: () => void,
  register: (d: InDoubt | undefined) => void,
  /** Clock time past which the source settles by itself (the sink's commit window and a margin); undefined: never. */
  selfSettleAt?: number,
): void {
  const { host, task, sink, sinkName } = run;
  const id = run.stats.migrationId;
  let done = false;
  const act = async (outcome: Settled): Promise<void> => {
    if (done || task.state !== 'Committing') return;
    if (outcome === 'in-doubt') {
      if (selfSettleAt === undefined || host.clock.now() < selfSettleAt) return;
      done = true;
      register(undefined);
      abandon();
      run.resume(`settled by itself: ${sinkName} did not answer within its commit window, so it keeps nothing of the migration`);
      return;
    }
    done = true;
    register(undefined);
    if (outcome === 'active') {
      await depart(`${sinkName} confirmed the task runs there`);
      task.scrub();
      return;
    }
    // The messages taken at the stop never reached the sink: they go back in front.
    abandon();
    run.resume(`${sinkName} reports the migration ${outcome}`);
  };
  const retry = async (): Promise<void> => {
    const outcome = await settle(sink, id, host.clock, selfSettleAt);
    if (done || task.state !== 'Committing') return;
    if (outcome === 'in-doubt' && (selfSettleAt === undefined || host.clock.now() < selfSettleAt)) {
      const wait = selfSettleAt === undefined ? IN_DOUBT_RETRY_MS : Math.max(1, Math.min(IN_DOUBT_RETRY_MS, selfSettleAt - host.clock.now()));
      host.clock.timer(wait, () => void retry());
      return;
    }
    await act(outcome);
  };
  register({
    migrationId: id,
    settle: async () => {
      const outcome = await settleOnce(sink, id);
      await act(outcome);
      return outcome;
    },
  });
  void retry();
}
