/**
 * A whole cluster as the user starts it: `migvisor cluster up FILE --ready-file F`
 * on a private copy of a cluster file (with the example programs, so the file
 * providers, the store and the registry are the test's own), every node and the
 * middleware as real processes. Specs that can share one cluster do, to keep the
 * suite fast; {@link ClusterUp.stop} (or cleanup()) ends every process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { forgetCluster } from './middleware-harness.ts';
import { onCleanup, poll, ROOT, spawnCli, tempDir, type CliResult, type RunningCli } from './processes.ts';

/** What the ready file says: each node's address, the middleware's and the testbed's. */
export interface Endpoints {
  readonly nodes: Record<string, string>;
  readonly middleware: string;
  /** The Testbed service (links and faults). */
  readonly testbed: string;
  /** Each process's Prometheus endpoint (nodes and `middleware`). */
  readonly metrics: Record<string, string>;
}

export interface ClusterUp {
  /** The private cluster file. */
  readonly file: string;
  /** Its folder (config/ with the programs; var/ beside it for files and the store). */
  readonly dir: string;
  readonly endpoints: Endpoints;
  /** The ready file `cluster up` wrote. */
  readonly readyFile: string;
  /** A node's address by name. */
  node(name: string): string;
  /** SIGTERM to `cluster up`, which stops every child; resolves with what it printed. */
  stop(): Promise<CliResult>;
}

/**
 * Starts `cluster up` on a copy of `source` (default: the shipped cluster) and
 * resolves once its ready file names every process.
 */
export async function clusterUp(source = path.join(ROOT, 'config', 'cluster.yaml'), timeoutMs = 30_000): Promise<ClusterUp> {
  const root = tempDir('migvisor-up-');
  const dir = path.join(root, 'config');
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(ROOT, 'config', 'programs'), path.join(dir, 'programs'), { recursive: true });
  const file = path.join(dir, 'cluster.yaml');
  fs.copyFileSync(source, file);
  const ready = path.join(root, 'ready.json');
  const cli: RunningCli = spawnCli(['cluster', 'up', file, '--ready-file', ready], { timeoutMs: 10 * 60_000 });
  const stop = async (): Promise<CliResult> => {
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    forgetCluster(file);
    return r;
  };
  const unregister = onCleanup(() => cli.child.kill('SIGKILL'));
  // What cluster up said, so a start that fails says why.
  const said: string[] = [];
  cli.child.stderr?.on('data', (d: Buffer) => said.push(...String(d).split('\n').filter(Boolean).slice(-20)));
  const endpoints = await poll(
    `cluster up to write ${ready}`,
    () => {
      if (cli.child.exitCode !== null) throw new Error(`cluster up exited early (code ${cli.child.exitCode}): ${said.slice(-5).join(' | ')}`);
      return fs.existsSync(ready) ? (JSON.parse(fs.readFileSync(ready, 'utf8')) as Endpoints) : undefined;
    },
    timeoutMs,
    50,
  );
  return {
    file,
    dir,
    endpoints,
    readyFile: ready,
    node: (name) => {
      const a = endpoints.nodes[name];
      if (!a) throw new Error(`no node ${name} in the ready file`);
      return a;
    },
    stop: async () => {
      unregister();
      return stop();
    },
  };
}
