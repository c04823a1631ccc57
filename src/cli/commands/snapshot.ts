/**
 * Registers the middleware's commands: `snapshot park|restore|list|inspect|rm|
 * pin|unpin|prune|export|import`,
 * `where`, `move` and `evacuate`. They run in ./snapshot-run.ts, loaded when one
 * of them runs. The middleware is found with --middleware HOST:PORT, else
 * through the registry `cluster up` writes.
 */
import type { Command } from 'commander';
import { COMPRESSION_CHOICES, MIGRATION_MODES, type CompressionChoice, type MigrationMode } from '../../common/vocabulary.ts';
import { choiceOption, integer, label, type Label } from '../option-values.ts';
import { withMiddlewareOption, type ClusterFlags } from '../remote-options.ts';
import { action } from '../run-command.ts';

/** The options of `snapshot park`. */
export interface ParkFlags extends ClusterFlags {
  readonly node: string;
  readonly label: Label[];
  readonly compress: CompressionChoice;
  /** Concurrent page streams into the archive. */
  readonly streams?: number;
}

/** The options of `snapshot restore`. */
export interface RestoreFlags extends ClusterFlags {
  readonly node: string;
  readonly asCopy?: boolean;
  readonly lazy?: boolean;
}

/** The options of `snapshot list`. */
export interface ListFlags extends ClusterFlags {
  readonly label: Label[];
  readonly pageSize?: number;
  readonly pageToken?: string;
}

/** The options of `snapshot rm`. */
export interface RemoveFlags extends ClusterFlags {
  readonly force?: boolean;
}

/** The options of `snapshot prune`. */
export interface PruneFlags extends ClusterFlags {
  readonly dryRun?: boolean;
}

/** The options of `move`. */
export interface MoveFlags extends ClusterFlags {
  readonly to: string;
  readonly from?: string;
  readonly mode: MigrationMode;
}

/** The options of `evacuate`. */
export interface EvacuateFlags extends ClusterFlags {
  readonly mode: MigrationMode;
}

const run = (): Promise<typeof import('./snapshot-run.ts')> => import('./snapshot-run.ts');

/** Adds the `snapshot` command group, `where`, `move` and `evacuate` to the program. */
export function registerSnapshotCommands(program: Command): void {
  const snap = program.command('snapshot').description('the middleware\'s snapshot archive');

  withMiddlewareOption(
    snap
      .command('park')
      .description('stop a task and store it in the archive (the node StopAndTransfers it to the middleware)')
      .argument('<task>', 'task id')
      .requiredOption('--node <node>', 'node the task runs on (name or host:port)')
      .option('--label <key=value>', 'label the snapshot (repeatable)', label('--label'), [])
      .addOption(choiceOption('--compress <c>', 'page compression (auto: deflate when the node supports it)', COMPRESSION_CHOICES).default('auto'))
      .option('--streams <n>', 'concurrent page streams into the archive, 1..16 (default 2)', integer('--streams', 1)),
  ).action(action(async (task: string, flags: ParkFlags) => (await run()).park(task, flags)));

  withMiddlewareOption(
    snap
      .command('restore')
      .description('restore a snapshot into a free MigSink slot of a node; prints the task id')
      .argument('<snapshot>', 'snapshot id (a unique prefix is enough)')
      .requiredOption('--node <node>', 'node to restore on (name or host:port)')
      .option('--as-copy', 'restore the snapshot again, under a new task id (several copies may run at once)')
      .option('--lazy', 'instant restore: the task resumes at once, its pages follow from the archive on fault and by background push'),
  ).action(action(async (id: string, flags: RestoreFlags) => (await run()).restore(id, flags)));

  withMiddlewareOption(
    snap
      .command('list')
      .description('list snapshots: labels, source node, fingerprint, sizes, created time')
      .option('--label <key=value>', 'only snapshots with this label (repeatable)', label('--label'), [])
      .option('--page-size <n>', 'snapshots per page (default 100)', integer('--page-size', 1))
      .option('--page-token <token>', 'the page after the one that printed this token'),
  ).action(action(async (flags: ListFlags) => (await run()).list(flags)));

  withMiddlewareOption(snap.command('inspect').description('describe a snapshot and verify every chunk (exit 2 if one does not)').argument('<snapshot>', 'snapshot id or prefix')).action(
    action(async (id: string, flags: ClusterFlags) => (await run()).inspect(id, flags)),
  );

  withMiddlewareOption(
    snap
      .command('rm')
      .description('delete a snapshot; chunks no other snapshot uses are freed')
      .argument('<snapshot>', 'snapshot id or prefix')
      .option('--force', 'also delete a parked snapshot (the only copy of its task)'),
  ).action(action(async (id: string, flags: RemoveFlags) => (await run()).remove(id, flags)));

  for (const verb of ['pin', 'unpin'] as const) {
    withMiddlewareOption(
      snap
        .command(verb)
        .description(verb === 'pin' ? 'pin a snapshot: no retention policy releases it' : 'unpin a snapshot: retention policies apply to it again')
        .argument('<snapshot>', 'snapshot id or prefix'),
    ).action(action(async (id: string, flags: ClusterFlags) => (await run()).pin(id, verb === 'pin', flags)));
  }

  withMiddlewareOption(
    snap
      .command('prune')
      .description('release the snapshots the retention policies (middleware.retention) release and free their chunks')
      .option('--dry-run', 'only report what would be released and freed'),
  ).action(action(async (flags: PruneFlags) => (await run()).prune(flags)));

  withMiddlewareOption(
    snap
      .command('export')
      .description('write a snapshot as a self-contained, verified container file (loadable with `migvisor load`)')
      .argument('<snapshot>', 'snapshot id or prefix')
      .argument('<file>', 'container file to write'),
  ).action(action(async (id: string, file: string, flags: ClusterFlags) => (await run()).exportSnapshot(id, file, flags)));

  withMiddlewareOption(
    snap
      .command('import')
      .description('store a container file as a snapshot, deduplicated against the archive')
      .argument('<file>', 'container file (from `snapshot export` or `migvisor save`)'),
  ).action(action(async (file: string, flags: ClusterFlags) => (await run()).importSnapshot(file, flags)));

  withMiddlewareOption(program.command('where').description('where a task runs (or that it is parked)').argument('<task>', 'task id')).action(
    action(async (task: string, flags: ClusterFlags) => (await run()).where(task, flags)),
  );

  withMiddlewareOption(
    program
      .command('move')
      .description('move a task to a node through the middleware (found wherever it runs, under a lock)')
      .argument('<task>', 'task id')
      .requiredOption('--to <node>', 'target node')
      .option('--from <node>', 'source node (default: where the task runs)')
      .addOption(choiceOption('--mode <mode>', 'how the task moves', MIGRATION_MODES).default('full')),
  ).action(action(async (task: string, flags: MoveFlags) => (await run()).move(task, flags)));

  withMiddlewareOption(
    program
      .command('evacuate')
      .description('move every MigTask off a node to compatible nodes (its evacuate_to list first)')
      .argument('<node>', 'node to empty')
      .addOption(choiceOption('--mode <mode>', 'how the tasks move', MIGRATION_MODES).default('full')),
  ).action(action(async (node: string, flags: EvacuateFlags) => (await run()).evacuate(node, flags)));
}
