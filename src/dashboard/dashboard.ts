/**
 * A running dashboard (README, "Dashboard"): one {@link NodeFeed} per node of
 * the cluster, the {@link ClusterView} they fill, the actions and the HTTP
 * server of the page. `migvisor dashboard`, `cluster up` and the demo start one.
 */
import { randomBytes } from 'node:crypto';
import { migTaskClient, nodeClient } from '../common/index.ts';
import { DashboardActions } from './actions.ts';
import { ClusterView, type NodeTarget } from './cluster-view.ts';
import { DashboardHttp } from './http-server.ts';
import { NodeFeed, POLL_MS, type GrpcAccess } from './node-feed.ts';

/** What a dashboard watches and how it reaches it. */
export interface DashboardOptions {
  /** The nodes, in cluster-file order. */
  readonly nodes: readonly NodeTarget[];
  /** Where the page is served: HOST:PORT (port 0: a free one). */
  readonly listen: string;
  /**
   * How gRPC clients are opened; default the CLI's clients of common
   * (nodeClient, migTaskClient). Credentials and the identity the calls are made
   * with belong here, so the dashboard's calls are the CLI's calls.
   */
  readonly access?: GrpcAccess;
  /** Milliseconds between two polls of each node. */
  readonly pollMs?: number;
}

/** A dashboard serving its page. */
export interface RunningDashboard {
  /** HOST:PORT it serves on. */
  readonly address: string;
  /** The page's URL. */
  readonly url: string;
  /** Stops the feeds and the server. */
  close(): Promise<void>;
}

/** The CLI's gRPC clients. */
export const CLI_ACCESS: GrpcAccess = { node: nodeClient, migTask: migTaskClient };

/** Starts watching `options.nodes` and serving the page on `options.listen`. */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const view = new ClusterView(options.nodes);
  const feeds = new Map(options.nodes.map((n) => [n.name, new NodeFeed(n, options.access ?? CLI_ACCESS, view, options.pollMs ?? POLL_MS)] as const));
  const http = new DashboardHttp(view, new DashboardActions(feeds, view), randomBytes(24).toString('base64url'));
  let address: string;
  try {
    address = await http.listen(options.listen);
  } catch (e: unknown) {
    for (const f of feeds.values()) f.stop();
    throw e;
  }
  for (const f of feeds.values()) f.start();
  return {
    address,
    url: `http://${address}/`,
    close: async () => {
      for (const f of feeds.values()) f.stop();
      await http.close();
    },
  };
}
