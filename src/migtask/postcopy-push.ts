/**
 * The source's push of a post-copy migration's remaining pages, with recovery
 * (README, "Post-copy recovery"): a push that breaks because the sink cannot be
 * reached pauses the migration (postcopy-paused) and is tried again with
 * backoff, or at once on RecoverPostcopy, on a fresh channel, until the sink
 * takes every page (postcopy-recover, postcopy-active) or the recovery timeout
 * passes. A sink that answers without the migration has lost it for good.
 */
import { describeError, MigvisorError, withEnd } from '../common/index.ts';
import type { MigrationRun } from './migration-run.ts';
import { paced } from './pacer.ts';
import { DEFAULT_POSTCOPY_RECOVER_MS, peerForgot, postcopyStatus, retryDelay } from './postcopy-recovery.ts';
import type { PostcopySource } from './postcopy-source.ts';
import { RemoteSink, type SinkPort } from './sink-port.ts';

/** Pushes every page the sink lacks; resolves once it has them all, rejects once the sink is gone for good. */
export async function pushWithRecovery(run: MigrationRun, residual: PostcopySource): Promise<void> {
  const { stats, host } = run;
  const recoverMs = run.options.postcopyRecoverMs ?? DEFAULT_POSTCOPY_RECOVER_MS;
  const deadline = Math.max(5000, run.options.deadlineMs);
  let pausedAt: number | undefined;
  let fresh: SinkPort | undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      const sink = fresh ?? run.sink;
      try {
        // --max-bandwidth paces the push too (the faults the sink asks for are not held back).
        // A wait for the rate ends with this attempt (its call failed or ended).
        // (the next attempt starts once this one's producer has ended: they share the residual pages).
        const paceOver = new AbortController();
        const pushed = withEnd(paced(residual.push(), run.control.pacer, paceOver.signal));
        const reply = await sink.pushPages(stats.migrationId, pushed.items, deadline).finally(async () => {
          paceOver.abort();
          await pushed.ended();
        });
        if (reply.missing > 0) throw new MigvisorError(`${run.sinkName} still lacks ${reply.missing} page(s) after the push`);
        if (pausedAt !== undefined) {
          residual.status = 'postcopy-recover';
          postcopyStatus(host, run.options.task, 'postcopy-recover', `${run.sinkName} answers again`);
          residual.status = 'postcopy-active';
          run.status('postcopy-active');
          postcopyStatus(host, run.options.task, 'postcopy-active', `${run.sinkName} holds every page`);
        }
        return;
      } catch (e: unknown) {
        const why = `pushing pages to ${run.sinkName} failed: ${describeError(e)}`;
        if (peerForgot(e)) throw e;
        if (pausedAt === undefined) {
          pausedAt = host.clock.now();
          stats.postcopyPauses++;
          residual.status = 'postcopy-paused';
          run.status('postcopy-paused');
          postcopyStatus(host, run.options.task, 'postcopy-paused', `${residual.remaining} page(s) not delivered: ${why}`);
        }
        if (host.clock.now() - pausedAt >= recoverMs) throw new MigvisorError(`${why} (unreachable for ${recoverMs} ms)`, e instanceof MigvisorError ? e.code : undefined);
        await residual.retry.sleep(host.clock, retryDelay(attempt));
        // What the broken push took may not have arrived; and the kept channel
        // may sit in gRPC's reconnect backoff longer than the cut lasted.
        residual.rewind();
        if (run.sink instanceof RemoteSink) {
          fresh?.close();
          fresh = new RemoteSink(run.sink.address);
        }
      }
    }
  } finally {
    fresh?.close();
  }
}
