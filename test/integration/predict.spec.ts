/**
 * Predicting migrations between node processes on a shaped link (a testbed
 * LiveCluster of cluster-big.yaml: big-a and big-b, 20 Mbit/s and 2 ms between
 * them), with a task that fills 2 MiB of its heap with incompressible words and
 * then dirties two pages of a 256-page working set every tick:
 *
 * - `migrate --dry-run` moves nothing: the task runs where it was, the sink has
 *   no staged container, and the link carried the probes, not the pages;
 * - a dry run refuses what the migration refuses, with the same message;
 * - the prediction of a full and a pre-copy migration is within loose bounds of
 *   the migration itself (how close it comes is the bench's business);
 * - `migrate --predict` reports both.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { serverStream, unary } from '../../src/common/clients.ts';
import { MIGRATION_MODE_WIRE } from '../../src/common/index.ts';
import type { MigrationStats__Output } from '../../src/generated/migvisor/v1/MigrationStats.ts';
import type { Prediction__Output } from '../../src/generated/migvisor/v1/Prediction.ts';
import { LiveCluster } from '../../src/testbed/index.ts';
import { cleanup, cliJson, control, fixture, migTask, ps, runCli, sleep, tempDir } from '../support/processes.ts';

const MBIT = 1e6 / 8;
const FILL_BYTES = 2 << 20;
/** The largest bandwidth probe of the specs' predictions. */
const PROBE_BYTES = 256 * 1024;

/** What crossed big-a → big-b so far, bytes. */
function carried(cluster: LiveCluster): number {
  const link = cluster.network.status().find((l) => l.between.includes('big-a') && l.between.includes('big-b'))!;
  return link.directions.find((d) => d.from === 'big-a')!.bytes;
}

describe('predicting a migration (node processes, a 20Mbit/2ms link)', function () {
  this.timeout(60_000);
  let cluster: LiveCluster;
  let A: string;
  let B: string;
  let task: string;

  /** The dirtier: FILL_BYTES of random words, then 2 pages of a 256-page working set every tick. */
  const startDirtier = async (address: string): Promise<string> => {
    const source = fs
      .readFileSync(fixture('programs/dirtier.s'), 'utf8')
      .replace(/^FILL = .*$/m, `FILL = ${FILL_BYTES}`)
      .replace(/^WSET = .*$/m, 'WSET = 256')
      .replace(/^PER_TICK = .*$/m, 'PER_TICK = 2');
    const c = migTask(address);
    const r = await unary(c.Initialize, c, { partition: 'bulk', programName: 'dirtier.s', programSource: source }, 'Initialize');
    return r.task!.taskId;
  };
  const predict = async (from: string, to: string, mode: 'full' | 'precopy'): Promise<Prediction__Output> => {
    const c = migTask(from);
    // Short probes keep the spec quick; the bench measures with the defaults.
    const r = await unary(c.PredictMigration, c, { taskId: task, sink: to, mode: MIGRATION_MODE_WIRE.toWire(mode), probeBytes: PROBE_BYTES }, 'PredictMigration', 30_000);
    return r.prediction!;
  };
  const migrate = async (from: string, to: string, mode: 'full' | 'precopy'): Promise<MigrationStats__Output> => {
    let stats: MigrationStats__Output | null = null;
    for await (const m of serverStream(migTask(from).StopAndTransfer({ taskId: task, sink: to, mode: MIGRATION_MODE_WIRE.toWire(mode) }), 'migrate')) if (m.stats) stats = m.stats;
    return stats!;
  };
  const where = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const [name, address] of [['big-a', A], ['big-b', B]] as const) {
      for (const t of await ps(address)) if (t.taskId === task) out.push(`${name} ${t.state} ${t.run}`);
    }
    return out;
  };

  before(async function () {
    this.timeout(60_000);
    cluster = await LiveCluster.start({
      file: fixture('cluster-big.yaml'),
      links: [{ between: ['big-a', 'big-b'], bandwidth: 20 * MBIT, latencyMs: 2, jitterMs: 0, loss: 0, lossMode: 'stall', line: 0 }],
      nodeArgs: ['--no-boot'],
      registry: path.join(tempDir('migvisor-predict-'), 'registry'),
    });
    [A, B] = [cluster.address('big-a'), cluster.address('big-b')];
    task = await startDirtier(A);
    await sleep(300); // filled, and dirtying
  });

  after(async () => {
    await cleanup();
    await cluster?.stop();
  });

  it('migrate --dry-run moves nothing: the task runs where it was, the sink stages nothing, the pages stay', async () => {
    const before = carried(cluster);
    const r = await cliJson<{ prediction: { mode: string; totalMs: number; pages: string; inputs: { nonzeroPages: string; probeBytes: string; bandwidthBytesPerS: number } } }>([
      'migrate', task, '--from', A, '--to', B, '--mode', 'precopy', '--dry-run', '--probe-bytes', String(PROBE_BYTES),
    ]);
    const crossed = carried(cluster) - before;
    const p = r.prediction;
    expect(p.mode).to.equal('MIGRATION_MODE_PRECOPY');
    expect(p.totalMs).to.be.greaterThan(0);
    expect(Number(p.inputs.nonzeroPages), 'the 2 MiB filled, and a few pages of code, data and stack').to.be.within(512, 520);
    expect(p.inputs.bandwidthBytesPerS / (20 * MBIT), 'bandwidth measured ÷ configured').to.be.within(0.8, 1.2);
    expect(await where(), 'where the task is').to.deep.equal(['big-a MigSource running']);
    expect((await ps(B)).map((t) => t.state), 'big-b stages nothing').to.deep.equal(['MigSink']);
    // The probes and a few calls crossed, not the task's pages (2 MiB).
    expect(crossed, 'bytes big-a → big-b during the dry run').to.be.within(Number(p.inputs.probeBytes), Number(p.inputs.probeBytes) + 256 * 1024);
    expect(crossed).to.be.below(Number(p.inputs.probeBytes) + FILL_BYTES / 4);
  });

  it('a dry run refuses what the migration refuses, with the same message, and stops nothing', async () => {
    // A task in big-b's only bulk slot: no MigSink slot free there.
    const blocker = await startDirtier(B);
    try {
      // One after the other: a migration in flight is a refusal of its own.
      const dry = await runCli(['migrate', task, '--from', A, '--to', B, '--dry-run']);
      const real = await runCli(['migrate', task, '--from', A, '--to', B]);
      expect(dry.code).to.equal(1);
      expect(real.code).to.equal(1);
      expect(dry.stderr).to.match(/migration refused: big-b has no MigSink slot free in partition bulk/);
      expect(dry.stderr).to.equal(real.stderr.replace(`migrate ${task}:`, `predict the migration of ${task}:`));
      expect(await where()).to.deep.equal(['big-a MigSource running']);
    } finally {
      const c = control(B);
      await unary(c.Kill, c, { taskId: blocker }, 'Kill');
    }
  });

  it('predicts a full and a pre-copy migration within loose bounds of the migration itself', async () => {
    const full = await predict(A, B, 'full');
    const fullReal = await migrate(A, B, 'full');
    const pre = await predict(B, A, 'precopy');
    const preReal = await migrate(B, A, 'precopy');
    const report = `full ${full.totalMs} vs ${fullReal.totalMs} ms; precopy ${pre.totalMs} vs ${preReal.totalMs} ms, rounds ${pre.pagesPerRound.join('/')} vs ${preReal.pagesPerRound.join('/')}`;
    expect(full.totalMs / fullReal.totalMs, report).to.be.within(0.6, 1.6);
    expect(Number(full.bytes) / Number(fullReal.bytes), report).to.be.within(0.95, 1.05);
    expect(full.rounds, report).to.equal(1);
    expect(pre.totalMs / preReal.totalMs, report).to.be.within(0.6, 1.6);
    expect(Math.abs(pre.rounds - preReal.rounds), report).to.be.at.most(2);
    expect(pre.pagesPerRound[0], 'round 0: every present page').to.equal(preReal.pagesPerRound[0]);
    expect(await where()).to.deep.equal(['big-a MigSource running']);
  });

  it('migrate --predict reports the prediction beside the statistics', async () => {
    const j = await cliJson<{ stats: { totalMs: number; bytes: string; predicted: { totalMs: number; bytes: string; inputs: { rttMs: number } } | null } }>([
      'migrate', task, '--from', A, '--to', B, '--mode', 'full', '--predict',
    ]);
    expect(j.stats.predicted, 'stats.predicted').to.not.equal(null);
    expect(j.stats.predicted!.totalMs).to.be.greaterThan(0);
    expect(j.stats.predicted!.inputs.rttMs, 'round trip over a 2 ms link').to.be.greaterThan(3);
    expect(Number(j.stats.predicted!.bytes) / Number(j.stats.bytes), 'bytes predicted ÷ sent').to.be.within(0.95, 1.05);
    expect(j.stats.totalMs).to.be.greaterThan(0);
    expect(await where()).to.deep.equal(['big-b MigSource running']);
  });
});
