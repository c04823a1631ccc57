/**
 * `migvisor cluster up`: every node of a cluster file as a child process on port
 * 0, their endpoints written to the ready file once all serve, gRPC health
 * checking and server reflection on each, and SIGINT stops them all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { listServices } from '../support/reflection.ts';
import { cleanup, fixture, healthStatus, pidAlive, poll, ps, spawnCli, tempDir, type RunningCli } from '../support/processes.ts';

const BIG = fixture('cluster-big.yaml');

/** The pids of the direct children of a process that run `migvisor node start` (Linux /proc). */
function nodeChildPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (ppid === pid && cmdline.includes('node') && cmdline.includes('start')) out.push(Number(entry));
    } catch {
      // the process went away
    }
  }
  return out;
}

describe('cluster up', function () {
  let up: RunningCli;
  let ready: { nodes: Record<string, string>; middleware: unknown; testbed: string; metrics: Record<string, string>; dashboard: string };
  let nodePids: number[];

  before(async function () {
    this.timeout(40_000);
    const readyFile = path.join(tempDir(), 'ready.json');
    up = spawnCli(['cluster', 'up', BIG, '--ready-file', readyFile], { timeoutMs: 60_000 });
    ready = await poll('the ready file', () => fs.existsSync(readyFile) && (JSON.parse(fs.readFileSync(readyFile, 'utf8')) as typeof ready), 30_000, 100);
    nodePids = nodeChildPids(up.child.pid!);
  });

  after(async () => {
    // Should a test fail half-way: the supervisor and then any node left behind.
    await cleanup();
    for (const pid of nodePids ?? []) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('writes {"nodes": {...}, "middleware": null, "testbed": ..., "metrics": {...}, "dashboard": ...} with a distinct port per node', () => {
    expect(Object.keys(ready)).to.have.members(['nodes', 'middleware', 'testbed', 'metrics', 'dashboard']);
    expect(Object.keys(ready.metrics)).to.have.members(['big-a', 'big-b']);
    expect(ready.testbed).to.match(/^127\.0\.0\.1:\d+$/);
    expect(ready.dashboard).to.match(/^127\.0\.0\.1:\d+$/);
    expect(ready.middleware).to.equal(null);
    expect(Object.keys(ready.nodes)).to.have.members(['big-a', 'big-b']);
    const ports = Object.values(ready.nodes).map((a) => {
      expect(a).to.match(/^127\.0\.0\.1:\d+$/);
      return Number(a.split(':')[1]);
    });
    expect(ports.every((p) => p > 0)).to.equal(true);
    expect(new Set(ports).size).to.equal(ports.length);
    expect(nodePids, 'one process per node').to.have.length(2);
  });

  it('every node answers at its address under its name', async () => {
    for (const [name, address] of Object.entries(ready.nodes)) {
      const c = await ps(address);
      expect(c.map((t) => t.slot), name).to.deep.equal(['bulk/0']);
    }
  });

  it('every node reports SERVING through grpc.health.v1.Health', async () => {
    for (const address of Object.values(ready.nodes)) {
      expect(await healthStatus(address)).to.equal('SERVING');
      expect(await healthStatus(address, 'migvisor.v1.MigTask')).to.equal('SERVING');
      expect(await healthStatus(address, 'migvisor.v1.NodeControl')).to.equal('SERVING');
    }
  });

  it('every node lists migvisor.v1.MigTask and migvisor.v1.NodeControl through server reflection', async () => {
    for (const address of Object.values(ready.nodes)) {
      expect(await listServices(address)).to.include.members(['migvisor.v1.MigTask', 'migvisor.v1.NodeControl']);
    }
  });

  /** How long `cluster up` took to exit after SIGINT. */
  let stopMs = Infinity;

  it('SIGINT stops every node process and leaves none behind', async function () {
    this.timeout(20_000);
    const t0 = Date.now();
    up.child.kill('SIGINT');
    const r = await up.result;
    stopMs = Date.now() - t0;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.contain('cluster up: all processes stopped');
    await poll('the node processes to be gone', () => nodePids.every((pid) => !pidAlive(pid)), 2000);
  });

  it('SIGINT stops every node cleanly within 3 s', () => {
    expect(stopMs, 'ms from SIGINT until cluster up exited').to.be.below(3000);
  });
});
