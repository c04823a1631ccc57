/**
 * Step 4 of a migration, on the source, after it decided to commit: Commit, and
 * if the reply is lost, ask the sink what became of the migration (never guess).
 * While the sink does not answer the migration is in doubt: the task stays
 * stopped here (Committing) and the source keeps asking in the background until
 * the sink says it runs there (depart) or that it never will (resume).
 */
import { Code, MigvisorError, type Clock } from '../common/index.ts';
import type { MigrationRun } from './migration-run.ts';
import type { SinkPort } from './sink-port.ts';

/** Deadline of one Commit or QueryMigration call. */
export const COMMIT_DEADLINE_MS = 5_000;
/** How long to keep asking a sink that does not answer after the commit. */
const RESOLVE_ATTEMPTS = 10;
const RESOLVE_INTERVAL_MS = 500;
/** Between two rounds of asking, once a migration is in doubt. */
const IN_DOUBT_RETRY_MS = 5_000;

/** What the source learnt about a migration it committed (`in-doubt`: nothing yet). */
export type Settled = 'active' | 'aborted' | 'unknown' | 'in-doubt';

/** Commits, and if the reply is lost, asks the sink what became of the migration. */
export async function settle(sink: SinkPort, id: string, clock: Clock): Promise<Settled> {
  for (let attempt = 0; attempt < RESOLVE_ATTEMPTS; attempt++) {
    try {
      await sink.commit(id, COMMIT_DEADLINE_MS);
      return 'active';
    } catch (e: unknown) {
      // The sink refused the commit outright: it aborted (e.g. staging timed out).
      if (e instanceof MigvisorError && e.code === Code.FAILED_PRECONDITION) {
        const q = await sink.query(id, COMMIT_DEADLINE_MS).catch(() => undefined);
        if (q?.outcome === 'active') return 'active';
        return q?.outcome === 'unknown' ? 'unknown' : 'aborted';
      }
    }
    try {
      const q = await sink.query(id, COMMIT_DEADLINE_MS);
      if (q.outcome === 'active') return 'active';
      if (q.outcome === 'aborted' || q.outcome === 'unknown') return q.outcome;
      // staged or receiving: the commit did not arrive; send it again
    } catch {
      // no answer: wait and ask again
    }
    await clock.sleep(RESOLVE_INTERVAL_MS);
  }
  return 'in-doubt';
}

/**
 * In doubt after the commit: keeps asking in the background, then departs (the
 * sink runs the task) or resumes it here with the messages it carried.
 */
export function keepResolving(run: MigrationRun, depart: (detail: string) => Promise<void>, abandon: () => void): void {
  const { host, task, sink, sinkName } = run;
  const id = run.stats.migrationId;
  const retry = async (): Promise<void> => {
    const outcome = await settle(sink, id, host.clock);
    if (task.state !== 'Committing') return;
    if (outcome === 'in-doubt') {
      host.clock.timer(IN_DOUBT_RETRY_MS, () => void retry());
      return;
    }
    if (outcome === 'active') {
      await depart(`${sinkName} confirmed the task runs there`);
      task.scrub();
      return;
    }
    // The messages taken at the stop never reached the sink: they go back in front.
    abandon();
    run.resume(`${sinkName} reports the migration ${outcome}`);
  };
  void retry();
}
