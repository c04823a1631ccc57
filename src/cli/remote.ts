/**
 * What remote commands share when they run: node name resolution, the
 * cluster's TLS identity and token (README "TLS and roles"), and gRPC clients that are
 * closed when the command ends (their options are in ./remote-options.ts).
 */
import * as fs from 'node:fs';
import {
  migTaskClient,
  nodeClient,
  type MigTaskClient,
  type NodeControlClient,
  openClient,
  wire,
  InvalidArgumentError,
  resolveMiddleware,
  resolveNode,
  resolveTestbed,
} from '../common/index.ts';
import type { MiddlewareClient } from '../generated/migvisor/v1/Middleware.ts';
import type { TestbedClient } from '../generated/migvisor/v1/Testbed.ts';
import type { ClusterConfig } from '../config/index.ts';
import { clusterFile } from './cluster-file.ts';
import type { ClusterFlags } from './remote-options.ts';

/** Thrown (and caught) by {@link Remote}'s first resolution attempt when it needs the cluster file. */
const NEEDS_CONFIG: unique symbol = Symbol('needs the cluster configuration');

/** The nodes and the middleware of one cluster file, and the clients a command opened to them. */
export class Remote {
  readonly clusterFile: string;
  private config: ClusterConfig | undefined;
  private readonly clients: { close(): void }[] = [];
  /** Settles once this process has the cluster's TLS identity (at once for a cluster without tls:). */
  private readonly secured: Promise<void>;

  constructor(flags: ClusterFlags) {
    this.clusterFile = clusterFile(flags.cluster);
    this.secured = this.secure(flags.token);
    // Awaited by every client; a command that makes none must not see it as unhandled.
    this.secured.catch(() => {});
  }

  /**
   * A cluster file with a tls:, roles: or tokens: section is loaded before the
   * first client is made, for its certificates; any other needs no loading here.
   */
  private async secure(token: string | undefined): Promise<void> {
    let text = '';
    try {
      text = fs.readFileSync(this.clusterFile, 'utf8');
    } catch {
      // Unreadable: resolution reports it when a name needs the file; addresses need nothing.
    }
    if (!/^(tls|roles|tokens):/m.test(text)) {
      if (token) throw new InvalidArgumentError(`--token: ${this.clusterFile} has no tls: section, and a token is sent only over TLS`);
      return;
    }
    const { applySecurity, loadCluster } = await import('../config/index.ts');
    this.config ??= loadCluster(this.clusterFile);
    applySecurity(this.config, 'client', token);
  }

  /**
   * Runs a resolver that may need the cluster file's configuration. An address,
   * or a name the registry knows, needs none: the configuration (and with it the
   * YAML parser and the schema checker) is loaded only when the resolver asks.
   */
  private async resolve(resolver: (cluster: () => ClusterConfig) => string): Promise<string> {
    await this.secured;
    if (!this.config) {
      try {
        return resolver(() => {
          throw NEEDS_CONFIG;
        });
      } catch (e: unknown) {
        if (e !== NEEDS_CONFIG) throw e;
      }
      const { loadCluster } = await import('../config/index.ts');
      this.config = loadCluster(this.clusterFile);
    }
    const config = this.config;
    return resolver(() => config);
  }

  /** The address of a node: `host:port` as given, else its name through the registry or the cluster file. */
  address(ref: string): Promise<string> {
    return this.resolve((cluster) => resolveNode(ref, this.clusterFile, cluster));
  }

  /** A NodeControl client of a node (see {@link address}), closed with the Remote. */
  async node(ref: string): Promise<NodeControlClient> {
    const c = nodeClient(await this.address(ref));
    this.clients.push(c);
    return c;
  }

  /** The middleware: --middleware HOST:PORT, else the registry, else a fixed port in the cluster file. */
  async middleware(ref: string | undefined): Promise<MiddlewareClient> {
    const address = await this.resolve((cluster) => resolveMiddleware(ref, this.clusterFile, cluster));
    const c = openClient(wire().Middleware, address);
    this.clients.push(c);
    return c;
  }

  /** A MigTask client of a node (see {@link address}), closed with the Remote. */
  async migTask(ref: string): Promise<MigTaskClient> {
    const c = migTaskClient(await this.address(ref));
    this.clients.push(c);
    return c;
  }

  /** The Testbed service of `cluster up`: --testbed HOST:PORT, else the registry. */
  async testbed(ref: string | undefined): Promise<TestbedClient> {
    await this.secured;
    const c = openClient(wire().Testbed, resolveTestbed(ref, this.clusterFile));
    this.clients.push(c);
    return c;
  }

  /** Closes every client opened through this Remote. */
  close(): void {
    for (const c of this.clients) c.close();
  }
}

/** Runs a body with a Remote that is always closed afterwards. */
export async function withRemote<T>(flags: ClusterFlags, body: (r: Remote) => Promise<T>): Promise<T> {
  const r = new Remote(flags);
  try {
    return await body(r);
  } finally {
    r.close();
  }
}
