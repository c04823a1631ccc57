/**
 * `migvisor cluster up [FILE] [--ready-file F]`: every node of the cluster file
 * and the middleware as child processes. Once all serve, their endpoints
 * go to F (and to the registry other commands read). SIGINT/SIGTERM stops them
 * all; a child that dies unexpectedly is reported.
 */
import * as fs from 'node:fs';
import { loadCluster } from '../../config/index.ts';
import { writeEndpoints, type Endpoints } from '../../common/index.ts';
import { clusterFile } from '../cluster-file.ts';
import { startChild, stopChildren, type Child } from '../../testbed/index.ts';
import type { UpFlags } from './cluster.ts';

/** Starts the cluster of `fileArg` (default: see {@link clusterFile}) and supervises it until SIGINT/SIGTERM. */
export async function up(fileArg: string | undefined, flags: UpFlags): Promise<number> {
  const file = clusterFile(fileArg);
  const cluster = loadCluster(file);
  const children: Child[] = [];
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await stopChildren(children);
  };
  try {
    const started = await Promise.allSettled(
      cluster.nodes.map((n) => startChild(n.name, ['node', 'start', file, '--node', n.name, ...(flags.log ? ['--log'] : [])])),
    );
    for (const s of started) if (s.status === 'fulfilled') children.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    // The middleware comes last: it finds the nodes through the registry they wrote.
    if (cluster.middleware) children.push(await startChild('middleware', ['middleware', 'start', file]));
  } catch (e: unknown) {
    await stop();
    throw e;
  }
  const nodes = children.filter((c) => c.name !== 'middleware');
  const mw = children.find((c) => c.name === 'middleware');
  const endpoints: Endpoints = { nodes: Object.fromEntries(nodes.map((c) => [c.name, c.address])), ...(mw ? { middleware: mw.address } : {}) };
  writeEndpoints(file, endpoints);
  if (flags.readyFile) {
    const tmp = `${flags.readyFile}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify({ ...endpoints, middleware: endpoints.middleware ?? null }, null, 2)}\n`);
    fs.renameSync(tmp, flags.readyFile);
  }
  process.stderr.write(`cluster up: ${children.map((c) => `${c.name} ${c.address}`).join(', ')}\n`);
  if (flags.json) process.stdout.write(`${JSON.stringify({ ...endpoints, middleware: endpoints.middleware ?? null })}\n`);
  for (const c of children) {
    c.process.once('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`cluster up: ${c.name} exited unexpectedly (${signal ?? `code ${code}`})\n`);
    });
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stop();
  process.stderr.write('cluster up: all processes stopped\n');
  return 0;
}
