/**
 * The middleware from the command line: `snapshot park|restore|list|inspect|rm`,
 * `where`, `move` and `evacuate`. The middleware is found with --middleware
 * HOST:PORT, else through the registry `cluster up` writes.
 */
import type { Command } from 'commander';
import Table from 'cli-table3';
import { serverStream, unary, InvalidArgumentError, MigvisorError } from '../../common/index.ts';
import type { MigrationStats__Output } from '../../generated/migvisor/v1/MigrationStats.ts';
import type { SnapshotInfo__Output } from '../../generated/migvisor/v1/SnapshotInfo.ts';
import { progressBar } from '../progress.ts';
import { action, Exit, printJson } from '../run-command.ts';
import { withClusterOption, withRemote, type ClusterFlags } from '../remote.ts';
import { statsJson, statsTable } from './migrate.ts';

function withMiddleware(cmd: Command): Command {
  return withClusterOption(cmd).option('--middleware <host:port>', 'the middleware (default: from the registry of `cluster up`)');
}

function parseLabels(list: readonly string[] | undefined): { key: string; value: string }[] {
  return (list ?? []).map((l) => {
    const i = l.indexOf('=');
    if (i <= 0) throw new InvalidArgumentError(`--label must be KEY=VALUE, got ${JSON.stringify(l)}`);
    return { key: l.slice(0, i), value: l.slice(i + 1) };
  });
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

export function snapshotJson(s: SnapshotInfo__Output): Record<string, unknown> {
  return {
    id: s.id,
    task: s.taskId,
    program: s.program,
    source_node: s.sourceNode,
    partition: s.partition,
    fingerprint: s.fingerprint,
    word_size: s.wordSize,
    endian: s.endian,
    labels: Object.fromEntries(s.labels.map((l) => [l.key, l.value])),
    created: new Date(s.createdUnixMs).toISOString(),
    memory_bytes: s.memoryBytes,
    stored_pages: s.storedPages,
    new_bytes: s.newBytes,
    shared_bytes: s.sharedBytes,
    state: s.state,
    restored_to: s.restoredTo,
    travelers: s.travelers,
  };
}

function snapshotTable(list: readonly SnapshotInfo__Output[]): string {
  const t = new Table({ head: ['SNAPSHOT', 'TASK', 'STATE', 'SOURCE', 'PARTITION', 'LABELS', 'CREATED', 'MEMORY', 'PAGES', 'NEW BYTES', 'SHARED'], style: { head: [], border: [], compact: true } });
  for (const s of list) {
    t.push([
      s.id,
      s.taskId,
      s.state === 'restored' ? `restored -> ${s.restoredTo}` : s.state,
      s.sourceNode,
      s.partition,
      s.labels.map((l) => `${l.key}=${l.value}`).join(' ') || '-',
      new Date(s.createdUnixMs).toISOString().replace('T', ' ').slice(0, 19),
      s.memoryBytes,
      s.storedPages,
      s.newBytes,
      s.sharedBytes,
    ]);
  }
  return t.toString();
}

export function registerSnapshotCommands(program: Command): void {
  const snap = program.command('snapshot').description('the middleware\'s snapshot archive');

  withMiddleware(
    snap
      .command('park')
      .description('stop a task and store it in the archive (the node StopAndTransfers it to the middleware)')
      .argument('<task>', 'task id')
      .requiredOption('--node <node>', 'node the task runs on (name or host:port)')
      .option('--label <key=value>', 'label the snapshot (repeatable)', collect, [])
      .option('--compress <c>', 'none, deflate or brotli', 'deflate'),
  ).action(
    action((task: string, flags: ClusterFlags & { node: string; label: string[]; compress: string }) =>
      withRemote(flags, async (r) => {
        const c = r.middleware(flags.middleware);
        const bar = progressBar(`park ${task}`);
        let done: { snapshot: SnapshotInfo__Output | null; stats: MigrationStats__Output | null } | undefined;
        try {
          for await (const p of serverStream(c.Park({ task, node: r.address(flags.node), labels: parseLabels(flags.label), compression: flags.compress }), `park ${task}`)) {
            bar.update(Number(p.pagesDone), Number(p.pagesTotal), p.phase);
            if (p.snapshot) done = { snapshot: p.snapshot, stats: p.stats };
          }
        } finally {
          bar.stop();
        }
        if (!done?.snapshot) throw new MigvisorError(`park of ${task} ended without a snapshot`);
        if (flags.json) printJson({ snapshot: snapshotJson(done.snapshot), ...(done.stats ? { stats: statsJson(done.stats) } : {}) });
        else process.stdout.write(`${done.snapshot.id}\n`);
      }),
    ),
  );

  withMiddleware(
    snap
      .command('restore')
      .description('restore a snapshot into a free MigSink slot of a node; prints the task id')
      .argument('<snapshot>', 'snapshot id (a unique prefix is enough)')
      .requiredOption('--node <node>', 'node to restore on (name or host:port)')
      .option('--as-copy', 'restore an already restored snapshot again, under a new task id'),
  ).action(
    action((id: string, flags: ClusterFlags & { node: string; asCopy?: boolean }) =>
      withRemote(flags, async (r) => {
        const c = r.middleware(flags.middleware);
        const bar = progressBar(`restore ${id}`);
        let taskId = '';
        let slot = '';
        try {
          for await (const p of serverStream(c.Restore({ snapshot: id, node: r.address(flags.node), asCopy: flags.asCopy ?? false }), `restore ${id}`)) {
            bar.update(Number(p.pagesDone), Number(p.pagesTotal), p.phase);
            if (p.taskId) ({ taskId, slot } = p);
          }
        } finally {
          bar.stop();
        }
        if (flags.json) printJson({ snapshot: id, task: taskId, node: flags.node, slot });
        else process.stdout.write(`${taskId}\n`);
      }),
    ),
  );

  withMiddleware(
    snap
      .command('list')
      .description('list snapshots: labels, source node, fingerprint, sizes, created time')
      .option('--label <key=value>', 'only snapshots with this label (repeatable)', collect, []),
  ).action(
    action((flags: ClusterFlags & { label: string[] }) =>
      withRemote(flags, async (r) => {
        const c = r.middleware(flags.middleware);
        const reply = await unary(c.List, c, { labels: parseLabels(flags.label) }, 'snapshot list');
        if (flags.json) printJson({ store: reply.store, store_bytes: reply.storeBytes, chunks: reply.chunks, snapshots: reply.snapshots.map(snapshotJson) });
        else process.stdout.write(`${snapshotTable(reply.snapshots)}\nstore ${reply.store}: ${reply.chunks} chunks, ${reply.storeBytes} bytes\n`);
      }),
    ),
  );

  withMiddleware(snap.command('inspect').description('describe a snapshot and verify every chunk (exit 2 if one does not)').argument('<snapshot>', 'snapshot id or prefix')).action(
    action((id: string, flags: ClusterFlags) =>
      withRemote(flags, async (r) => {
        const c = r.middleware(flags.middleware);
        const s = await unary(c.Inspect, c, { snapshot: id, force: false }, `snapshot inspect ${id}`, 60_000);
        if (flags.json) printJson({ ...snapshotJson(s), verified: s.verified, problems: s.problems });
        else {
          process.stdout.write(`${snapshotTable([s])}\nfingerprint ${s.fingerprint}, ${s.wordSize}-bit ${s.endian}-endian, ${s.travelers} traveler(s)\n`);
          process.stdout.write(s.verified ? 'every chunk verifies\n' : `${s.problems.map((p) => `problem: ${p}`).join('\n')}\n`);
        }
        return s.verified ? Exit.OK : Exit.INVALID;
      }),
    ),
  );

  withMiddleware(
    snap
      .command('rm')
      .description('delete a snapshot; chunks no other snapshot uses are freed')
      .argument('<snapshot>', 'snapshot id or prefix')
      .option('--force', 'also delete a parked snapshot (the only copy of its task)'),
  ).action(
    action((id: string, flags: ClusterFlags & { force?: boolean }) =>
      withRemote(flags, async (r) => {
        const c = r.middleware(flags.middleware);
        const reply = await unary(c.Delete, c, { snapshot: id, force: flags.force ?? false }, `snapshot rm ${id}`, 60_000);
        if (flags.json) printJson({ id: reply.id, freed_bytes: reply.freedBytes });
        else process.stdout.write(`deleted ${reply.id}, freed ${reply.freedBytes} bytes\n`);
      }),
    ),
  );

  withMiddleware(program.command('where').description('where a task runs (or that it is parked)').argument('<task>', 'task id')).action(
    action((task: string, flags: ClusterFlags) =>
      withRemote(flags, async (r) => {
        const c = r.middleware(flags.middleware);
        const w = await unary(c.Where, c, { task }, `where ${task}`, 30_000);
        if (flags.json) printJson(w);
        else if (w.state === 'running') process.stdout.write(`${task} runs on ${w.node} (${w.address})\n`);
        else if (w.state === 'parked') process.stdout.write(`${task} is parked in snapshot ${w.snapshot}\n`);
        else throw new MigvisorError(`task ${task} was not found on any node the middleware knows, nor in the archive`);
      }),
    ),
  );

  withMiddleware(
    program
      .command('move')
      .description('move a task to a node through the middleware (found wherever it runs, under a lock)')
      .argument('<task>', 'task id')
      .requiredOption('--to <node>', 'target node')
      .option('--from <node>', 'source node (default: where the task runs)')
      .option('--mode <mode>', 'full, precopy or lazy', 'full'),
  ).action(
    action((task: string, flags: ClusterFlags & { to: string; from?: string; mode: string }) =>
      withRemote(flags, async (r) => {
        const c = r.middleware(flags.middleware);
        let stats: MigrationStats__Output | null = null;
        const req = { task, to: r.address(flags.to), from: flags.from ? r.address(flags.from) : '', mode: flags.mode, compression: 'auto' };
        for await (const p of serverStream(c.Move(req), `move ${task}`)) if (p.stats) stats = p.stats;
        if (!stats) throw new MigvisorError(`move of ${task} ended without statistics`);
        if (flags.json) printJson(statsJson(stats));
        else process.stdout.write(`moved ${task} to ${flags.to}\n${statsTable(stats)}\n`);
      }),
    ),
  );

  withMiddleware(
    program
      .command('evacuate')
      .description('move every MigTask off a node to compatible nodes (its evacuate_to list first)')
      .argument('<node>', 'node to empty')
      .option('--mode <mode>', 'full, precopy or lazy', 'full'),
  ).action(
    action((node: string, flags: ClusterFlags & { mode: string }) =>
      withRemote(flags, async (r) => {
        const c = r.middleware(flags.middleware);
        const events = [];
        for await (const e of serverStream(c.Evacuate({ node: r.address(node), mode: flags.mode }), `evacuate ${node}`)) {
          events.push(e);
          if (!flags.json) process.stdout.write(`${e.task}: ${e.status}${e.to ? ` to ${e.to}` : ''} (${e.detail})\n`);
        }
        if (flags.json) printJson(events.map((e) => ({ task: e.task, to: e.to, status: e.status, detail: e.detail })));
        return events.every((e) => e.status === 'moved') ? Exit.OK : Exit.FAILURE;
      }),
    ),
  );
}
