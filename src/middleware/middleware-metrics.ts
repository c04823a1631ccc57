/**
 * What the middleware counts for Prometheus (README, "Operating a cluster", the
 * metric table): parks and restores by result, the bytes parks added to the store
 * and the bytes they found there already, and the store itself (bytes, chunks,
 * snapshots and the dedup ratio, read at each scrape).
 */
import { counter, gauge, type Registry } from '../common/index.ts';
import type { ArchiveObserver, MiddlewareServer } from './middleware-server.ts';
import type { SnapshotStore } from './store.ts';

/** The store's contents as the gauges report them. */
async function storeFigures(store: SnapshotStore): Promise<{ bytes: number; chunks: number; snapshots: number; logical: number }> {
  const [stats, manifests] = await Promise.all([store.stats(), store.listManifests()]);
  let logical = 0;
  for (const m of manifests) logical += m.pages.length * m.pageSize;
  return { bytes: stats.bytes, chunks: stats.chunks, snapshots: manifests.length, logical };
}

/** Registers the middleware's metrics in `registry`; returns the function that stops following `server`. */
export function registerMiddlewareMetrics(server: MiddlewareServer, registry: Registry): () => void {
  const parks = counter(registry, { name: 'migvisor_parks_total', help: 'Parks (a task stopped into the archive), by result (parked, failed)', labelNames: ['result'] as const });
  const restores = counter(registry, { name: 'migvisor_restores_total', help: 'Restores of snapshots onto nodes, by result (restored, failed)', labelNames: ['result'] as const });
  const newBytes = counter(registry, { name: 'migvisor_store_new_bytes_total', help: 'Page bytes parks added to the store (chunks it did not hold)' });
  const sharedBytes = counter(registry, { name: 'migvisor_store_shared_bytes_total', help: 'Page bytes parks found in the store already (deduplicated)' });
  // One read of the store per scrape, shared by the gauges below.
  let pending: Promise<Awaited<ReturnType<typeof storeFigures>>> | undefined;
  const figures = (): Promise<Awaited<ReturnType<typeof storeFigures>>> => {
    pending ??= storeFigures(server.store).finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  gauge(registry, {
    name: 'migvisor_store_bytes',
    help: 'Chunk bytes the store holds',
    async collect() {
      this.set((await figures()).bytes);
    },
  });
  gauge(registry, {
    name: 'migvisor_store_chunks',
    help: 'Chunks the store holds',
    async collect() {
      this.set((await figures()).chunks);
    },
  });
  gauge(registry, {
    name: 'migvisor_store_snapshots',
    help: 'Snapshots in the store (parked and restored)',
    async collect() {
      this.set((await figures()).snapshots);
    },
  });
  gauge(registry, {
    name: 'migvisor_store_dedup_ratio',
    help: 'Page bytes of every snapshot over the chunk bytes the store holds (1: nothing shared; 0 when empty)',
    async collect() {
      const f = await figures();
      this.set(f.bytes > 0 ? f.logical / f.bytes : 0);
    },
  });
  const observer: ArchiveObserver = {
    parked(m) {
      parks.inc({ result: 'parked' });
      newBytes.inc(m.newBytes);
      sharedBytes.inc(m.sharedBytes);
    },
    parkFailed() {
      parks.inc({ result: 'failed' });
    },
    restored() {
      restores.inc({ result: 'restored' });
    },
    restoreFailed() {
      restores.inc({ result: 'failed' });
    },
  };
  server.observers.add(observer);
  return () => server.observers.delete(observer);
}
