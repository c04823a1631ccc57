/**
 * Parallel streams and post-copy recovery between node processes (a testbed
 * LiveCluster of cluster-big.yaml: big-a and big-b, 100 Mbit/s between them),
 * with a task that fills 4 MiB of its heap with incompressible words and then
 * only prints "tick N" (its memory no longer changes, so the hash taken before a
 * move is the one the sink must end with):
 *
 * - `migrate --streams 4` spreads the pages over four streams: the memory hash on
 *   the sink is the source's, the ticks go on without a gap, every stream carried
 *   bytes; `snapshot park --streams 3` stores it over three and a restore brings
 *   the same memory back; a stream whose chunk is corrupted on the link fails the migration and
 *   the task runs on the source as before;
 * - a post-copy migration whose link is cut during the push pauses on both sides
 *   (postcopy-paused), the task keeps running on the sink, and when the link heals
 *   (and `migrate recover` is asked) the rest of the pages flow: the hash is the
 *   source's; a link that stays cut past the recovery timeout loses the pages as
 *   before, on both sides.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { serverStream } from '../../src/common/clients.ts';
import { MIGRATION_MODE_WIRE } from '../../src/common/index.ts';
import type { MigrationStats__Output } from '../../src/generated/migvisor/v1/MigrationStats.ts';
import { LiveCluster } from '../../src/testbed/index.ts';
import { startMiddleware } from '../support/middleware-harness.ts';
import { cleanup, cliJson, consecutive, EventLog, fixture, migTask, poll, ps, runCli, sleep, tempDir, type CliResult } from '../support/processes.ts';

const MBIT = 1e6 / 8;
const TICK = 'tick ';

describe('parallel streams and post-copy recovery (node processes, a 100Mbit link)', function () {
  this.timeout(60_000);
  let cluster: LiveCluster;
  let A: string;
  let B: string;
  let logA: EventLog;
  let logB: EventLog;

  before(async function () {
    cluster = await LiveCluster.start({
      file: fixture('cluster-big.yaml'),
      links: [{ between: ['big-a', 'big-b'], bandwidth: 100 * MBIT, latencyMs: 1, jitterMs: 0, loss: 0, lossMode: 'stall', line: 0 }],
      nodeArgs: ['--no-boot'],
      registry: path.join(tempDir('migvisor-streams-'), 'registry'),
    });
    [A, B] = [cluster.address('big-a'), cluster.address('big-b')];
    [logA, logB] = [new EventLog(A), new EventLog(B)];
    await sleep(200);
  });

  after(async () => {
    await cluster?.stop();
    await cleanup();
  });

  afterEach(async () => {
    cluster.network.heal('big-a', 'big-b');
    // Whatever a test left running goes, so the next one finds the slot free.
    for (const address of [A, B]) {
      for (const t of await ps(address)) if (t.taskId) await runCli(['kill', t.taskId, '--node', address]);
    }
  });

  /** Starts the filled ticker on `address` and waits until it filled its heap and ticked. */
  const startTicker = async (address: string, log: EventLog): Promise<string> => {
    const source = fs.readFileSync(fixture('programs/filled-ticker.s'), 'utf8');
    const c = migTask(address);
    const r = await new Promise<{ task: { taskId: string } }>((resolve, reject) =>
      c.Initialize({ partition: 'bulk', programName: 'filled-ticker.s', programSource: source }, (e, res) => (e ? reject(e) : resolve(res as { task: { taskId: string } }))),
    );
    const task = r.task.taskId;
    await log.waitFor((e) => e.kind === 'console' && e.task === task && e.text.startsWith(TICK), 20_000, 'the ticker filling its heap and ticking');
    return task;
  };
  const hashOn = async (address: string, task: string): Promise<string> => (await ps(address, true)).find((t) => t.taskId === task)?.memoryHash ?? '';
  const ticks = (task: string): number[] => [...logA.numbers(task, TICK), ...logB.numbers(task, TICK)].sort((x, y) => x - y);
  const migrationDetails = (log: EventLog, task: string, phase: string): string[] =>
    log.events.flatMap((e) => (e.kind === 'migration' && e.task === task && e.phase === phase ? [e.detail] : []));
  const migrate = (from: string, to: string, task: string, request: Record<string, unknown>): Promise<MigrationStats__Output> =>
    (async () => {
      let stats: MigrationStats__Output | null = null;
      for await (const m of serverStream(migTask(from).StopAndTransfer({ taskId: task, sink: to, ...request }), 'migrate')) if (m.stats) stats = m.stats;
      return stats!;
    })();

  it('migrate --streams 4: the pages go over four streams, the memory hash on the sink is the source\'s and the ticks go on', async () => {
    const task = await startTicker(A, logA);
    const before = await hashOn(A, task);
    const stats = await cliJson<{ stats: MigrationStats__Output }>(['migrate', task, '--from', A, '--to', B, '--streams', '4', '--compress', 'none', '--json']);
    const s = stats.stats;
    expect(s.status).to.equal('MIGRATION_STATUS_COMPLETED');
    expect(s.streams, 'streams used').to.equal(4);
    expect(s.streamBytes.map(Number).every((b) => b > 512 * 1024), `bytes per stream ${s.streamBytes.join(' ')}`).to.equal(true);
    expect(s.streamBytes.map(Number).reduce((x, y) => x + y, 0), 'the streams add up to the bytes sent').to.equal(Number(s.bytes));
    expect(await hashOn(B, task), 'memory hash on the sink').to.equal(before);
    const n = logB.numbers(task, TICK).at(-1) ?? 0;
    await logB.waitForNumber(task, TICK, n + 3, 10_000);
    expect(consecutive(ticks(task)), 'ticks across the move').to.equal(undefined);

    // The table a user reads names the streams too.
    const back = await runCli(['migrate', task, '--from', B, '--to', A, '--streams', '2']);
    expect(back.code, back.stderr).to.equal(0);
    expect(back.stdout).to.match(/streams\s*│\s*2 \(bytes \d+ \/ \d+\)/);
    expect(await hashOn(A, task), 'memory hash back on the source').to.equal(before);
  });

  it('snapshot park --streams 3 into the archive, then restore: the memory hash is the source\'s', async () => {
    const task = await startTicker(A, logA);
    const before = await hashOn(A, task);
    const mw = await startMiddleware(fixture('cluster-big.yaml'), `file://${tempDir('migvisor-streams-store-')}`);
    const parked = await cliJson<{ snapshot: { id: string }; stats: MigrationStats__Output }>(['snapshot', 'park', task, '--node', A, '--streams', '3', '--compress', 'none', '--middleware', mw.address, '--json']);
    expect(parked.stats.streams, 'streams into the archive').to.equal(3);
    expect(parked.stats.streamBytes.map(Number).every((b) => b > 512 * 1024), `bytes per stream ${parked.stats.streamBytes.join(' ')}`).to.equal(true);
    const restored = await runCli(['snapshot', 'restore', parked.snapshot.id, '--node', B, '--middleware', mw.address]);
    expect(restored.code, restored.stderr).to.equal(0);
    expect(await hashOn(B, task), 'memory hash after park and restore').to.equal(before);
  });

  it('a stream whose chunk is corrupted on the link fails the migration; the task runs on the source, nothing staged on the sink', async () => {
    const task = await startTicker(A, logA);
    const before = await hashOn(A, task);
    // Armed once the pages flow: the next chunk-sized DATA frame from A to B, whichever stream carries it.
    const migration = migrate(A, B, task, { mode: MIGRATION_MODE_WIRE.toWire('full'), compression: 'COMPRESSION_NONE', streams: 4 }).then(
      () => 'completed',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    await logA.waitFor((e) => e.kind === 'migration' && e.task === task && e.phase === 'stopped', 10_000, 'the stop');
    cluster.network.corrupt('big-a', 'big-b', { chunk: true });
    const outcome = await migration;
    expect(outcome).to.match(/failed during transfer; the task runs on big-a again/).and.match(/SHA-256/);
    const onA = (await ps(A)).find((t) => t.taskId === task);
    expect(onA?.state, 'the task on the source').to.equal('MigSource');
    expect((await ps(B)).filter((t) => t.taskId === task), 'the task on the sink').to.deep.equal([]);
    expect(await hashOn(A, task), 'memory hash on the source').to.equal(before);
    const n = logA.numbers(task, TICK).at(-1) ?? 0;
    await logA.waitForNumber(task, TICK, n + 3, 10_000);
    expect(consecutive(logA.numbers(task, TICK)), 'ticks on the source').to.equal(undefined);
  });

  it('post-copy with the link cut during the push: both sides pause (migrate recover says so), the task runs on, and after the heal every page arrives', async () => {
    const task = await startTicker(A, logA);
    const before = await hashOn(A, task);
    // Slow enough that the push of 4 MiB takes more than a second.
    cluster.network.set('big-a', 'big-b', { bandwidth: 20 * MBIT });
    const migration = migrate(A, B, task, { mode: MIGRATION_MODE_WIRE.toWire('lazy'), compression: 'COMPRESSION_NONE', postcopyRecoverMs: 30_000 });
    await logA.waitFor((e) => e.kind === 'migration' && e.task === task && e.phase === 'postcopy', 10_000, 'the push to begin');
    await sleep(300);
    cluster.network.cut('big-a', 'big-b');
    await logA.waitFor((e) => e.kind === 'migration' && e.task === task && e.phase === 'postcopy' && e.detail.startsWith('postcopy-paused'), 10_000, 'postcopy-paused on the source');
    await logB.waitFor((e) => e.kind === 'migration' && e.task === task && e.phase === 'postcopy' && e.detail.startsWith('postcopy-paused'), 10_000, 'postcopy-paused on the sink');
    // Paused, the task runs on: its ticks need no missing page.
    const n = logB.numbers(task, TICK).at(-1) ?? 0;
    await logB.waitForNumber(task, TICK, n + 2, 10_000);
    const missing = (await ps(B)).find((t) => t.taskId === task)!;
    expect(missing.pagesPresent, 'pages on the sink while paused').to.be.below(missing.pages);

    // `migrate recover` on either side tries at once; the link is still cut, so both stay paused.
    for (const [node, role] of [[A, 'source'], [B, 'sink']] as const) {
      const r: CliResult = await runCli(['migrate', 'recover', task, '--node', node]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout, `migrate recover on the ${role}`).to.match(new RegExp(`^${task} on ${node.replace(/\./g, '\\.')} \\(${role}\\): postcopy-paused, \\d+ page\\(s\\) missing\n$`));
    }

    // Healed, both sides find each other again by themselves.
    cluster.network.heal('big-a', 'big-b');
    cluster.network.set('big-a', 'big-b', { bandwidth: 100 * MBIT });
    const stats = await migration;
    expect(stats.status).to.equal('MIGRATION_STATUS_COMPLETED');
    expect(stats.error, 'post-copy error').to.equal('');
    expect(stats.postcopyPauses, 'pauses').to.be.at.least(1);
    await poll('every page on the sink', async () => {
      const t = (await ps(B)).find((x) => x.taskId === task);
      return t && t.pagesPresent === t.pages;
    }, 10_000);
    expect(await hashOn(B, task), 'memory hash on the sink').to.equal(before);
    expect(migrationDetails(logA, task, 'residual-lost'), 'residual-lost on the source').to.deep.equal([]);
    expect(migrationDetails(logB, task, 'residual-lost'), 'residual-lost on the sink').to.deep.equal([]);
    expect(migrationDetails(logA, task, 'postcopy').map((d) => d.split(':')[0]), 'the source\'s post-copy statuses').to.include.members(['postcopy-paused', 'postcopy-recover', 'postcopy-active']);
    expect(consecutive(ticks(task)), 'ticks across the move and the cut').to.equal(undefined);
  });

  it('post-copy with the link cut past the recovery timeout: the missing pages are lost on both sides, as before', async () => {
    const task = await startTicker(A, logA);
    cluster.network.set('big-a', 'big-b', { bandwidth: 20 * MBIT });
    const migration = migrate(A, B, task, { mode: MIGRATION_MODE_WIRE.toWire('lazy'), compression: 'COMPRESSION_NONE', postcopyRecoverMs: 1500 });
    await logA.waitFor((e) => e.kind === 'migration' && e.task === task && e.phase === 'postcopy', 10_000, 'the push to begin');
    await sleep(300);
    cluster.network.cut('big-a', 'big-b');
    const stats = await migration;
    expect(stats.status, 'the task runs on the sink').to.equal('MIGRATION_STATUS_COMPLETED');
    expect(stats.error).to.match(/^post-copy push failed: pushing pages to .* \(unreachable for 1500 ms\)$/);
    await logB.waitFor((e) => e.kind === 'migration' && e.task === task && e.phase === 'residual-lost', 10_000, 'residual-lost on the sink');
    expect(migrationDetails(logB, task, 'residual-lost')[0]).to.match(/unreachable: cannot fetch pages from .* \(unreachable for 1500 ms\)/);
    expect(migrationDetails(logA, task, 'residual-lost'), 'residual-lost on the source').to.have.length(1);
    expect(migrationDetails(logB, task, 'postcopy').some((d) => d.startsWith('postcopy-paused')), 'paused on the sink first').to.equal(true);
  });
});
