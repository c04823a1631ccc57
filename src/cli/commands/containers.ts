/**
 * Registers the container commands: `save TASK FILE --node N` (checkpoint, like
 * CRIU's dump), `load FILE --node N` (restore into a MigSink slot) and `inspect
 * FILE` (decode and verify, like CRIU's crit). They run in ./containers-run.ts,
 * loaded when one of them runs.
 */
import type { Command } from 'commander';
import { COMPRESSIONS, type Compression } from '../../common/vocabulary.ts';
import { choiceOption } from '../option-values.ts';
import { withClusterOption, type NodeFlags } from '../remote-options.ts';
import { action } from '../run-command.ts';

/** The options of `save`. */
export interface SaveFlags extends NodeFlags {
  readonly compress: Compression;
  readonly leaveRunning?: boolean;
}

/** The options of `inspect`. */
export interface InspectFlags {
  readonly json?: boolean;
}

/** Adds `save`, `load` and `inspect` to the program. */
export function registerContainerCommands(program: Command): void {
  withClusterOption(
    program
      .command('save')
      .description('checkpoint a task into a container file; the task stops once the file is safely written')
      .argument('<task>', 'task id')
      .argument('<file>', 'container file to write')
      .requiredOption('--node <node>', 'node name or host:port')
      .addOption(choiceOption('--compress <c>', 'page compression', COMPRESSIONS).default('deflate'))
      .option('--leave-running', 'keep the task running after the checkpoint'),
  ).action(action(async (task: string, file: string, flags: SaveFlags) => (await import('./containers-run.ts')).save(task, file, flags)));

  withClusterOption(
    program
      .command('load')
      .description('restore a container file into a free MigSink slot of a node; prints the task id')
      .argument('<file>', 'container file')
      .requiredOption('--node <node>', 'node name or host:port'),
  ).action(action(async (file: string, flags: NodeFlags) => (await import('./containers-run.ts')).load(file, flags)));

  program
    .command('inspect')
    .description('decode a saved container: header, travelers, page map, sizes, checksums (exit 2 if it does not verify)')
    .argument('<file>', 'container file')
    .option('--json', 'machine-readable output')
    .action(action(async (file: string, flags: InspectFlags) => (await import('./containers-run.ts')).inspect(file, flags)));
}
