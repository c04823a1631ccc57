/**
 * `migvisor cluster up [FILE] [--ready-file F]`: every node of the cluster file
 * and the middleware as child processes, each connection between two of them
 * through the relay of their link, and the Testbed service (links and faults)
 * beside them. Every process serves Prometheus metrics (unless --no-metrics).
 * Once all serve, their endpoints go to F (and to the registry other commands
 * read), and the dashboard serves their page (its address is the ready file's
 * `dashboard`). The children log JSON lines, shown here as they are (pretty on a
 * terminal), beside the testbed's own log. SIGINT/SIGTERM stops them all; a
 * child that dies unexpectedly is logged.
 */
import * as fs from 'node:fs';
import { createLogger, isPretty, prettyLine, setProcessLogger, writeEndpoints, type Endpoints } from '../../common/index.ts';
import { applySecurity, loadCluster } from '../../config/index.ts';
import { startDashboard, type RunningDashboard } from '../../dashboard/index.ts';
import { LiveCluster, Testbed, TestbedServer } from '../../testbed/index.ts';
import { clusterFile } from '../cluster-file.ts';
import type { UpFlags } from './cluster.ts';
import { dashboardTargets } from './dashboard-run.ts';

/** Starts the cluster of `fileArg` (default: see {@link clusterFile}) and supervises it until SIGINT/SIGTERM. */
export async function up(fileArg: string | undefined, flags: UpFlags): Promise<number> {
  const file = clusterFile(fileArg);
  // The testbed serves links and faults and resets tasks: it has its own certificate and holds operator.
  applySecurity(loadCluster(file), 'testbed');
  const format = flags.logFormat ?? 'auto';
  const logger = createLogger({ level: flags.logLevel ?? 'info', format, fields: { process: 'testbed' } });
  setProcessLogger(logger);
  const pretty = isPretty(format) ? prettyLine() : undefined;
  let stopping = false;
  const cluster = await LiveCluster.start({
    file,
    seed: flags.seed,
    metrics: flags.metrics,
    logLevel: flags.logLevel ?? 'info',
    ...(flags.log ? { nodeArgs: ['--log'] } : {}),
    lines: (name, line) => {
      // A child's log record goes on as it is (it names its node); anything else is logged as the child's.
      if (line.startsWith('{')) process.stderr.write(`${pretty ? pretty(line) : line}\n`);
      else logger.warn({ child: name }, line);
    },
    onExit: (name, how) => {
      if (!stopping) logger.error({ child: name, how }, `${name} exited unexpectedly (${how})`);
    },
  });
  const testbed = new Testbed(cluster, (e) =>
    e.kind === 'fault'
      ? logger.info({ fault: e.fault }, `fault ${e.fault}: ${e.detail}`)
      : logger.info({ link: e.between, change: e.change }, `link ${e.change} ${e.between.join('<->')}: ${e.profile}`),
  );
  const server = new TestbedServer(testbed);
  let endpoints: Endpoints;
  try {
    const testbedAddress = await server.listen(flags.testbed ?? '127.0.0.1:0');
    endpoints = { ...cluster.endpoints(), testbed: testbedAddress };
  } catch (e: unknown) {
    await cluster.stop();
    throw e;
  }
  writeEndpoints(file, endpoints);
  let dashboard: RunningDashboard;
  try {
    dashboard = await startDashboard({ nodes: dashboardTargets(cluster.config, endpoints.nodes), listen: flags.dashboard });
  } catch (e: unknown) {
    await server.shutdown(500);
    await cluster.stop();
    writeEndpoints(file, { nodes: {} });
    throw e;
  }
  const ready = { ...endpoints, middleware: endpoints.middleware ?? null, ...(flags.metrics ? { metrics: cluster.metrics() } : {}), dashboard: dashboard.address };
  if (flags.readyFile) {
    const tmp = `${flags.readyFile}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(ready, null, 2)}\n`);
    fs.renameSync(tmp, flags.readyFile);
  }
  const names = cluster.processes().map((p) => `${p.name} ${p.address}`);
  process.stderr.write(`cluster up: ${names.join(', ')}; testbed ${endpoints.testbed}; dashboard ${dashboard.url}\n`);
  if (flags.json) process.stdout.write(`${JSON.stringify(ready)}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  stopping = true;
  await dashboard.close();
  testbed.close();
  await server.shutdown(500);
  await cluster.stop();
  writeEndpoints(file, { nodes: {} });
  process.stderr.write('cluster up: all processes stopped\n');
  return 0;
}
