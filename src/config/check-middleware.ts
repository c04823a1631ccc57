/**
 * Checks of the cluster file's middleware section the schema cannot make: an
 * archive key never goes in the cluster file (README "Encryption at rest"), and
 * a separate chunk engine needs an etcd catalog.
 */
import type { CheckContext } from './check-context.ts';

/** Reports an archive key in the middleware section, and `chunks` without an etcd store. */
export function checkMiddleware(ctx: CheckContext): void {
  const { config, locate } = ctx.cluster;
  const mw = config.middleware;
  if (!mw) return;
  for (const k of mw.keyEntries ?? []) {
    ctx.report(
      locate.line(mw, k),
      `middleware.${k}: an archive key never goes in the cluster file (whoever reads the file could open the archive); give it to middleware start with --key-file FILE or MIGVISOR_ARCHIVE_KEY`,
    );
  }
  if (mw.chunks && !mw.store.startsWith('etcd://')) {
    ctx.report(locate.line(mw, 'chunks'), `middleware.chunks: a chunk engine needs an etcd:// store for the catalog, not ${mw.store}`);
  }
}
