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
 * - `migrate --predict` reports both;
 * - a dry run takes the downtime limit and the bandwidth cap as the migration
 *   does (the cap holds for all page streams together).
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
  // At the default downtime limit (300 ms) the working set (1 MiB: 431 ms at 20 Mbit/s) is on the edge of the
  // stop rules: whether a round ends with it all dirty again decides between another round and a stop, in the
  // migration as in its prediction. 2 s puts it clearly within the limit: both stop after round 0.
  const DOWNTIME_LIMIT_MS = 2000;
  const predict = async (from: string, to: string, mode: 'full' | 'precopy'): Promise<Prediction__Output> => {
    const c = migTask(from);
    // Short probes keep the spec quick; the bench measures with the defaults.
    const request = { taskId: task, sink: to, mode: MIGRATION_MODE_WIRE.toWire(mode), probeBytes: PROBE_BYTES, downtimeLimitMs: DOWNTIME_LIMIT_MS };
    const r = await unary(c.PredictMigration, c, request, 'PredictMigration', 30_000);
    return r.prediction!;
  };
  const migrate = async (from: string, to: string, mode: 'full' | 'precopy'): Promise<MigrationStats__Output> => {
    let stats: MigrationStats__Output | null = null;
    const request = { taskId: task, sink: to, mode: MIGRATION_MODE_WIRE.toWire(mode), downtimeLimitMs: DOWNTIME_LIMIT_MS };
    for await (const m of serverStream(migTask(from).StopAndTransfer(request), 'migrate')) if (m.stats) stats = m.stats;
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
    expect(pre.inputs!.precopyStop, report).to.equal('PRECOPY_STOP_DOWNTIME_LIMIT');
    expect(preReal.precopyStop, report).to.equal('PRECOPY_STOP_DOWNTIME_LIMIT');
    expect(pre.rounds, report).to.equal(preReal.rounds);
    expect(pre.pagesPerRound[0], 'round 0: every present page').to.equal(preReal.pagesPerRound[0]);
    expect(await where()).to.deep.equal(['big-a MigSource running']);
  });

  it('a dry run takes the downtime limit and the bandwidth cap as the migration does: same stop rule, time within loose bounds', async () => {
    const limits = ['--mode', 'precopy', '--downtime-limit', '5000', '--max-bandwidth', '10Mbit'];
    const dry = await cliJson<{ prediction: Prediction__Output }>(['migrate', task, '--from', A, '--to', B, ...limits, '--dry-run', '--probe-bytes', String(PROBE_BYTES)]);
    const p = dry.prediction;
    expect(p.inputs!.downtimeLimitMs).to.equal(5000);
    expect(Number(p.inputs!.maxBandwidthBytesPerS)).to.equal(1_250_000);
    // The 256-page working set (1 MiB) is dirty after round 0: more than 64 pages, but 0.84 s at 10 Mbit/s, within 5 s.
    expect(p.inputs!.precopyStop).to.equal('PRECOPY_STOP_DOWNTIME_LIMIT');
    const real = await cliJson<{ stats: MigrationStats__Output }>(['migrate', task, '--from', A, '--to', B, ...limits]);
    const report = `predicted ${p.totalMs} ms, ${p.bytes} B, ${p.pagesPerRound.join("/")}, ratio ${p.inputs!.compressionRatio}; real ${real.stats.totalMs} ms, ${real.stats.bytes} B, ${real.stats.pagesPerRound.join("/")}, ratio ${real.stats.compressionRatio}`;
    expect(real.stats.precopyStop, report).to.equal('PRECOPY_STOP_DOWNTIME_LIMIT');
    expect(p.rounds, report).to.equal(real.stats.rounds);
    // At the cap, not the link's 20 Mbit/s (2 MiB alone take 1.7 s), on every page stream together.
    expect(p.totalMs, report).to.be.greaterThan(1600);
    expect(real.stats.streams, 'the default: two page streams').to.equal(2);
    expect(Number(real.stats.bytes) / (real.stats.totalMs / 1000), `${report}: bytes/s sent`).to.be.below(1_250_000 * 1.15);
    expect(p.totalMs / real.stats.totalMs, report).to.be.within(0.6, 1.6);
    const table = await runCli(['migrate', task, '--from', B, '--to', A, ...limits, '--dry-run', '--probe-bytes', String(PROBE_BYTES)]);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.match(/bandwidth cap\s+│\s+10Mbit/);
    expect(table.stdout).to.match(/pre-copy stop\s+│\s+downtime-limit \(at most 64 dirty pages, downtime limit 5000 ms, 12 rounds\)/);
    expect(await where()).to.deep.equal(['big-b MigSource running']);
    // Back where the other specs expect it.
    await migrate(B, A, 'full');
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
