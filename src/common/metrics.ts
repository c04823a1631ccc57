/**
 * Prometheus metrics of a process (README, "Operating a cluster"): a prom-client
 * registry per process, the gRPC call metrics every server shares (fed by the
 * handler adapters' {@link observeCalls}), and the small HTTP server that serves
 * `/metrics` in the text exposition format (`--metrics HOST:PORT`). What a node
 * and the middleware count is theirs (hypervisor's node-metrics.ts,
 * middleware's middleware-metrics.ts).
 */
import * as http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { CounterConfiguration, Counter, Gauge, GaugeConfiguration, Histogram, HistogramConfiguration, Registry } from 'prom-client';
import { Code, InvalidArgumentError, MigvisorError } from './errors.ts';
import { statusName } from './grpc-errors.ts';
import { observeCalls } from './handlers.ts';

export type { Counter, Gauge, Histogram, Registry } from 'prom-client';

// Loaded on first use: every CLI command loads this area, only the servers count.
const require = createRequire(import.meta.url);
const prom = (): typeof import('prom-client') => require('prom-client') as typeof import('prom-client');

/** A fresh registry (one per process; tests make their own). */
export function createRegistry(): Registry {
  return new (prom().Registry)();
}

/** A counter in `registry`. */
export function counter<L extends string>(registry: Registry, config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
  return new (prom().Counter)<L>({ ...config, registers: [registry] });
}

/** A gauge in `registry` (with `collect`, read at each scrape). */
export function gauge<L extends string>(registry: Registry, config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
  return new (prom().Gauge)<L>({ ...config, registers: [registry] });
}

/** A histogram in `registry`. */
export function histogram<L extends string>(registry: Registry, config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
  return new (prom().Histogram)<L>({ ...config, registers: [registry] });
}

/** Buckets of time histograms (seconds): 1 ms to 1 min. */
export const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Counts every call this process's gRPC servers finish in `registry`:
 * `migvisor_grpc_server_calls_total{method,code}` and
 * `migvisor_grpc_server_call_duration_seconds{method,code}`.
 */
export function registerGrpcMetrics(registry: Registry): void {
  const calls = counter(registry, {
    name: 'migvisor_grpc_server_calls_total',
    help: 'gRPC calls served, by method and status code',
    labelNames: ['method', 'code'] as const,
  });
  const seconds = histogram(registry, {
    name: 'migvisor_grpc_server_call_duration_seconds',
    help: 'Time from a call to its status, by method and status code (streams: until they end)',
    labelNames: ['method', 'code'] as const,
    buckets: SECONDS_BUCKETS,
  });
  observeCalls((method, code, s) => {
    const labels = { method, code: statusName(code) };
    calls.inc(labels);
    seconds.observe(labels, s);
  });
}

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** Where it serves (host:port; the real port when 0 was asked). */
  readonly address: string;
  close(): Promise<void>;
}

/** `HOST:PORT` (or `[v6]:PORT`) split; InvalidArgumentError naming `what` otherwise. */
function hostPortOf(address: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):([0-9]{1,5})$/.exec(address);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new InvalidArgumentError(`${what} must be HOST:PORT with a port from 0 to 65535, got ${JSON.stringify(address)}`);
  return { host: m[1] ?? m[2] ?? '', port };
}

/** Serves `registry` at `http://ADDRESS/metrics` (Prometheus text format); resolves once it listens. */
export async function serveMetrics(registry: Registry, address: string, what = '--metrics'): Promise<MetricsServer> {
  const { host, port } = hostPortOf(address, what);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (e: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${e instanceof Error ? e.message : String(e)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new MigvisorError(`${what}: cannot listen on ${address}: ${e.message}`, Code.UNAVAILABLE)));
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
