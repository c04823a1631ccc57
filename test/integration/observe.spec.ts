/**
 * Operating a cluster (README, "Operating a cluster"): `cluster up` gives every
 * process a Prometheus endpoint and writes their addresses into the ready file;
 * each serves `/metrics` over real HTTP, read with a real parser; a real
 * migration moves the right counters on both nodes and a park the middleware's
 * store counters; and every process logs JSON lines with its node, the task and
 * the migration id, pretty on a terminal (`--log-format pretty`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { clusterUp, type ClusterUp } from '../support/cluster-up.ts';
import { cleanup, cliJson, poll, ps, runCli, spawnCli } from '../support/processes.ts';
import { family, observations, scrape, value, type Scrape } from '../support/prometheus.ts';

interface Stats {
  readonly migrationId: string;
  readonly bytes: string | number;
  readonly pagesSent: string | number;
}

describe('operating a cluster: metrics and logs', function () {
  this.timeout(60_000);
  let up: ClusterUp;
  let task: string;
  let moved: Stats;
  let parked: { snapshot: { id: string; newBytes: string | number }; stats: Stats };

  before(async function () {
    this.timeout(40_000);
    up = await clusterUp();
    task = await poll('the counter to boot on field-a', async () => (await ps(up.node('field-a'))).find((t) => t.program === 'counter.s' && t.state === 'MigSource')?.taskId, 10_000);
  });

  after(async () => {
    await up?.stop().catch(() => undefined);
    await cleanup();
  });

  it('writes every process\'s metrics address into the ready file, each its own port', () => {
    const m = up.endpoints.metrics;
    expect(Object.keys(m)).to.have.members(['field-a', 'field-b', 'field-c', 'middleware']);
    const grpcPorts = [...Object.values(up.endpoints.nodes), up.endpoints.middleware].map((a) => a.split(':')[1]);
    const ports = Object.values(m).map((a) => {
      expect(a).to.match(/^127\.0\.0\.1:\d+$/);
      return a.split(':')[1];
    });
    expect(new Set(ports).size).to.equal(ports.length);
    expect(ports.filter((p) => grpcPorts.includes(p))).to.deep.equal([]);
  });

  it('serves /metrics in the Prometheus text format, every family named migvisor_*', async () => {
    const s = await scrape(up.endpoints.metrics['field-a']!);
    expect(s.status).to.equal(200);
    expect(s.contentType).to.match(/^text\/plain; version=0\.0\.4/);
    expect(s.families.length).to.be.above(15);
    expect(s.families.map((f) => f.name).filter((n) => !n.startsWith('migvisor_'))).to.deep.equal([]);
    // The booted counter runs: its slot is MigSource, and its travelers execute instructions.
    expect(value(s, 'migvisor_tasks', { state: 'MigSource' })).to.be.at.least(1);
    expect(family(s, 'migvisor_tasks').type).to.equal('GAUGE');
    expect(value(s, 'migvisor_instructions_total')).to.be.above(0);
    expect(family(s, 'migvisor_migration_downtime_seconds').type).to.equal('HISTOGRAM');
    expect((await scrape(up.endpoints.metrics['field-a']!, '/')).status).to.equal(404);
  });

  it('a migration moves the source\'s and the sink\'s counters', async () => {
    const [a0, b0] = await Promise.all([scrape(up.endpoints.metrics['field-a']!), scrape(up.endpoints.metrics['field-b']!)]);
    const out = await cliJson<{ stats: Stats }>(['migrate', task, '--from', 'field-a', '--to', 'field-b', '--cluster', up.file]);
    moved = out.stats;
    const [a, b] = await Promise.all([scrape(up.endpoints.metrics['field-a']!), scrape(up.endpoints.metrics['field-b']!)]);
    const delta = (after: Scrape, before: Scrape, name: string, labels: Record<string, string> = {}): number => value(after, name, labels) - value(before, name, labels);

    // The source: one full migration completed, with the bytes and pages the CLI reported.
    expect(delta(a, a0, 'migvisor_migrations_total', { mode: 'full', result: 'completed' })).to.equal(1);
    expect(delta(a, a0, 'migvisor_migration_bytes_sent_total', { mode: 'full' })).to.equal(Number(moved.bytes));
    expect(delta(a, a0, 'migvisor_migration_pages_sent_total', { mode: 'full' })).to.equal(Number(moved.pagesSent));
    expect(observations(a, 'migvisor_migration_downtime_seconds') - observations(a0, 'migvisor_migration_downtime_seconds')).to.equal(1);
    expect(observations(a, 'migvisor_migration_duration_seconds') - observations(a0, 'migvisor_migration_duration_seconds')).to.equal(1);
    expect(delta(a, a0, 'migvisor_grpc_server_calls_total', { method: 'migvisor.v1.MigTask/StopAndTransfer', code: 'OK' })).to.equal(1);
    expect(delta(a, a0, 'migvisor_tasks', { state: 'MigSource' })).to.equal(-1);
    expect(delta(a, a0, 'migvisor_migration_events_total', { phase: 'released' })).to.equal(1);

    // The sink: one container received and activated, its Receive and Commit served.
    expect(delta(b, b0, 'migvisor_migrations_received_total')).to.equal(1);
    expect(delta(b, b0, 'migvisor_migration_pages_received_total')).to.equal(Number(moved.pagesSent));
    expect(delta(b, b0, 'migvisor_migration_bytes_received_total')).to.be.above(0);
    expect(delta(b, b0, 'migvisor_migration_events_total', { phase: 'activated' })).to.equal(1);
    expect(delta(b, b0, 'migvisor_grpc_server_calls_total', { method: 'migvisor.v1.MigTask/Receive', code: 'OK' })).to.equal(1);
    expect(delta(b, b0, 'migvisor_grpc_server_calls_total', { method: 'migvisor.v1.MigTask/Commit', code: 'OK' })).to.equal(1);
    expect(delta(b, b0, 'migvisor_tasks', { state: 'MigSource' })).to.equal(1);
    // Nothing moved out of field-b.
    expect(delta(b, b0, 'migvisor_migrations_total', { mode: 'full', result: 'completed' })).to.equal(0);
  });

  it('a refused migration is counted as refused, its status as FAILED_PRECONDITION', async () => {
    const a0 = await scrape(up.endpoints.metrics['field-b']!);
    // field-c is a 64-bit big-endian node: negotiation refuses before anything stops.
    const r = await runCli(['migrate', task, '--from', 'field-b', '--to', 'field-c', '--cluster', up.file]);
    expect(r.code, r.stderr).to.equal(1);
    const a = await scrape(up.endpoints.metrics['field-b']!);
    expect(value(a, 'migvisor_migrations_total', { mode: 'full', result: 'refused' }) - value(a0, 'migvisor_migrations_total', { mode: 'full', result: 'refused' })).to.equal(1);
    const refusedCalls = (s: Scrape): number => value(s, 'migvisor_grpc_server_calls_total', { method: 'migvisor.v1.MigTask/StopAndTransfer', code: 'FAILED_PRECONDITION' });
    expect(refusedCalls(a) - refusedCalls(a0)).to.equal(1);
  });

  it('a park moves the middleware\'s store counters', async () => {
    const m0 = await scrape(up.endpoints.metrics['middleware']!);
    expect(value(m0, 'migvisor_store_bytes')).to.equal(0);
    parked = await cliJson(['snapshot', 'park', task, '--node', 'field-b', '--cluster', up.file]);
    const m = await scrape(up.endpoints.metrics['middleware']!);
    expect(value(m, 'migvisor_parks_total', { result: 'parked' }) - value(m0, 'migvisor_parks_total', { result: 'parked' })).to.equal(1);
    const newBytes = Number(parked.snapshot.newBytes);
    expect(newBytes).to.be.above(0);
    expect(value(m, 'migvisor_store_new_bytes_total') - value(m0, 'migvisor_store_new_bytes_total')).to.equal(newBytes);
    expect(value(m, 'migvisor_store_bytes')).to.equal(newBytes);
    expect(value(m, 'migvisor_store_snapshots')).to.equal(1);
    expect(value(m, 'migvisor_store_dedup_ratio')).to.be.at.least(1);
    expect(value(m, 'migvisor_grpc_server_calls_total', { method: 'migvisor.v1.Middleware/Park', code: 'OK' })).to.equal(1);
    // The park left field-b as a migration of its own.
    const b = await scrape(up.endpoints.metrics['field-b']!);
    expect(value(b, 'migvisor_migrations_total', { mode: 'full', result: 'completed' })).to.equal(1);
  });

  it('logs JSON lines with the node, the task and the migration id, from every process', async function () {
    this.timeout(20_000);
    const r = await up.stop();
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    const records: Record<string, unknown>[] = [];
    for (const l of lines) {
      if (l.startsWith('cluster up: ')) continue; // the command's own output
      const rec = JSON.parse(l) as Record<string, unknown>;
      expect(rec, l).to.include.keys('level', 'time', 'msg');
      records.push(rec);
    }
    const find = (match: Record<string, unknown>): Record<string, unknown> | undefined => records.find((x) => Object.entries(match).every(([k, v]) => x[k] === v));
    expect(find({ node: 'field-a', level: 'info', task, migrationId: moved.migrationId, mode: 'full', result: 'completed' }), 'the source\'s line').to.not.equal(undefined);
    expect(find({ node: 'field-b', level: 'info', task, migrationId: moved.migrationId }), 'the sink\'s line').to.not.equal(undefined);
    expect(find({ node: 'field-b', level: 'warn', task, result: 'refused' }), 'the refusal').to.not.equal(undefined);
    expect(find({ process: 'middleware', level: 'info', task, snapshot: parked.snapshot.id }), 'the park').to.not.equal(undefined);
    for (const n of ['field-a', 'field-b', 'field-c']) expect(find({ node: n, msg: `serving at ${up.node(n)}, metrics at http://${up.endpoints.metrics[n]}/metrics` }), n).to.not.equal(undefined);
    // Info by default: no console lines (debug).
    expect(records.filter((x) => x['event'] === 'console')).to.deep.equal([]);
  });

  it('node start serves the metrics key of its node, and logs pretty lines with --log-format pretty, console lines with --log-level debug', async function () {
    this.timeout(20_000);
    // The cluster file's metrics key, without --metrics.
    const file = path.join(path.dirname(up.file), 'with-metrics.yaml');
    fs.writeFileSync(file, fs.readFileSync(up.file, 'utf8').replace('  - name: field-a\n', '  - name: field-a\n    metrics: 127.0.0.1:0\n'));
    const node = spawnCli(['node', 'start', file, '--node', 'field-a', '--listen', '127.0.0.1:0', '--log-format', 'pretty', '--log-level', 'debug']);
    const ready = JSON.parse(await node.waitForLine((l) => l.includes('"address"'), 15_000)) as { metrics?: string };
    expect(ready.metrics).to.match(/^127\.0\.0\.1:\d+$/);
    const s = await scrape(ready.metrics!);
    expect(value(s, 'migvisor_tasks', { state: 'MigSource' })).to.equal(1);
    await poll('a console line', async () => value(await scrape(ready.metrics!), 'migvisor_node_events_total', { kind: 'console' }) > 0, 10_000, 100);
    node.child.kill('SIGTERM');
    const r = await node.result;
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    expect(lines.find((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: serving at 127\.0\.0\.1:\d+, metrics at http:\/\/127\.0\.0\.1:\d+\/metrics \{.*"node":"field-a"/.test(l)), r.stderr).to.not.equal(undefined);
    expect(lines.find((l) => /^\[[\d:.]+\] DEBUG: counter \d+ \{.*"event":"console"/.test(l)), r.stderr).to.not.equal(undefined);
    expect(lines.filter((l) => l.startsWith('{'))).to.deep.equal([]);
  });

  it('refuses an unknown --log-level and a malformed --metrics in one line each', async () => {
    const r = await runCli(['node', 'start', up.file, '--node', 'field-a', '--log-level', 'loud']);
    expect([r.code, r.stderr]).to.deep.equal([1, 'migvisor: --log-level must be trace, debug, info, warn, error, fatal or silent, got loud\n']);
    const m = await runCli(['middleware', 'start', up.file, '--metrics', 'localhost']);
    expect([m.code, m.stderr]).to.deep.equal([1, 'migvisor: --metrics must be HOST:PORT with a port from 0 to 65535, got "localhost"\n']);
  });
});
