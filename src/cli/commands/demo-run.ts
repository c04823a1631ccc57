/**
 * `migvisor demo` (what `npm start` runs): the default cluster as real node
 * processes. The counter starts on field-a and moves between field-a and field-b
 * in each mode (stop-and-copy, pre-copy, post-copy), is refused by field-c (64-bit
 * big-endian), is saved to a file and loaded on field-b, is parked in the
 * middleware's archive and restored on field-a, and every step's statistics end
 * up in one table. The dashboard shows it all in a browser (its address is
 * printed first). Everything is shut down at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Table from 'cli-table3';
import {
  openClient,
  clientStream,
  describeError,
  makeDirsSync,
  MIGRATION_MODE_WIRE,
  migTaskClient,
  nodeClient,
  serverStream,
  toProtoJson,
  unary,
  wire,
  type MigrationMode,
  type NodeControlClient,
} from '../../common/index.ts';
import type { MiddlewareClient } from '../../generated/migvisor/v1/Middleware.ts';
import type { MigrationStats__Output } from '../../generated/migvisor/v1/MigrationStats.ts';
import type { SnapshotInfo__Output } from '../../generated/migvisor/v1/SnapshotInfo.ts';
import { formatEvent, fromWireEvent } from '../../hypervisor/index.ts';
import { loadCluster } from '../../config/index.ts';
import { ChunkVerifier, rawChunk, readContainerFile, wrapChunks, writeContainerFile, type RawChunk } from '../../migtask/index.ts';
import { PACKAGE_ROOT } from '../cluster-file.ts';
import { startChild, stopChildren, type Child } from '../../testbed/index.ts';
import { startDashboard, type RunningDashboard } from '../../dashboard/index.ts';
import { dashboardTargets } from './dashboard-run.ts';
import { words } from '../format.ts';

const say = (text: string): void => void process.stdout.write(`\n== ${text}\n`);

/** The demo's processes log only errors: the demo tells what happens itself. */
const QUIET = ['--log-level', 'error'];

interface Row {
  step: string;
  stats?: MigrationStats__Output;
  note?: string;
}

/** Runs the demo; with `json`, ends with the statistics as JSON on stdout; `holdS` seconds of the cluster (and its dashboard) are kept after the last step. */
export async function demo(json: boolean, holdS = 0): Promise<number> {
  const file = path.join(PACKAGE_ROOT, 'config', 'cluster.yaml');
  const cluster = loadCluster(file);
  const children: Child[] = [];
  const rows: Row[] = [];
  const watches: (() => void)[] = [];
  let board: RunningDashboard | undefined;
  try {
    say('Starting the default cluster: every node is its own process serving gRPC');
    for (const n of cluster.nodes) {
      const c = await startChild(n.name, ['node', 'start', file, '--node', n.name, ...QUIET]);
      children.push(c);
      const cpu = n.cpu;
      process.stdout.write(`   ${n.name.padEnd(8)} ${c.address.padEnd(16)} ${cpu.word}-bit ${cpu.endian}-endian, ${n.memory / 1048576} MiB, partitions ${n.partitions.map((p) => p.name).join(', ')}\n`);
    }
    const addr = Object.fromEntries(children.map((c) => [c.name, c.address])) as Record<string, string>;
    board = await startDashboard({ nodes: dashboardTargets(cluster, addr), listen: '127.0.0.1:0' });
    process.stdout.write(`   dashboard ${board.url} (watch the demo in a browser${holdS ? `; kept ${holdS} s after the last step` : '; migvisor demo --hold 60 keeps it up after the last step'})\n`);
    const nodes = Object.fromEntries(children.map((c) => [c.name, nodeClient(c.address)])) as Record<string, NodeControlClient>;
    for (const name of ['field-a', 'field-b']) watches.push(watchConsole(nodes[name]!, name));

    const ps = await unary(nodes['field-a']!.Ps, nodes['field-a']!, { hashes: false }, 'ps');
    const task = ps.tasks.find((t) => t.program === 'counter.s')?.taskId;
    if (!task) throw new Error('field-a did not boot the counter');
    say(`field-a booted ${task} (config/programs/counter.s): it keeps a counter in its data memory`);
    await sleep(120);

    const moves: [string, string, Mode, string][] = [
      ['field-a', 'field-b', 'full', 'stop-and-copy: stop, send every non-zero page, two-phase handoff'],
      ['field-b', 'field-a', 'precopy', 'pre-copy: pages go while it runs, dirty pages again, then a short stop'],
      ['field-a', 'field-b', 'lazy', 'post-copy: registers and page table first, it resumes at once, pages follow'],
      ['field-b', 'field-a', 'full', 'and home again'],
    ];
    for (const [from, to, mode, what] of moves) {
      say(`migrate ${task} ${from} -> ${to} --mode ${mode} (${what}); the counter goes on at N+1`);
      rows.push({ step: `${from} -> ${to}`, stats: await migrate(addr[from]!, addr[to]!, to, task, mode) });
      await sleep(100);
    }

    say(`migrate ${task} field-a -> field-c: refused before anything stops`);
    try {
      await migrate(addr['field-a']!, addr['field-c']!, 'field-c', task);
      rows.push({ step: 'field-a -> field-c', note: 'unexpectedly accepted' });
    } catch (e: unknown) {
      process.stdout.write(`   refused: ${describeError(e)}\n`);
      rows.push({ step: 'field-a -> field-c', note: `refused: ${describeError(e).replace(/^migration refused: /, '')}` });
    }
    await sleep(80);

    const saved = path.join(PACKAGE_ROOT, 'var', 'demo', `${task}.mvc`);
    makeDirsSync(path.dirname(saved));
    say(`save ${task} on field-a to ${path.relative(process.cwd(), saved)}, then load it on field-b`);
    const bytes = await save(nodes['field-a']!, task, saved);
    process.stdout.write(`   saved ${bytes} bytes; field-a no longer runs it\n`);
    await sleep(50);
    const loaded = await clientStream(nodes['field-b']!.Load, nodes['field-b']!, wrapChunks(readContainerFile(saved)), 'load', 30_000);
    process.stdout.write(`   loaded on field-b as ${loaded.task?.taskId} in ${loaded.task?.slot}\n`);
    rows.push({ step: 'save field-a, load field-b', note: `${bytes} bytes in ${path.basename(saved)}` });
    await sleep(120);

    say('Starting the middleware (snapshot archive) with a fresh store in var/demo/store');
    const store = path.join(PACKAGE_ROOT, 'var', 'demo', 'store');
    fs.rmSync(store, { recursive: true, force: true });
    const mw = await startChild('middleware', ['middleware', 'start', file, '--store', `file://${store}`, ...QUIET]);
    children.push(mw);
    const archive = openClient(wire().Middleware, mw.address);
    say(`snapshot park ${task} from field-b (the node StopAndTransfers it into the archive)`);
    const first = await park(archive, addr['field-b']!, task, 'demo');
    process.stdout.write(`   parked as ${first.id}: ${first.storedPages} page(s), ${first.newBytes} new bytes; where: ${await where(archive, task)}\n`);
    say(`snapshot restore ${first.id} on field-a: the counter goes on at N+1`);
    await restore(archive, first.id, addr['field-a']!);
    await sleep(120);
    process.stdout.write(`   where: ${await where(archive, task)}\n`);
    say(`park it again: chunks it shares with the first snapshot are not stored twice`);
    const second = await park(archive, addr['field-a']!, task, 'demo');
    process.stdout.write(`   parked as ${second.id}: ${second.newBytes} new bytes, ${second.sharedBytes} shared\n`);
    await restore(archive, second.id, addr['field-a']!);
    rows.push({ step: 'park field-b, restore field-a', note: `${first.id}: ${first.newBytes} new bytes; re-park: ${second.newBytes} new, ${second.sharedBytes} shared` });
    archive.close();
    await sleep(80);

    for (const stop of watches) stop();
    say('Statistics');
    process.stdout.write(`${statsTable(rows)}\n`);
    if (json) process.stdout.write(`${JSON.stringify(rows.map((r) => ({ step: r.step, ...(r.stats ? { stats: toProtoJson('MigrationStats', r.stats) } : { note: r.note ?? '' }) })))}\n`);
    for (const c of Object.values(nodes)) c.close();
    if (holdS > 0 && board) {
      say(`The cluster stays up ${holdS} s: ${board.url}`);
      await sleep(holdS * 1000);
    }
    return 0;
  } finally {
    for (const stop of watches) stop();
    await board?.close();
    say('Stopping every node process');
    await stopChildren(children);
    process.stdout.write('   done\n');
  }
}

async function park(c: MiddlewareClient, node: string, task: string, label: string): Promise<SnapshotInfo__Output> {
  for await (const p of serverStream(c.Park({ taskId: task, node, labels: [{ key: 'demo', value: label }] }), 'park')) {
    if (p.snapshot) return p.snapshot;
  }
  throw new Error('park ended without a snapshot');
}

async function restore(c: MiddlewareClient, snapshot: string, node: string): Promise<void> {
  for await (const p of serverStream(c.Restore({ snapshotId: snapshot, node, asCopy: false }), 'restore')) void p;
}

async function where(c: MiddlewareClient, task: string): Promise<string> {
  const w = await unary(c.Where, c, { taskId: task }, 'where');
  return w.state === 'LOCATION_STATE_RUNNING' ? `runs on ${w.node}` : w.state === 'LOCATION_STATE_PARKED' ? `parked in ${w.snapshotId}` : 'unknown';
}

/** Prints a node's console lines as they come; returns a function that stops it. */
function watchConsole(c: NodeControlClient, name: string): () => void {
  const call = c.Watch({ kinds: ['EVENT_KIND_CONSOLE', 'EVENT_KIND_MIGRATION'], taskId: '' });
  void (async () => {
    try {
      for await (const m of serverStream(call, `watch ${name}`)) {
        const e = m.event ? fromWireEvent(m.event) : undefined;
        if (e) process.stdout.write(`   ${formatEvent(e)}\n`);
      }
    } catch {
      // cancelled at the end of the demo
    }
  })();
  return () => call.cancel();
}

type Mode = MigrationMode;

async function migrate(from: string, to: string, toName: string, task: string, mode: Mode = 'full'): Promise<MigrationStats__Output> {
  const c = migTaskClient(from);
  try {
    let stats: MigrationStats__Output | null = null;
    for await (const p of serverStream(c.StopAndTransfer({ taskId: task, sink: to, sinkName: toName, mode: MIGRATION_MODE_WIRE.toWire(mode) }), 'migrate')) {
      if (p.stats) stats = p.stats;
    }
    if (!stats) throw new Error('no statistics');
    return stats;
  } finally {
    c.close();
  }
}

async function save(c: NodeControlClient, task: string, file: string): Promise<number> {
  const verifier = new ChunkVerifier();
  let id = '';
  async function* chunks(): AsyncGenerator<RawChunk> {
    for await (const w of serverStream(c.Save({ taskId: task, compression: 'COMPRESSION_DEFLATE', leaveRunning: false }), 'save')) {
      const chunk = rawChunk(w.chunk);
      const v = verifier.accept(chunk);
      if (v.kind === 'header') id = v.header.migrationId;
      yield chunk;
    }
    await verifier.finish();
  }
  const bytes = await writeContainerFile(file, chunks());
  await unary(c.ConfirmSave, c, { migrationId: id }, 'confirm save');
  return bytes;
}

function statsTable(rows: readonly Row[]): string {
  const t = new Table({
    head: ['STEP', 'MODE', 'STATUS', 'TOTAL MS', 'DOWNTIME MS', 'ROUNDS', 'FAULTS', 'BYTES', 'PAGES SENT', 'ZERO PAGES', 'COMPRESSION'],
    style: { head: [], border: [], compact: true },
  });
  for (const r of rows) {
    const s = r.stats;
    if (s) {
      t.push([
        r.step,
        words(s.mode, 'MIGRATION_MODE_'),
        words(s.status, 'MIGRATION_STATUS_'),
        s.totalMs.toFixed(1),
        s.downtimeMs.toFixed(1),
        s.rounds,
        s.lazyFaultsServed,
        s.bytes,
        // Pre-copy: the pages of each round too.
        s.pagesPerRound.length > 1 ? `${s.pagesSent} (${s.pagesPerRound.join('/')})` : s.pagesSent,
        s.pagesElided,
        `${words(s.compression, 'COMPRESSION_')} x${s.compressionRatio}`,
      ]);
    } else t.push([r.step, { colSpan: 10, content: r.note ?? '' }]);
  }
  return t.toString();
}
