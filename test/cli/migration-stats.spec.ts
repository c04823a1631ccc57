/**
 * The tables of `migrate` (src/cli/migration-stats.ts): the statistics alone as
 * before, the statistics with a prediction beside them (`--predict`), and a
 * prediction alone (`--dry-run`), from wire messages made by hand.
 */
import { expect } from 'chai';
import { predictionTable, statsTable } from '../../src/cli/migration-stats.ts';
import type { MigrationStats__Output } from '../../src/generated/migvisor/v1/MigrationStats.ts';
import type { Prediction__Output } from '../../src/generated/migvisor/v1/Prediction.ts';

const prediction: Prediction__Output = {
  mode: 'MIGRATION_MODE_PRECOPY',
  compression: 'COMPRESSION_DEFLATE',
  totalMs: 1500.5,
  downtimeMs: 440.25,
  rounds: 3,
  bytes: 6_300_000,
  pages: 4656,
  pagesPerRound: [4144, 256, 256],
  throttlePerRound: [],
  probeMs: 950,
  inputs: {
    pageSize: 4096,
    presentPages: 4144,
    nonzeroPages: 1026,
    headerBytes: 4577,
    scanMs: 12,
    dirtyWindowMs: 650,
    workingSetPages: 256,
    dirtyRatePagesPerS: 2000,
    dirtyGrowthPagesPerS: 0,
    bandwidthBytesPerS: 2_500_000,
    rttMs: 8,
    compressionRatio: 1,
    probeBytes: 3_000_000,
    precopyStopPages: 64,
    precopyMaxRounds: 12,
    precopyStop: 'PRECOPY_STOP_FEW_DIRTY',
    downtimeLimitMs: 300,
    maxBandwidthBytesPerS: 0,
    autoConverge: false,
    batchMs: 4.5,
    zeroBatches: 48,
    batchLatencyMs: 7.5,
  },
};

const stats: MigrationStats__Output = {
  migrationId: 'm-1',
  taskId: 'dirtier-1',
  mode: 'MIGRATION_MODE_PRECOPY',
  status: 'MIGRATION_STATUS_COMPLETED',
  source: 'big-a',
  sink: 'big-b',
  totalMs: 1450,
  downtimeMs: 430,
  setupMs: 10,
  bytes: 6_280_000,
  pagesSent: 4656,
  pagesElided: 3118,
  compressionRatio: 1.003,
  rounds: 3,
  pagesPerRound: [4144, 256, 256],
  finalDirtyPages: 256,
  lazyFaultsServed: 0,
  compression: 'COMPRESSION_DEFLATE',
  error: '',
  resumeMs: 430,
  residualMs: 0,
  gateMessages: 0,
  closedHandles: 0,
  predicted: null,
  precopyStop: 'PRECOPY_STOP_DOWNTIME_LIMIT',
  throttlePerRound: [0, 0],
  transferBytesPerS: 0,
  expectedDowntimeMs: 0,
  downtimeLimitMs: 300,
  maxBandwidthBytesPerS: 0,
  queuedMs: 0,
  streams: 1,
  streamBytes: [],
  postcopyPauses: 0,
};

const row = (table: string, name: string): string[] | undefined =>
  table
    .split('\n')
    .map((l) => l.split('│').map((c) => c.trim()).filter((c) => c !== ''))
    .find((cells) => cells[0] === name);

describe('the tables of migrate', function () {
  it('without a prediction: one column, as before', () => {
    const t = statsTable(stats);
    expect(row(t, 'total ms')).to.deep.equal(['total ms', '1450']);
    expect(t).to.not.contain('predicted');
  });

  it('with --predict: what was predicted beside what was measured, and what it was computed from', () => {
    const t = statsTable({ ...stats, predicted: prediction });
    expect(t).to.match(/│\s+│ measured\s+│ predicted\s+│/);
    expect(row(t, 'total ms')).to.deep.equal(['total ms', '1450', '1500.5']);
    expect(row(t, 'downtime ms')).to.deep.equal(['downtime ms', '430', '440.25']);
    expect(row(t, 'pages per round')).to.deep.equal(['pages per round', '4144 256 256', '4144 256 256']);
    expect(row(t, 'setup ms'), 'no prediction of its own').to.deep.equal(['setup ms', '10']);
    expect(t).to.contain('predicted from: 20Mbit, round trip 8 ms, 2000 dirty pages/s in a working set of 256, compression ratio 1 (measured in 950 ms)');
  });

  it('with --dry-run: the prediction, then its inputs and the rule that ends pre-copy', () => {
    const t = predictionTable(prediction);
    expect(row(t, 'total ms')).to.deep.equal(['total ms', '1500.5']);
    expect(row(t, 'bandwidth')).to.deep.equal(['bandwidth', '20Mbit (2500000 B/s)']);
    expect(row(t, 'pre-copy stop')).to.deep.equal(['pre-copy stop', 'few-dirty (at most 64 dirty pages, downtime limit 300 ms, 12 rounds)']);
    expect(row(t, 'bandwidth cap'), 'no cap, no row').to.equal(undefined);
    expect(row(t, 'throttle % per round'), 'no auto-converge, no row').to.equal(undefined);
    const limited = predictionTable({ ...prediction, throttlePerRound: [0, 20, 30], inputs: { ...prediction.inputs!, maxBandwidthBytesPerS: 1_250_000, autoConverge: true } });
    expect(row(limited, 'bandwidth cap')).to.deep.equal(['bandwidth cap', '10Mbit']);
    expect(row(limited, 'throttle % per round')).to.deep.equal(['throttle % per round', '0 20 30']);
    expect(row(limited, 'pre-copy stop')![1]).to.match(/, auto-converge\)$/);
    expect(row(predictionTable({ ...prediction, mode: 'MIGRATION_MODE_FULL' }), 'pre-copy stop'), 'only for pre-copy').to.equal(undefined);
  });
});
