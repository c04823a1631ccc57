/**
 * The middleware from the command line: `snapshot park|restore|list|inspect|rm|
 * pin|unpin|prune|export|import`,
 * `where`, `move` and `evacuate`, each a call to the Middleware service.
 */
import * as fs from 'node:fs';
import Table from 'cli-table3';
import { asFileRefusal, clientStream, Code, COMPRESSION_WIRE, describeError, endianFromWire, InvalidArgumentError, MIGRATION_MODE_WIRE, MigvisorError, serverStream, unary } from '../../common/index.ts';
import { inspectContainer, rawChunk, readContainerFile, wrapChunks, writeContainerFile, type RawChunk } from '../../migtask/index.ts';
import type { EvacuateResponse__Output } from '../../generated/migvisor/v1/EvacuateResponse.ts';
import type { MoveResponse__Output } from '../../generated/migvisor/v1/MoveResponse.ts';
import type { ParkResponse__Output } from '../../generated/migvisor/v1/ParkResponse.ts';
import type { RestoreResponse__Output } from '../../generated/migvisor/v1/RestoreResponse.ts';
import type { SnapshotInfo__Output } from '../../generated/migvisor/v1/SnapshotInfo.ts';
import { words } from '../format.ts';
import { statsTable } from '../migration-stats.ts';
import { printMessage, printMessages } from '../print.ts';
import { progressBar } from '../progress.ts';
import type { ClusterFlags } from '../remote-options.ts';
import { withRemote } from '../remote.ts';
import { Exit, printJson } from '../run-command.ts';
import type { EvacuateFlags, ListFlags, MoveFlags, ParkFlags, PruneFlags, RemoveFlags, RestoreFlags } from './snapshot.ts';

const time = (ms: number): string => {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString().replace('T', ' ').slice(0, 19) : String(ms);
};

function snapshotTable(list: readonly SnapshotInfo__Output[]): string {
  const t = new Table({ head: ['SNAPSHOT', 'TASK', 'STATE', 'SOURCE', 'PARTITION', 'LABELS', 'CREATED', 'MEMORY', 'PAGES', 'NEW BYTES', 'SHARED'], style: { head: [], border: [], compact: true } });
  for (const s of list) {
    const state = words(s.state, 'SNAPSHOT_STATE_');
    t.push([
      s.id,
      s.taskId,
      state === 'restored' ? `restored -> ${s.restoredTo}` : state,
      s.sourceNode,
      s.partition,
      s.labels.map((l) => `${l.key}=${l.value}`).join(' ') || '-',
      time(s.createdUnixMs),
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
    let done: ParkResponse__Output | undefined;
    try {
      const request = { taskId: task, node: await r.address(flags.node), labels: flags.label, ...(flags.compress !== 'auto' ? { compression: COMPRESSION_WIRE.toWire(flags.compress) } : {}), ...(flags.streams !== undefined ? { streams: flags.streams } : {}) };
      for await (const p of serverStream(c.Park(request), `park ${task}`, c)) {
        bar.update(Number(p.pagesDone), Number(p.pagesTotal), words(p.phase, 'MIGRATION_PHASE_'));
        if (p.snapshot) done = p;
      }
    } finally {
      bar.stop();
    }
    if (!done?.snapshot) throw new MigvisorError(`park of ${task} ended without a snapshot`);
    if (flags.json) printMessage('ParkResponse', done);
    else process.stdout.write(`${done.snapshot.id}\n`);
  });
}

/** `snapshot restore`: restores snapshot `id` on --node; prints the task id. */
export function restore(id: string, flags: RestoreFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const bar = progressBar(`restore ${id}`);
    let done: RestoreResponse__Output | undefined;
    let resumed: RestoreResponse__Output | undefined;
    try {
      for await (const p of serverStream(c.Restore({ snapshotId: id, node: await r.address(flags.node), asCopy: flags.asCopy ?? false, lazy: flags.lazy ?? false }), `restore ${id}`, c)) {
        bar.update(Number(p.pagesDone), Number(p.pagesTotal), words(p.phase, 'MIGRATION_PHASE_'));
        if (p.phase === 'MIGRATION_PHASE_POSTCOPY') resumed = p;
        else if (p.taskId) done = p;
      }
    } catch (e: unknown) {
      // A lazy restore whose task already runs: the pages still owed are what is lost.
      if (resumed && !done) {
        throw new MigvisorError(
          `task ${resumed.taskId} resumed on ${flags.node} but its pages stopped coming mid-push (${describeError(e)}); the node faults a traveler that needs a page it lacks`,
          e instanceof MigvisorError ? e.code : Code.UNAVAILABLE,
        );
      }
      // The API says "restore it as a copy"; on the command line that is --as-copy.
      if (e instanceof MigvisorError && /restore it as a copy/.test(e.message)) throw new MigvisorError(e.message.replace('restore it as a copy', 'use --as-copy'), e.code);
      throw e;
    } finally {
      bar.stop();
    }
    if (!done) throw new MigvisorError(`restore of ${id} ended without a task`);
    if (flags.json) printMessage('RestoreResponse', done);
    else process.stdout.write(`${done.taskId}\n`);
  });
}

/** `snapshot list`: the snapshots (with every --label) and the store's size, page by page. */
export function list(flags: ListFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const reply = await unary(
      c.List,
      c,
      { labels: flags.label, ...(flags.pageSize !== undefined ? { pageSize: flags.pageSize } : {}), pageToken: flags.pageToken ?? '' },
      'snapshot list',
    );
    if (flags.json) printMessage('ListResponse', reply);
    else {
      process.stdout.write(`${snapshotTable(reply.snapshots)}\nstore ${reply.store}: ${reply.chunks} chunks, ${reply.storeBytes} bytes; ${reply.snapshots.length} of ${reply.total} snapshot(s)\n`);
      if (reply.nextPageToken) process.stdout.write(`more: --page-token ${reply.nextPageToken}\n`);
    }
  });
}

/** `snapshot inspect`: describes snapshot `id` and verifies every chunk; exit 2 if one does not. */
export function inspect(id: string, flags: ClusterFlags): Promise<number> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const reply = await unary(c.Inspect, c, { snapshotId: id }, `snapshot inspect ${id}`, 60_000);
    const s = reply.snapshot;
    if (flags.json) printMessage('InspectResponse', reply);
    else if (s) {
      process.stdout.write(`${snapshotTable([s])}\nfingerprint ${s.fingerprint}, ${s.wordSize}-bit ${endianFromWire(s.endian)}-endian, ${s.travelers} traveler(s)\n`);
      process.stdout.write(s.sealed ? `sealed: every chunk ${s.cipher}, data key wrapped by archive key ${s.keyId}\n` : 'not sealed: chunks are stored in the clear\n');
      process.stdout.write(reply.verified ? 'every chunk verifies\n' : `${reply.problems.map((p) => `problem: ${p}`).join('\n')}\n`);
    }
    return reply.verified ? Exit.OK : Exit.INVALID;
  });
}

/** `snapshot rm`: deletes snapshot `id`. */
export function remove(id: string, flags: RemoveFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    try {
      const reply = await unary(c.Delete, c, { snapshotId: id, force: flags.force ?? false }, `snapshot rm ${id}`, 60_000);
      if (flags.json) printMessage('DeleteResponse', reply);
      else process.stdout.write(`deleted ${reply.id}, freed ${reply.freedBytes} bytes\n`);
    } catch (e: unknown) {
      // The API says "set force"; on the command line that is --force.
      if (e instanceof MigvisorError && /set force/.test(e.message)) throw new MigvisorError(e.message.replace('set force', 'use --force'), e.code);
      throw e;
    }
  });
}

/** `snapshot pin|unpin`: marks snapshot `id` pinned (no retention policy releases it) or not. */
export function pin(id: string, pinned: boolean, flags: ClusterFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const reply = await unary(c.Pin, c, { snapshotId: id, pinned }, `snapshot ${pinned ? 'pin' : 'unpin'} ${id}`, 30_000);
    if (flags.json) printMessage('PinResponse', reply);
    else process.stdout.write(`${reply.snapshot?.id ?? id} ${pinned ? 'pinned' : 'unpinned'}\n`);
  });
}

/** `snapshot prune`: releases what the retention policies release (with --dry-run: only reports it). */
export function prune(flags: PruneFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const reply = await unary(c.Prune, c, { dryRun: flags.dryRun ?? false }, 'snapshot prune', 120_000);
    if (flags.json) printMessage('PruneResponse', reply);
    else {
      if (reply.released.length > 0) process.stdout.write(`${snapshotTable(reply.released)}\n`);
      const verb = reply.dryRun ? 'would release' : 'released';
      process.stdout.write(
        `${verb} ${reply.released.length} snapshot(s), kept ${reply.kept}; ${reply.dryRun ? 'would free' : 'freed'} ${reply.freedBytes} bytes in ${reply.freedChunks} chunk(s); ${reply.sharedChunks} shared chunk(s) stay\n`,
      );
    }
  });
}

/** `snapshot export`: writes snapshot `id` as a container file, verified as it is written and read back. */
export function exportSnapshot(id: string, file: string, flags: ClusterFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    async function* chunks(): AsyncGenerator<RawChunk> {
      for await (const m of serverStream(c.Export({ snapshotId: id }), `snapshot export ${id}`)) yield rawChunk(m.chunk);
    }
    let report: Awaited<ReturnType<typeof inspectContainer>> | undefined;
    // Read back: the file must verify on its own (digests, trailer) before it takes the name.
    const bytes = await writeContainerFile(file, chunks(), async (tmp) => {
      report = await inspectContainer(readContainerFile(tmp));
      if (!report.valid) throw new MigvisorError(`the exported container ${file} does not verify: ${report.problems.join('; ')}`, Code.DATA_LOSS);
    });
    const result = { file, bytes: String(bytes), snapshot: id, taskId: report?.header?.taskId ?? '', pages: String(report?.sizes.pagesSent ?? 0) };
    if (flags.json) printJson(result);
    else process.stdout.write(`exported ${id} to ${file} (${bytes} bytes, verified)\n`);
  });
}

/** `snapshot import`: stores container `file` as a snapshot; reports new and deduplicated bytes. */
export function importSnapshot(file: string, flags: ClusterFlags): Promise<void> {
  if (!fs.existsSync(file)) throw new InvalidArgumentError(`cannot read ${file}: no such file`);
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    let reply;
    try {
      reply = await clientStream(c.Import, c, wrapChunks(readContainerFile(file)), `snapshot import ${file}`, 120_000);
    } catch (e: unknown) {
      // The file itself is bad: an invalid input file, exit 2, as `load` says it.
      throw asFileRefusal(e, file);
    }
    if (flags.json) printMessage('ImportResponse', reply);
    else {
      const s = reply.snapshot;
      // Its task runs (or is parked) elsewhere: the snapshot is a copy, restored only as one.
      const copy = s?.state === 'SNAPSHOT_STATE_RESTORED' ? `; task ${s.taskId} ${s.restoredTo ? `runs on ${s.restoredTo}` : 'is parked in another snapshot'}, so this one restores only with --as-copy` : '';
      process.stdout.write(`imported ${file} as ${s?.id ?? ''}: ${reply.newBytes} new bytes, ${reply.deduplicatedBytes} deduplicated${copy}\n`);
    }
  });
}

/** `where`: the node `task` runs on, or the snapshot it is parked in. */
export function where(task: string, flags: ClusterFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const w = await unary(c.Where, c, { taskId: task }, `where ${task}`, 30_000);
    if (flags.json) printMessage('WhereResponse', w);
    else if (w.state === 'LOCATION_STATE_RUNNING') process.stdout.write(`${task} runs on ${w.node} (${w.address})\n`);
    else if (w.state === 'LOCATION_STATE_PARKED') process.stdout.write(`${task} is parked in snapshot ${w.snapshotId}\n`);
    else throw new MigvisorError(`task ${task} was not found on any node the middleware knows, nor in the archive`);
  });
}

/** `move`: moves `task` to --to through the middleware and prints the statistics. */
export function move(task: string, flags: MoveFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    let last: MoveResponse__Output | undefined;
    const req = { taskId: task, to: await r.address(flags.to), from: flags.from ? await r.address(flags.from) : '', mode: MIGRATION_MODE_WIRE.toWire(flags.mode) };
    for await (const m of serverStream(c.Move(req), `move ${task}`, c)) {
      // Over the cluster's limit it waits its turn: say so (on stderr, so --json stays one message).
      if (m.waiting) process.stderr.write(`move ${task}: ${m.waiting}\n`);
      if (m.stats) last = m;
    }
    if (!last?.stats) throw new MigvisorError(`move of ${task} ended without statistics`);
    if (flags.json) printMessage('MoveResponse', last);
    else process.stdout.write(`moved ${task} to ${flags.to}\n${statsTable(last.stats)}\n`);
  });
}

/** `evacuate`: moves every MigTask off `node`; exit 1 unless every one moved. */
export function evacuate(node: string, flags: EvacuateFlags): Promise<number> {
  return withRemote(flags, async (r) => {
    const c = await r.middleware(flags.middleware);
    const events: EvacuateResponse__Output[] = [];
    for await (const e of serverStream(c.Evacuate({ node: await r.address(node), mode: MIGRATION_MODE_WIRE.toWire(flags.mode) }), `evacuate ${node}`, c)) {
      events.push(e);
      if (!flags.json) process.stdout.write(`${e.taskId}: ${words(e.status, 'EVACUATE_STATUS_')}${e.to ? ` to ${e.to}` : ''} (${e.detail})\n`);
    }
    if (flags.json) printMessages('EvacuateResponse', events);
    return events.every((e) => e.status === 'EVACUATE_STATUS_MOVED') ? Exit.OK : Exit.FAILURE;
  });
}
