/**
 * What remote commands share: the cluster file option, node name resolution and
 * gRPC clients that are closed when the command ends.
 */
import type { Command } from 'commander';
import * as grpc from '@grpc/grpc-js';
import {
  migTaskClient,
  nodeClient,
  type MigTaskClient,
  type NodeControlClient,
  CHANNEL_OPTIONS,
  wire,
  resolveMiddleware,
  resolveNode,
} from '../common/index.ts';
import type { MiddlewareClient } from '../generated/migvisor/v1/Middleware.ts';
import { loadCluster, type ClusterConfig } from '../config/index.ts';
import { clusterFile } from './cluster-file.ts';

export interface ClusterFlags {
  readonly cluster?: string;
  readonly json?: boolean;
  readonly middleware?: string;
}

export function withClusterOption(cmd: Command): Command {
  return cmd.option('--cluster <file>', 'cluster file naming the nodes (default config/cluster.yaml)').option('--json', 'machine-readable output');
}

export class Remote {
  readonly clusterFile: string;
  private config: ClusterConfig | undefined;
  private readonly clients: { close(): void }[] = [];

  constructor(flags: ClusterFlags) {
    this.clusterFile = clusterFile(flags.cluster);
  }

  get cluster(): ClusterConfig {
    this.config ??= loadCluster(this.clusterFile);
    return this.config;
  }

  address(ref: string): string {
    return resolveNode(ref, this.clusterFile, () => this.cluster);
  }

  node(ref: string): NodeControlClient {
    const c = nodeClient(this.address(ref));
    this.clients.push(c);
    return c;
  }

  /** The middleware: --middleware HOST:PORT, else the registry, else a fixed port in the cluster file. */
  middleware(ref: string | undefined): MiddlewareClient {
    const c = new (wire().Middleware)(resolveMiddleware(ref, this.clusterFile, () => this.cluster), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    this.clients.push(c);
    return c;
  }

  migTask(ref: string): MigTaskClient {
    const c = migTaskClient(this.address(ref));
    this.clients.push(c);
    return c;
  }

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
