/**
 * The middleware from the command line: `snapshot park|restore|list|inspect|rm`,
 * `where`, `move` and `evacuate`, each a call to the Middleware service.
 */
import Table from 'cli-table3';
import { serverStream, unary, MigvisorError } from '../../common/index.ts';
import type { MigrationStats__Output } from '../../generated/migvisor/v1/MigrationStats.ts';
import type { SnapshotInfo__Output } from '../../generated/migvisor/v1/SnapshotInfo.ts';
import { statsJson, statsTable } from '../migration-stats.ts';
import { progressBar } from '../progress.ts';
import type { ClusterFlags } from '../remote-options.ts';
import { withRemote } from '../remote.ts';
import { Exit, printJson } from '../run-command.ts';
import type { EvacuateFlags, ListFlags, MoveFlags, ParkFlags, RemoveFlags, RestoreFlags } from './snapshot.ts';

/** A snapshot as `--json` prints it. */
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

/** `snapshot park`: stops `task` and stores it in the archive; prints the snapshot id. */
export function park(task: string, flags: ParkFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const bar = progressBar(`park ${task}`);
    let done: { snapshot: SnapshotInfo__Output | null; stats: MigrationStats__Output | null } | undefined;
    try {
      for await (const p of serverStream(c.Park({ task, node: await r.address(flags.node), labels: flags.label, compression: flags.compress }), `park ${task}`)) {
        bar.update(Number(p.pagesDone), Number(p.pagesTotal), p.phase);
        if (p.snapshot) done = { snapshot: p.snapshot, stats: p.stats };
      }
    } finally {
      bar.stop();
    }
    if (!done?.snapshot) throw new MigvisorError(`park of ${task} ended without a snapshot`);
    if (flags.json) printJson({ snapshot: snapshotJson(done.snapshot), ...(done.stats ? { stats: statsJson(done.stats) } : {}) });
    else process.stdout.write(`${done.snapshot.id}\n`);
  });
}

/** `snapshot restore`: restores snapshot `id` on --node; prints the task id. */
export function restore(id: string, flags: RestoreFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const bar = progressBar(`restore ${id}`);
    let taskId = '';
    let slot = '';
    try {
      for await (const p of serverStream(c.Restore({ snapshot: id, node: await r.address(flags.node), asCopy: flags.asCopy ?? false }), `restore ${id}`)) {
        bar.update(Number(p.pagesDone), Number(p.pagesTotal), p.phase);
        if (p.taskId) ({ taskId, slot } = p);
      }
    } finally {
      bar.stop();
    }
    if (flags.json) printJson({ snapshot: id, task: taskId, node: flags.node, slot });
    else process.stdout.write(`${taskId}\n`);
  });
}

/** `snapshot list`: the snapshots (with every --label) and the store's size. */
export function list(flags: ListFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const reply = await unary(c.List, c, { labels: flags.label }, 'snapshot list');
    if (flags.json) printJson({ store: reply.store, store_bytes: reply.storeBytes, chunks: reply.chunks, snapshots: reply.snapshots.map(snapshotJson) });
    else process.stdout.write(`${snapshotTable(reply.snapshots)}\nstore ${reply.store}: ${reply.chunks} chunks, ${reply.storeBytes} bytes\n`);
  });
}

/** `snapshot inspect`: describes snapshot `id` and verifies every chunk; exit 2 if one does not. */
export function inspect(id: string, flags: ClusterFlags): Promise<number> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const s = await unary(c.Inspect, c, { snapshot: id, force: false }, `snapshot inspect ${id}`, 60_000);
    if (flags.json) printJson({ ...snapshotJson(s), verified: s.verified, problems: s.problems });
    else {
      process.stdout.write(`${snapshotTable([s])}\nfingerprint ${s.fingerprint}, ${s.wordSize}-bit ${s.endian}-endian, ${s.travelers} traveler(s)\n`);
      process.stdout.write(s.verified ? 'every chunk verifies\n' : `${s.problems.map((p) => `problem: ${p}`).join('\n')}\n`);
    }
    return s.verified ? Exit.OK : Exit.INVALID;
  });
}

/** `snapshot rm`: deletes snapshot `id`. */
export function remove(id: string, flags: RemoveFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const reply = await unary(c.Delete, c, { snapshot: id, force: flags.force ?? false }, `snapshot rm ${id}`, 60_000);
    if (flags.json) printJson({ id: reply.id, freed_bytes: reply.freedBytes });
    else process.stdout.write(`deleted ${reply.id}, freed ${reply.freedBytes} bytes\n`);
  });
}

/** `where`: the node `task` runs on, or the snapshot it is parked in. */
export function where(task: string, flags: ClusterFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const w = await unary(c.Where, c, { task }, `where ${task}`, 30_000);
    if (flags.json) printJson(w);
    else if (w.state === 'running') process.stdout.write(`${task} runs on ${w.node} (${w.address})\n`);
    else if (w.state === 'parked') process.stdout.write(`${task} is parked in snapshot ${w.snapshot}\n`);
    else throw new MigvisorError(`task ${task} was not found on any node the middleware knows, nor in the archive`);
  });
}

/** `move`: moves `task` to --to through the middleware and prints the statistics. */
export function move(task: string, flags: MoveFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    let stats: MigrationStats__Output | null = null;
    const req = { task, to: await r.address(flags.to), from: flags.from ? await r.address(flags.from) : '', mode: flags.mode, compression: 'auto' };
    for await (const p of serverStream(c.Move(req), `move ${task}`)) if (p.stats) stats = p.stats;
    if (!stats) throw new MigvisorError(`move of ${task} ended without statistics`);
    if (flags.json) printJson(statsJson(stats));
    else process.stdout.write(`moved ${task} to ${flags.to}\n${statsTable(stats)}\n`);
  });
}

/** `evacuate`: moves every MigTask off `node`; exit 1 unless every one moved. */
export function evacuate(node: string, flags: EvacuateFlags): Promise<number> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const events = [];
    for await (const e of serverStream(c.Evacuate({ node: await r.address(node), mode: flags.mode }), `evacuate ${node}`)) {
      events.push(e);
      if (!flags.json) process.stdout.write(`${e.task}: ${e.status}${e.to ? ` to ${e.to}` : ''} (${e.detail})\n`);
    }
    if (flags.json) printJson(events.map((e) => ({ task: e.task, to: e.to, status: e.status, detail: e.detail })));
    return events.every((e) => e.status === 'moved') ? Exit.OK : Exit.FAILURE;
  });
}
