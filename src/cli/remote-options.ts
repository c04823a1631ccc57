/**
 * The options every remote command shares: the cluster file naming the nodes,
 * --json, the node to talk to, the middleware. Light on purpose (commander
 * only): command registration imports this file; ./remote.ts turns the flags
 * into gRPC clients when a command runs.
 */
import type { Command } from 'commander';

/** The flags of {@link withClusterOption} and {@link withMiddlewareOption}. */
export interface ClusterFlags {
  readonly cluster?: string;
  readonly json?: boolean;
  readonly middleware?: string;
  /** The token to send (README "TLS and roles"); else MIGVISOR_TOKEN. */
  readonly token?: string;
}

/** The flags of a command on one node ({@link withNodeOption}). */
export interface NodeFlags extends ClusterFlags {
  readonly node: string;
}

/** Adds --cluster FILE, --json and --token TOKEN. */
export function withClusterOption(cmd: Command): Command {
  return cmd
    .option('--cluster <file>', 'cluster file naming the nodes (default config/cluster.yaml)')
    .option('--json', 'machine-readable output')
    .option('--token <token>', 'identify as the identity of this token of the cluster file (default $MIGVISOR_TOKEN; needs tls:)');
}

/** Adds the required --node NODE, and the options of {@link withClusterOption}. */
export function withNodeOption(cmd: Command): Command {
  return withClusterOption(cmd.requiredOption('--node <node>', 'node name (from the cluster file) or host:port'));
}

/** Adds --middleware HOST:PORT, and the options of {@link withClusterOption}. */
export function withMiddlewareOption(cmd: Command): Command {
  return withClusterOption(cmd).option('--middleware <host:port>', 'the middleware (default: from the registry of `cluster up`)');
}
