/**
 * A gRPC server with the pieces every migvisor process serves alongside its own
 * services: health checking (NOT_SERVING until bound, and again while stopping)
 * and server reflection. Stopping is orderly: NOT_SERVING, tryShutdown, then
 * forceShutdown after a grace period.
 */
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { reflectionFiles } from './reflection-files.ts';
import { tolerantRequests } from './undecodable.ts';
import { roleInterceptor } from './roles.ts';
import { serverCredentials } from './tls.ts';
import { CHANNEL_OPTIONS, FLOW_CONTROL_WINDOW } from './wire.ts';

/**
 * Gives every HTTP/2 session of `server` the receive window of
 * {@link FLOW_CONTROL_WINDOW}, per stream (SETTINGS) and per connection, as
 * grpc-js does for its channels: its server has no option for it yet
 * (grpc/grpc-node#3058), so this hooks the session event of its HTTP/2 servers,
 * and does nothing where a later grpc-js hides them.
 */
function widenWindows(server: grpc.Server): void {
  const http2Servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(http2Servers instanceof Map)) return;
  for (const h of http2Servers.keys()) {
    if (typeof h?.on !== 'function') continue;
    h.on('session', (session: ServerHttp2Session) => {
      session.settings({ initialWindowSize: FLOW_CONTROL_WINDOW });
      try {
        session.setLocalWindowSize(FLOW_CONTROL_WINDOW);
      } catch {
        // A session closing as it opens: nothing to widen.
      }
    });
  }
}

/** The standard services every migvisor server serves beside its own. */
const STANDARD_SERVICES = ['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

/**
 * A gRPC server with health checking and reflection beside the services of
 * `services` (their full names), and an orderly shutdown. It binds with this
 * process's TLS credentials (tls.ts) and every call passes the role check
 * (roles.ts) before its handler runs.
 */
export class ServiceHost {
  readonly server = new grpc.Server({ ...CHANNEL_OPTIONS, interceptors: [roleInterceptor] });
  private readonly health: HealthImplementation;
  address = '';

  constructor(private readonly services: readonly string[]) {
    this.health = new HealthImplementation(Object.fromEntries(['', ...services].map((s) => [s, 'NOT_SERVING'])));
    this.health.addToServer(this.server);
    // Reflection tells the truth: the real files of proto/, and only the services this server serves.
    new ReflectionService(reflectionFiles(), { services: [...services, ...STANDARD_SERVICES] }).addToServer(this.server);
  }

  /** Serves a service; a request that does not decode is answered INVALID_ARGUMENT by the handler adapters, not INTERNAL by grpc-js. */
  addService(def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation): void {
    this.server.addService(tolerantRequests(def), impl);
  }

  private status(s: 'SERVING' | 'NOT_SERVING'): void {
    for (const name of ['', ...this.services]) this.health.setStatus(name, s);
  }

  /** Binds and starts serving; resolves with the bound host:port (port 0 picks one). */
  async listen(address: string): Promise<string> {
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, serverCredentials(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    widenWindows(this.server);
    this.status('SERVING');
    this.address = `${address.slice(0, address.lastIndexOf(':'))}:${port}`;
    return this.address;
  }

  /** Health goes NOT_SERVING at once; the server stops when calls end, or by force after `graceMs`. */
  async shutdown(graceMs: number, beforeStop: () => void = () => {}): Promise<void> {
    this.status('NOT_SERVING');
    beforeStop();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
