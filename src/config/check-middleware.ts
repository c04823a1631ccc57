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
  if (mw.chunks && !/^etcds?:\/\//.test(mw.store)) {
    ctx.report(locate.line(mw, 'chunks'), `middleware.chunks: a chunk engine needs an etcd:// or etcds:// store for the catalog, not ${mw.store}`);
  }
  // TLS to NATS uses the cluster's certificates (beside etcds:// the store's own check says so).
  if (mw.chunks?.startsWith('tls://') && !mw.store.startsWith('etcds://') && !ctx.cluster.config.tls) {
    ctx.report(locate.line(mw, 'chunks'), `middleware.chunks: ${mw.chunks} beside ${mw.store} is spoken over TLS, which needs the cluster file's tls: section`);
  }
}
