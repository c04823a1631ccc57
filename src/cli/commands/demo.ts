/**
 * `migvisor demo` (what `npm start` runs): boots field-a of the default cluster in
 * virtual time, lets the counter run, and shows its console and the ps table.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { VirtualTimeScheduler } from 'rxjs';
import { seededIds } from '../../common/ids.ts';
import { formatEvent, loadCluster, Node } from '../../hypervisor/index.ts';
import { PACKAGE_ROOT } from '../cluster-file.ts';
import { psTable } from '../format.ts';
import { action } from '../run-command.ts';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the main demo (npm start): the counter on field-a of the default cluster')
    .action(
      action(() => {
        const cluster = loadCluster(path.join(PACKAGE_ROOT, 'config', 'cluster.yaml'));
        const def = cluster.nodes.find((n) => n.name === 'field-a')!;
        const node = new Node(def, cluster, { ids: seededIds(1) });
        node.events.subscribe((e) => {
          if (e.kind !== 'transition') process.stdout.write(`${formatEvent(e)}\n`);
        });
        process.stdout.write('== field-a boots its tasks and runs 100 ticks in virtual time\n');
        node.boot();
        const clock = new VirtualTimeScheduler();
        node.start(clock, 100);
        clock.flush();
        process.stdout.write(`${psTable(node.ps())}\n`);
        node.shutdown();
      }),
    );
}
