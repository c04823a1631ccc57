/**
 * `migvisor simulate [FILE] --node NAME --ticks N`: boots one node from the cluster
 * file in virtual time (no network), runs N ticks, prints the console lines and
 * then the ps table. Runs are deterministic: task ids come from a seeded generator.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { VirtualTimeScheduler } from 'rxjs';
import { InvalidArgumentError, NotFoundError, seededIds } from '../../common/index.ts';
import { formatEvent, type NodeEvent, Node } from '../../hypervisor/index.ts';
import { loadCluster } from '../../config/index.ts';

import { clusterFile } from '../cluster-file.ts';
import { psTable } from '../format.ts';
import { action, printJson } from '../run-command.ts';

interface SimulateFlags {
  node: string;
  ticks: string;
  task: string[];
  seed: string;
  json?: boolean;
}

function positiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a non-negative integer, got ${text}`);
  return n;
}

/** Parses `PARTITION:PROGRAM[:TRAVELERS]`. */
function parseTaskSpec(spec: string): { partition: string; program: string; travelers: number } {
  const m = /^([^:]+):(.+?)(?::(\d+))?$/.exec(spec);
  if (!m) throw new InvalidArgumentError(`--task must be PARTITION:PROGRAM[:TRAVELERS], got ${spec}`);
  return { partition: m[1]!, program: path.resolve(m[2]!), travelers: m[3] ? Number(m[3]) : 1 };
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('run one node in virtual time (no network): console lines, then ps')
    .argument('[file]', 'cluster file (default config/cluster.yaml)')
    .requiredOption('--node <name>', 'node to boot')
    .requiredOption('--ticks <n>', 'ticks to run')
    .option('--task <partition:program[:travelers]>', 'also start this task at boot (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--seed <n>', 'seed for task ids', '1')
    .option('--json', 'machine-readable output')
    .action(
      action((file: string | undefined, flags: SimulateFlags) => {
        const ticks = positiveInt(flags.ticks, '--ticks');
        const cluster = loadCluster(clusterFile(file));
        const def = cluster.nodes.find((n) => n.name === flags.node);
        if (!def) throw new NotFoundError('node', flags.node, `in ${cluster.file} (nodes: ${cluster.nodes.map((n) => n.name).join(', ')})`);
        const node = new Node(def, cluster, { ids: seededIds(positiveInt(flags.seed, '--seed')) });
        const events: NodeEvent[] = [];
        node.events.subscribe((e) => {
          if (e.kind === 'transition') return;
          events.push(e);
          if (!flags.json) process.stdout.write(`${formatEvent(e)}\n`);
        });
        node.boot();
        for (const spec of flags.task) node.startTask(parseTaskSpec(spec));
        const clock = new VirtualTimeScheduler();
        node.start(clock, ticks);
        clock.flush();
        const ps = node.ps({ hashes: true });
        if (flags.json) printJson({ node: node.name, ticks: node.tick, events, ps });
        else process.stdout.write(`${psTable(ps)}\n`);
        node.shutdown();
      }),
    );
}
