/**
 * Every fault kind of the testbed on one real `migvisor cluster up` of the
 * shipped cluster (config/cluster.yaml: field-a, field-b, field-c, the
 * middleware), driven through `migvisor fault` and `migvisor link` as a user
 * would, and checked by what a user notices: a pid gone from /proc, `ps` failing
 * with one clear line, a migration failing fast (or completing after a heal) with
 * the task running in exactly one place, times and byte counters that grow.
 *
 * The cluster is shared by every test; after each one the links are healed and
 * unshaped and every process runs again (test/support/testbed.ts, restore). Faults
 * armed on a link (corrupt, delay) cannot be disarmed, so the tests that arm one
 * use it up. Tasks are small: the counter (the boot task of field-a), and a task
 * of ~256 KiB of incompressible data (test/fixtures/programs/middleware-data.s)
 * where a transfer has to take a while.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { nodeClient, unary } from '../../src/common/clients.ts';
import type { MigrationStats__Output } from '../../src/generated/migvisor/v1/MigrationStats.ts';
import type { TestbedClient } from '../../src/generated/migvisor/v1/Testbed.ts';
import { FAULT_HELP, FAULT_KINDS } from '../../src/testbed/fault-kinds.ts';
import { bufCurl, bufCurlError } from '../support/buf.ts';
import { clusterUp, type ClusterUp } from '../support/cluster-up.ts';
import { forgetCluster } from '../support/middleware-harness.ts';
import {
  cleanup,
  consecutive,
  EventLog,
  fixture,
  oneLineError,
  pidAlive,
  poll,
  runCli,
  sleep,
  spawnCli,
  tempDir,
  type CliResult,
} from '../support/processes.ts';
import { linkOf, processOf, processState, procStat, restore, tcpPeersOf, testbedClient } from '../support/testbed.ts';
import { taskView, type TaskView } from '../support/wire-view.ts';

const DATA = fixture('programs/middleware-data.s');
const GATE_RECV = fixture('programs/gate-recv.s');
/** Messages the gate `inbox` holds (config/cluster.yaml). */
const INBOX_CAPACITY = 16;
/** What a link's token bucket lets through at once before its bandwidth applies (src/testbed/pipe.ts, MIN_BURST_BYTES). */
const BURST_BYTES = 64 * 1024;
const NODES = ['field-a', 'field-b', 'field-c'] as const;

/** The other one of the two identical field devices. */
const other = (n: string): string => (n === 'field-a' ? 'field-b' : 'field-a');

describe('faults of a live cluster (cluster up, fault and link commands)', function () {
  this.timeout(60_000);
  let up: ClusterUp;
  let tb: TestbedClient;
  /** The counter, field-a's boot task (a new one after field-a restarts). */
  let counter: string;
  /** Every pid the cluster had: none may be left behind. */
  const pids = new Set<number>();

  /** `migvisor ARGS... --cluster FILE` to the end. */
  const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--cluster', up.file], { timeoutMs: 30_000 });
  /** A command that must succeed: its stdout. */
  const ok = async (...args: string[]): Promise<string> => {
    const r = await cli(...args);
    if (r.code !== 0) throw new Error(`migvisor ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  /** A command that must fail with exit 1 and one line on stderr: that line. */
  const fails = async (...args: string[]): Promise<string> => oneLineError(await cli(...args));
  /** A migration with --json: its statistics. */
  const migrate = async (task: string, from: string, to: string, ...more: string[]): Promise<MigrationStats__Output> =>
    (JSON.parse(await ok('migrate', task, '--from', from, '--to', to, '--json', ...more)) as { stats: MigrationStats__Output }).stats;

  /** The task slots of a node (undefined when it does not answer within 3 s). */
  const slots = async (node: string): Promise<TaskView[] | undefined> => {
    const c = nodeClient(up.node(node));
    try {
      return (await unary(c.Ps, c, {}, `ps on ${node}`, 3000)).tasks.map(taskView);
    } catch {
      return undefined;
    } finally {
      c.close();
    }
  };
  /** The nodes where `task` runs (a MigSource slot holds it). */
  const where = async (task: string): Promise<string[]> => {
    const out: string[] = [];
    for (const n of NODES) if ((await slots(n))?.some((t) => t.taskId === task && t.state === 'MigSource')) out.push(n);
    return out;
  };
  /** Waits until `task` runs on `node` and nowhere else, and is running there (not stopped by a migration). */
  const runsOnlyOn = (task: string, node: string): Promise<boolean> =>
    poll(`${task} to run on ${node} alone`, async () => {
      const at = await where(task);
      if (at.length !== 1 || at[0] !== node) throw new Error(`${task} runs on [${at.join(', ')}]`);
      return (await slots(node))!.find((t) => t.taskId === task)!.run === 'running';
    }, 10_000);
  /** The node of the counter (field-a or field-b). */
  const counterAt = async (): Promise<string> => {
    const at = await where(counter);
    if (at.length !== 1) throw new Error(`the counter ${counter} runs on [${at.join(', ')}]`);
    return at[0]!;
  };
  /** The boot task (counter.s) of field-a. */
  const bootCounter = (): Promise<string> =>
    poll('the counter to boot on field-a', async () => (await slots('field-a'))?.find((t) => t.program === 'counter.s' && t.state === 'MigSource')?.taskId, 10_000);

  before(async function () {
    this.timeout(40_000);
    up = await clusterUp();
    tb = testbedClient(up.endpoints.testbed);
    for (const p of (await unary(tb.ListProcesses, tb, {}, 'ListProcesses')).processes) pids.add(p.pid);
    counter = await bootCounter();
  });

  afterEach(async function () {
    this.timeout(40_000);
    await restore(tb);
    for (const p of (await unary(tb.ListProcesses, tb, {}, 'ListProcesses')).processes) pids.add(p.pid);
  });

  after(async function () {
    this.timeout(30_000);
    // SIGTERM to cluster up stops every child; cleanup() kills anything still started by the helpers.
    await up?.stop().catch(() => undefined);
    await cleanup();
    const left = [...pids].filter((p) => p > 0 && pidAlive(p));
    for (const p of left) process.kill(p, 'SIGKILL');
    expect(left, 'processes of the cluster left behind').to.deep.equal([]);
  });

  describe('the command line', function () {
    it('fault --help lists every fault kind with what it does', async () => {
      const r = await runCli(['fault', '--help']);
      expect(r.code).to.equal(0);
      for (const kind of FAULT_KINDS) {
        // The first words of its description, on the line that names it (help wraps long lines).
        const start = FAULT_HELP[kind].split(' ').slice(0, 2).join(' ');
        expect(r.stdout, kind).to.match(new RegExp(`^  ${kind} .* ${start.replace(/[()]/g, '\\$&')}`, 'm'));
      }
    });

    it('refuses a bad option value while the line is read: exit 1, one line naming the option', async () => {
      expect(await fails('link', 'set', 'field-a', 'field-b', '--bandwidth', 'fast')).to.equal(
        'migvisor: --bandwidth must be a bandwidth such as 64kbit, 10Mbit, 1Gbit or 2MiB/s, got fast',
      );
      expect(await fails('fault', 'freeze', '--node', 'field-a', '--for', 'soon')).to.equal('migvisor: --for must be a duration such as 250us, 5ms or 1.5s, got soon');
      expect(await fails('link', 'cut', 'field-a', 'field-b', '--mode', 'sideways')).to.equal('migvisor: --mode must be reset or blackhole, got sideways');
      expect((await linkOf(tb, 'field-a', 'field-b')).state, 'nothing was done').to.equal('LINK_STATE_UP');
    });

    it('names the endpoints when one is unknown, and the processes when a process is', async () => {
      expect(await fails('link', 'cut', 'field-a', 'nowhere')).to.equal('migvisor: endpoint "nowhere" not found (endpoints: field-a, field-b, field-c, middleware)');
      expect(await fails('fault', 'kill-node', '--node', 'nowhere')).to.equal('migvisor: process "nowhere" not found in the cluster (processes: field-a, field-b, field-c, middleware)');
    });

    it('says to run cluster up when nobody runs the cluster file', async () => {
      const dir = tempDir('migvisor-no-testbed-');
      const file = path.join(dir, 'cluster.yaml');
      fs.copyFileSync(up.file, file);
      try {
        const line = oneLineError(await runCli(['link', 'show', '--cluster', file]));
        expect(line).to.equal(`migvisor: no running testbed is known for ${file} (links and faults need \`migvisor cluster up\`; or pass --testbed HOST:PORT)`);
      } finally {
        forgetCluster(file);
      }
    });
  });

  describe('the Testbed service checks its requests (buf curl)', function () {
    it('refuses with INVALID_ARGUMENT naming the field: no fault, a latency of 1e9 ms, an unknown cut mode', async () => {
      const at = up.endpoints.testbed;
      expect(await bufCurlError(at, 'migvisor.v1.Testbed/InjectFault', {})).to.deep.equal({
        code: 'invalid_argument',
        message: 'fault: one of kill, restart, freeze, thaw, corrupt, delay, fill_gate, expire_deadline is required',
      });
      expect(await bufCurlError(at, 'migvisor.v1.Testbed/SetLink', { a: 'field-a', b: 'field-b', latency_ms: 1e9 })).to.deep.equal({
        code: 'invalid_argument',
        message: 'latency_ms: 0 to 60000, got 1000000000',
      });
      expect(await bufCurlError(at, 'migvisor.v1.Testbed/CutLink', { a: 'field-a', b: 'field-b', mode: 7 })).to.deep.equal({
        code: 'invalid_argument',
        message: 'mode: unknown value 7 (one of CUT_MODE_RESET, CUT_MODE_BLACKHOLE)',
      });
      const l = await linkOf(tb, 'field-a', 'field-b');
      expect([l.state, l.profileText], 'nothing was changed').to.deep.equal(['LINK_STATE_UP', 'unshaped']);
    });
  });

  describe('kill-node and restart-node', function () {
    it('kill-node: the pid is gone, ps on the node fails with one clear line, the testbed lists it KILLED; restart-node: it serves at the same address and boots its boot task anew', async () => {
      const before = await processOf(tb, 'field-a');
      expect(before.state).to.equal('PROCESS_STATE_RUNNING');
      const killedPid = before.pid;
      const readyBefore = fs.readFileSync(up.readyFile, 'utf8');
      expect(fs.existsSync(`/proc/${killedPid}`)).to.equal(true);
      expect(await ok('fault', 'kill-node', '--node', 'field-a')).to.equal(`killed field-a (pid ${killedPid})\n`);
      expect(fs.existsSync(`/proc/${killedPid}`), 'the pid is gone once the fault returns').to.equal(false);
      expect(await fails('ps', '--node', 'field-a')).to.equal(`migvisor: ps on field-a: unreachable (connection refused at ${up.node('field-a')})`);
      expect(await processOf(tb, 'field-a')).to.deep.include({ state: 'PROCESS_STATE_KILLED', pid: 0, address: up.node('field-a') });
      expect(await fails('fault', 'kill-node', '--node', 'field-a')).to.equal('migvisor: kill refused in state killed: field-a is not running');

      const out = await ok('fault', 'restart-node', '--node', 'field-a');
      const p = await processOf(tb, 'field-a');
      expect(out).to.equal(`restarted field-a (pid ${p.pid}) at ${up.node('field-a')}\n`);
      expect(p).to.deep.include({ state: 'PROCESS_STATE_RUNNING', address: up.node('field-a'), restarts: 1 });
      expect(p.pid).to.not.equal(killedPid);
      expect(fs.readFileSync(up.readyFile, 'utf8'), 'the ready file').to.equal(readyBefore);
      expect(await ok('ps', '--node', 'field-a')).to.match(/^field-a at tick \d+/);
      const old = counter;
      counter = await bootCounter();
      expect(counter, 'a new counter (the old one died with the node)').to.not.equal(old);
      await runsOnlyOn(counter, 'field-a');
    });
  });

  describe('kill-middleware and restart-middleware', function () {
    it('snapshot list fails while the middleware is down; a snapshot parked before the kill is listed after the restart, and restores', async () => {
      const task = (await ok('task', 'start', '--node', 'field-c', '--partition', 'ctrl', '--program', path.join(up.dir, 'programs', 'counter.s'))).trim();
      const snapshot = (await ok('snapshot', 'park', task, '--node', 'field-c', '--label', 'spec=faults')).trim();
      expect(snapshot).to.match(/^snap-/);
      const before = await processOf(tb, 'middleware');
      expect(await ok('fault', 'kill-middleware')).to.equal(`killed middleware (pid ${before.pid})\n`);
      expect(fs.existsSync(`/proc/${before.pid}`)).to.equal(false);
      expect(await fails('snapshot', 'list')).to.equal(`migvisor: snapshot list: unreachable (connection refused at ${up.endpoints.middleware})`);
      expect(await ok('fault', 'restart-middleware')).to.match(new RegExp(`^restarted middleware \\(pid \\d+\\) at ${up.endpoints.middleware}\\n$`));
      const list = JSON.parse(await ok('snapshot', 'list', '--label', 'spec=faults', '--json')) as { snapshots: { id: string; taskId: string; state: string }[] };
      expect(list.snapshots.map((s) => [s.id, s.taskId, s.state])).to.deep.equal([[snapshot, task, 'SNAPSHOT_STATE_PARKED']]);
      // The counter comes back on field-c (the freeze tests watch it).
      expect((await ok('snapshot', 'restore', snapshot, '--node', 'field-c')).trim()).to.equal(task);
      await runsOnlyOn(task, 'field-c');
    });
  });

  describe('freeze and thaw', function () {
    let log: EventLog;
    let task: string;

    before(async () => {
      // The counter restored there by the middleware test, or a new one.
      task =
        (await slots('field-c'))!.find((t) => t.program === 'counter.s')?.taskId ??
        (await ok('task', 'start', '--node', 'field-c', '--partition', 'ctrl', '--program', path.join(up.dir, 'programs', 'counter.s'))).trim();
      log = await EventLog.open(up.node('field-c'), { task, kinds: ['console'] });
    });

    after(() => log?.close());

    it('freeze: the process is stopped (T in /proc, no CPU used), answers nothing and runs no tick; a ps waits until the thaw, then answers', async () => {
      const { pid } = await processOf(tb, 'field-c');
      expect(await ok('fault', 'freeze', '--node', 'field-c')).to.equal(`froze field-c (pid ${pid})\n`);
      expect((await processOf(tb, 'field-c')).state).to.equal('PROCESS_STATE_FROZEN');
      const stopped = procStat(pid)!;
      expect(stopped.state, '/proc state').to.equal('T');
      const ps = spawnCli(['ps', '--node', 'field-c', '--cluster', up.file], { timeoutMs: 20_000 });
      const seen = log.events.length;
      // Nothing can be awaited here: the point is that nothing happens for a while.
      await sleep(600);
      expect(ps.child.exitCode, 'ps is still waiting for the frozen node').to.equal(null);
      expect(log.events.length, 'no console line (no tick) while frozen').to.equal(seen);
      expect(procStat(pid)!.cpuTicks, 'CPU time while frozen').to.equal(stopped.cpuTicks);
      expect(await ok('fault', 'thaw', '--node', 'field-c')).to.equal(`thawed field-c (pid ${pid})\n`);
      const r = await ps.result;
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^field-c at tick \d+/);
      expect(r.stdout).to.contain(task);
      await log.waitFor((e) => e.kind === 'console' && log.events.indexOf(e) >= seen, 5000, 'a console line after the thaw');
      // The node catches up on the ticks it missed: the counter goes on, nothing lost or repeated.
      expect(consecutive(log.numbers(task, 'counter '))).to.equal(undefined);
      expect(procStat(pid)!.state).to.not.equal('T');
    });

    it('freeze --for 300ms thaws by itself after 300 ms', async () => {
      const t0 = Date.now();
      expect(await ok('fault', 'freeze', '--node', 'field-c', '--for', '300ms')).to.match(/^froze field-c \(pid \d+\) for 300 ms\n$/);
      await processState(tb, 'field-c', 'PROCESS_STATE_RUNNING', 5000);
      expect(Date.now() - t0, 'ms until it ran again').to.be.at.least(300);
      expect(await ok('ps', '--node', 'field-c')).to.contain(task);
    });

    it('thaw of a process that is not frozen: exit 1, and why', async () => {
      expect(await fails('fault', 'thaw', '--node', 'field-c')).to.equal('migvisor: thaw refused in state running: field-c is not frozen');
    });
  });

  describe('cut and heal', function () {
    it('cut (reset): a migration across the link fails fast and the task runs on the source; after heal the same migration completes', async () => {
      const from = await counterAt();
      const to = other(from);
      const resets = Number((await linkOf(tb, from, to)).resets);
      expect(await ok('link', 'cut', from, to)).to.equal(`field-a <-> field-b: cut, unshaped\n`);
      const t0 = Date.now();
      const line = await fails('migrate', counter, '--from', from, '--to', to);
      expect(Date.now() - t0, 'ms until migrate failed').to.be.below(3000);
      expect(line).to.match(new RegExp(`^migvisor: migrate ${counter}: unavailable \\(cannot reach sink ${to}: `));
      await runsOnlyOn(counter, from);
      const cut = await linkOf(tb, from, to);
      expect(cut.state).to.equal('LINK_STATE_CUT');
      expect(Number(cut.resets), 'connections reset by the cut').to.be.above(resets);
      expect(await ok('link', 'heal', from, to)).to.equal('field-a <-> field-b: up, unshaped\n');
      expect(await ok('migrate', counter, '--from', from, '--to', to)).to.match(new RegExp(`^migrated ${counter} from ${from} to ${to}\\n`));
      await runsOnlyOn(counter, to);
    });

    it('cut --mode blackhole --for 500ms: a migration started meanwhile waits, and completes after the heal', async () => {
      const from = await counterAt();
      const to = other(from);
      // So that the migration surely starts within the 500 ms, whatever the time a
      // command takes to start: the source is frozen while migrate connects to it
      // (the kernel accepts the connection and holds the bytes), and thawed the
      // moment the link is cut.
      const sourcePort = Number(up.node(from).split(':')[1]);
      const known = tcpPeersOf(sourcePort);
      await unary(tb.InjectFault, tb, { freeze: { process: from } }, `freeze ${from}`);
      const m = spawnCli(['migrate', counter, '--from', from, '--to', to, '--json', '--cluster', up.file], { timeoutMs: 20_000 });
      await poll('migrate to connect to the frozen source', () => [...tcpPeersOf(sourcePort)].some((p) => !known.has(p)), 10_000, 10);
      const t0 = Date.now();
      expect(await ok('link', 'cut', from, to, '--mode', 'blackhole', '--for', '500ms')).to.equal('field-a <-> field-b: blackhole, unshaped (heals in 500 ms)\n');
      await unary(tb.InjectFault, tb, { thaw: { process: from } }, `thaw ${from}`);
      const thawedAt = Date.now();
      const healedAt = await poll('the link to heal', async () => (await linkOf(tb, from, to)).state === 'LINK_STATE_UP' && Date.now(), 5000, 5);
      expect(healedAt - t0, 'ms from the cut command until the heal').to.be.at.least(500);
      expect(healedAt - thawedAt, 'ms of blackhole left when the source got the migration').to.be.above(200);
      const r = await m.result;
      const endedAt = Date.now();
      // What happens, honestly: nothing answers in a blackhole, but the calls of a
      // migration have deadlines of seconds, so it waits out a 500 ms cut.
      expect(r.code, r.stderr).to.equal(0);
      const stats = (JSON.parse(r.stdout) as { stats: MigrationStats__Output }).stats;
      expect(stats.status).to.equal('MIGRATION_STATUS_COMPLETED');
      expect(endedAt, 'it completed after the heal').to.be.at.least(healedAt);
      expect(stats.totalMs, 'ms the source spent on it (most of it waiting for the heal)').to.be.at.least(healedAt - thawedAt - 50);
      await runsOnlyOn(counter, to);
    });
  });

  describe('corrupt', function () {
    it('corrupt --chunk: the next migration fails its SHA-256 check, the task runs on the source, link show counts the byte; the next one completes', async () => {
      const from = await counterAt();
      const to = other(from);
      const before = Number((await linkOf(tb, from, to)).corruptedBytes);
      expect(await ok('fault', 'corrupt', from, to, '--chunk')).to.equal(`one byte of the next chunk from ${from} to ${to} will be corrupted\n`);
      // Uncompressed, so the counter's pages make a chunk of at least 1 KiB (deflate packs them into less).
      expect(await fails('migrate', counter, '--from', from, '--to', to, '--compress', 'none')).to.equal(
        `migvisor: migration of ${counter} to ${to} failed during transfer; the task runs on ${from} again: chunk 1 (pages) fails its SHA-256 check`,
      );
      await runsOnlyOn(counter, from);
      const shown = JSON.parse(await ok('link', 'show', '--json')) as { links: { between: string[]; corruptedBytes: string }[] };
      const l = shown.links.find((x) => x.between.includes(from) && x.between.includes(to))!;
      expect(Number(l.corruptedBytes) - before, 'bytes corrupted').to.equal(1);
      expect(await ok('link', 'show')).to.match(/field-a <-> field-b +│ unshaped +│ up +│[^\n]*│ \d+ +│ \d+ +│ \d+ +│ \d+ +│ \d+ +│\n/);
      await migrate(counter, from, to, '--compress', 'none');
      await runsOnlyOn(counter, to);
    });

    it('corrupt --bytes 5: the five bytes are counted; they break the first message on the link, which the source sends again', async () => {
      const from = await counterAt();
      const to = other(from);
      const before = Number((await linkOf(tb, from, to)).corruptedBytes);
      expect(await ok('fault', 'corrupt', from, to, '--bytes', '5')).to.equal(`the next 5 byte(s) from ${from} to ${to} will be corrupted\n`);
      // The first message from the source to the sink is its Info request: the
      // five bytes are its gRPC length prefix, the sink refuses a message that
      // long, and the source (which stopped nothing yet) asks again on a fresh
      // channel. So the migration completes, and the task is in one place.
      const stats = await migrate(counter, from, to);
      expect(stats.status).to.equal('MIGRATION_STATUS_COMPLETED');
      await runsOnlyOn(counter, to);
      expect(Number((await linkOf(tb, from, to)).corruptedBytes) - before, 'bytes corrupted').to.equal(5);
    });
  });

  describe('delay and latency', function () {
    it('delay --by 300ms: the next migration takes ≥ ~300 ms longer than the one right before', async () => {
      const from = await counterAt();
      const to = other(from);
      const plain = await migrate(counter, from, to);
      expect(await ok('fault', 'delay', to, from, '--by', '300ms')).to.equal(`the next message from ${to} to ${from} is held 300 ms longer\n`);
      const delayed = await migrate(counter, to, from);
      expect(delayed.status).to.equal('MIGRATION_STATUS_COMPLETED');
      expect(delayed.totalMs, 'total ms').to.be.at.least(300);
      expect(delayed.totalMs - plain.totalMs, `total ms: ${plain.totalMs} then ${delayed.totalMs}`).to.be.within(200, 300 + 2000);
      await runsOnlyOn(counter, from);
    });

    it('link set --latency 20ms: the setup of a migration (an Info round trip at least) grows by ≥ 40 ms', async () => {
      const from = await counterAt();
      const to = other(from);
      const plain = await migrate(counter, from, to);
      expect(await ok('link', 'set', from, to, '--latency', '20ms')).to.equal('field-a <-> field-b: up, 20ms\n');
      const slow = await migrate(counter, to, from);
      // A round trip at 20 ms each way is a floor; the unshaped setup is only reported
      // (on a loaded machine it alone can take tens of ms, so a difference would not be a bound).
      expect(slow.setupMs, `setup ms: ${plain.setupMs} unshaped, ${slow.setupMs} at 20 ms`).to.be.at.least(40);
      expect(await ok('link', 'set', from, to, '--unshaped', '--latency', '0')).to.equal('field-a <-> field-b: up, unshaped\n');
      await runsOnlyOn(counter, from);
    });
  });

  describe('a shaped link and a migration that takes a while (~256 KiB)', function () {
    let data: string;

    before(async function () {
      this.timeout(20_000);
      data = (await ok('task', 'start', '--node', 'field-a', '--partition', 'ctrl', '--program', DATA)).trim();
      const log = await EventLog.open(up.node('field-a'), { task: data, kinds: ['console'] });
      try {
        await log.waitForNumber(data, 'counter ', 1, 15_000);
      } finally {
        log.close();
      }
    });

    it('link set --bandwidth 1Mbit: the migration takes measurably longer, within the bandwidth; link show --json is the ListLinksResponse with the profile and the bytes carried', async () => {
      const plain = await migrate(data, 'field-a', 'field-b', '--compress', 'none');
      expect(await ok('link', 'set', 'field-a', 'field-b', '--bandwidth', '1Mbit')).to.equal('field-a <-> field-b: up, 1Mbit\n');
      const before = await linkOf(tb, 'field-a', 'field-b');
      const shaped = await migrate(data, 'field-b', 'field-a', '--compress', 'none');
      await runsOnlyOn(data, 'field-a');
      const bytes = Number(shaped.bytes);
      expect(bytes).to.be.above(250_000);
      expect(shaped.totalMs - plain.totalMs, `total ms: ${plain.totalMs} unshaped, ${shaped.totalMs} at 1Mbit`).to.be.above(1000);
      // A token bucket: what it holds goes at once, the rest at the bandwidth.
      const rate = ((bytes - BURST_BYTES) * 8) / (shaped.totalMs / 1000);
      expect(rate, 'bits per second beyond the burst').to.be.at.most(1e6 * 1.05);
      expect(rate, 'bits per second beyond the burst (not far below the bandwidth either)').to.be.at.least(1e6 * 0.3);

      const shown = JSON.parse(await ok('link', 'show', '--json')) as { links: Record<string, unknown>[] };
      // The proto3 JSON of ListLinks, as buf curl --emit-defaults prints it (the links are idle now).
      expect(shown).to.deep.equal(await bufCurl(up.endpoints.testbed, 'migvisor.v1.Testbed/ListLinks', {}, { emitDefaults: true }));
      const { toProtoJson } = await import('../../src/common/index.ts');
      const { messageType } = await import('../../src/common/wire.ts');
      const t = messageType('ListLinksResponse');
      expect(toProtoJson('ListLinksResponse', t.toObject(t.fromObject(shown), { longs: Number, enums: String, bytes: Buffer } as never)), 'canonical').to.deep.equal(shown);
      const l = shown.links.find((x) => (x.between as string[]).join() === 'field-a,field-b') as {
        profile: Record<string, unknown>;
        profileText: string;
        state: string;
        bytesBack: string;
        bytesForward: string;
      };
      expect(l.profile).to.deep.equal({ bandwidthBitsPerSecond: '1000000', latencyMs: 0, jitterMs: 0, loss: 0, lossMode: 'LOSS_MODE_STALL' });
      expect([l.profileText, l.state]).to.deep.equal(['1Mbit', 'LINK_STATE_UP']);
      expect(Number(l.bytesBack) - Number(before.bytesBack), 'bytes carried field-b -> field-a').to.be.at.least(bytes);
      expect(Number(l.bytesForward)).to.be.at.least(Number(before.bytesForward));
    });

    it('expire-deadline mid-way through a slow transfer (200kbit): migrate fails with the deadline, the task runs on the source; with nothing in flight it is refused', async () => {
      await runsOnlyOn(data, 'field-a');
      expect(await ok('link', 'set', 'field-a', 'field-b', '--bandwidth', '200kbit')).to.equal('field-a <-> field-b: up, 200kbit\n');
      const start = Number((await linkOf(tb, 'field-a', 'field-b')).bytesForward);
      const m = spawnCli(['migrate', data, '--from', 'field-a', '--to', 'field-b', '--compress', 'none', '--cluster', up.file], { timeoutMs: 30_000 });
      // Mid-way: past what the bucket lets go at once, far from the end (~256 KiB at 25 KB/s is ~8 s).
      await poll('the transfer to be under way', async () => Number((await linkOf(tb, 'field-a', 'field-b')).bytesForward) - start > BURST_BYTES + 16 * 1024, 10_000, 20);
      expect(await ok('fault', 'expire-deadline', '--node', 'field-a', '--task', data)).to.match(
        new RegExp(`^the deadline of migration [0-9a-f-]{36} of ${data} expired \\(it was in phase transfer\\)\\n$`),
      );
      const t0 = Date.now();
      const r = await m.result;
      expect(Date.now() - t0, 'ms until migrate failed').to.be.below(3000);
      expect(oneLineError(r)).to.equal(`migvisor: the deadline of the migration of ${data} to field-b was declared expired; the task runs on field-a again`);
      await runsOnlyOn(data, 'field-a');
      expect(await ok('link', 'set', 'field-a', 'field-b', '--unshaped', '--latency', '0')).to.equal('field-a <-> field-b: up, unshaped\n');
      // The sink lets the staged task go once what the link still held reaches it.
      await poll('field-b to hold no part of it', async () => !(await slots('field-b'))!.some((t) => t.taskId === data), 10_000);
      expect(await fails('fault', 'expire-deadline', '--node', 'field-a', '--task', data)).to.equal(`migvisor: no migration of ${data} is in flight from field-a`);
    });
  });

  describe('fill-gate', function () {
    it('fill-gate --node field-a --gate inbox: takes as many messages as the gate holds; a further gate send is refused', async () => {
      // The counter at home: no forwarding record sends field-a's inbox elsewhere.
      const at = await counterAt();
      if (at !== 'field-a') await migrate(counter, at, 'field-a');
      const info = JSON.parse(await ok('info', '--node', 'field-a', '--json')) as { gateForwards: unknown[] };
      expect(info.gateForwards).to.deep.equal([]);
      expect(await ok('fault', 'fill-gate', '--node', 'field-a', '--gate', 'inbox')).to.equal(`gate inbox on field-a full after ${INBOX_CAPACITY} more message(s)\n`);
      expect(await fails('gate', 'send', 'inbox', 'one more', '--node', 'field-a')).to.equal(`migvisor: gate inbox is full (${INBOX_CAPACITY} messages)`);
      expect(await ok('fault', 'fill-gate', '--node', 'field-a', '--gate', 'inbox')).to.equal('gate inbox on field-a full after 0 more message(s)\n');
    });

    it('fill-gate counts what a receiver on the gate took meanwhile too: more than the gate holds', async () => {
      // gate-recv.s blocks on inbox, takes a message, sleeps 5 ticks, and again.
      const receiver = (await ok('task', 'start', '--node', 'field-c', '--partition', 'ctrl', '--program', GATE_RECV)).trim();
      await poll('the receiver to wait on the gate', async () => (await slots('field-c'))!.find((t) => t.taskId === receiver)?.travelers[0]?.wait === 'receive on gate inbox', 10_000);
      const out = await ok('fault', 'fill-gate', '--node', 'field-c', '--gate', 'inbox');
      const n = Number(/full after (\d+) more message/.exec(out)?.[1]);
      expect(n, out).to.be.above(INBOX_CAPACITY);
      await ok('kill', receiver, '--node', 'field-c');
    });
  });

  describe('durations and rates too small for the wire', function () {
    it('heals a cut --for 300us by itself (after 1 ms), and thaws a freeze --for 400us', async () => {
      expect(await ok('link', 'cut', 'field-a', 'field-c', '--for', '300us')).to.equal('field-a <-> field-c: cut, unshaped (heals in 1 ms)\n');
      await poll('the link to heal', async () => (await linkOf(tb, 'field-a', 'field-c')).state === 'LINK_STATE_UP', 3000, 10);
      await ok('fault', 'freeze', '--node', 'field-c', '--for', '400us');
      await processState(tb, 'field-c', 'PROCESS_STATE_RUNNING', 3000);
    });

    it('holds a message 1 ms for delay --by 0.4ms, and shapes a link to 1 bit/s for --bandwidth 0.4bit (not to unshaped)', async () => {
      expect(await ok('fault', 'delay', 'field-a', 'field-c', '--by', '0.4ms')).to.equal('the next message from field-a to field-c is held 1 ms longer\n');
      expect(await ok('link', 'set', 'field-a', 'field-c', '--bandwidth', '0.4bit')).to.equal('field-a <-> field-c: up, 1bit\n');
    });
  });

  describe('the timer of a --for fault ends with that fault', function () {
    it('link cut --for 500ms, healed and cut again by hand: still cut after the 500 ms', async () => {
      await ok('link', 'cut', 'field-a', 'field-c', '--for', '500ms');
      const t0 = Date.now();
      // Straight to the service, well within the 500 ms.
      await unary(tb.HealLink, tb, { a: 'field-a', b: 'field-c' }, 'HealLink');
      await unary(tb.CutLink, tb, { a: 'field-a', b: 'field-c' }, 'CutLink');
      expect(Date.now() - t0).to.be.below(300);
      // Nothing to await: past the first cut's timer, the link must still be cut.
      await sleep(Math.max(0, t0 + 800 - Date.now()));
      expect((await linkOf(tb, 'field-a', 'field-c')).state).to.equal('LINK_STATE_CUT');
    });

    it('fault freeze --for 500ms, thawed and frozen again by hand: still frozen after the 500 ms', async () => {
      await ok('fault', 'freeze', '--node', 'field-c', '--for', '500ms');
      const t0 = Date.now();
      await unary(tb.InjectFault, tb, { thaw: { process: 'field-c' } }, 'thaw');
      await unary(tb.InjectFault, tb, { freeze: { process: 'field-c' } }, 'freeze');
      expect(Date.now() - t0).to.be.below(300);
      await sleep(Math.max(0, t0 + 800 - Date.now()));
      expect((await processOf(tb, 'field-c')).state).to.equal('PROCESS_STATE_FROZEN');
    });
  });
});
