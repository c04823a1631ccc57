/**
 * The remote CLI against real node processes: ps, task start, pause/resume, copy,
 * kill, info and watch over gRPC, named by host:port or by cluster name; and the
 * error contract: one line `migvisor: ...` on stderr, exit 1.
 */
import { expect } from 'chai';
import {
  cleanup,
  cliJson,
  cliOk,
  consecutive,
  control,
  EventLog,
  example,
  fixture,
  oneLineError,
  ps,
  runCli,
  poll,
  sleep,
  slotStates,
  spawnCli,
  startNodes,
  startTask,
  stateOf,
  type NodeProcess,
} from '../support/processes.ts';
import { unary } from '../../src/common/clients.ts';

const FIELD = fixture('cluster-field.yaml');
const COUNTER = 'counter ';

describe('Remote CLI', function () {
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let boot: string;
  /** The counter started on field-b by `task start`, and its copy. */
  let task: string;
  let copy: string;
  let logB: EventLog;

  before(async function () {
    this.timeout(30_000);
    nodes = await startNodes(FIELD, ['field-a', 'field-b']);
    A = nodes['field-a']!.address;
    B = nodes['field-b']!.address;
    boot = (await ps(A)).find((t) => t.program === 'counter.s')!.taskId;
    logB = new EventLog(B, { kinds: ['console'] });
  });

  after(cleanup);

  describe('ps', () => {
    it('prints a table of the slots of a node named by its cluster name', async () => {
      const out = await cliOk(['ps', '--node', 'field-a', '--cluster', FIELD]);
      const lines = out.split('\n');
      expect(lines[0]).to.match(/^field-a at tick \d+$/);
      // Cells are separated by box-drawing bars and padding.
      const cells = (l: string): string[] => l.split('│').map((c) => c.trim()).filter((c) => c.length > 0);
      const rows = lines.map(cells).filter((r) => r.length >= 5);
      expect(rows[0]).to.deep.equal(['SLOT', 'TASK', 'PROGRAM', 'STATE', 'RUN', 'TRAVELERS', 'INSTRUCTIONS', 'PAGES', 'DIRTY']);
      expect(rows.slice(1).map((r) => r.slice(0, 5))).to.deep.equal([
        ['ctrl/0', boot, 'counter.s', 'MigSource', 'running'],
        ['ctrl/1', '-', '-', 'MigSink', 'empty'],
        ['sensor/0', '-', '-', 'MigSink', 'empty'],
      ]);
    });

    it('--json lists every slot with its state', async () => {
      // A PsResponse in the proto3 JSON mapping: uint64 as a string, enums by name.
      const reply = await cliJson<{ node: string; tick: string; tasks: { slot: string; taskId: string; state: string; run: string; travelers: unknown[] }[] }>(['ps', '--node', A]);
      expect(reply.node).to.equal('field-a');
      expect(reply.tick).to.be.a('string');
      expect(Number(reply.tick)).to.be.greaterThan(0);
      expect(reply.tasks.map((t) => [t.slot, t.taskId, t.state, t.run])).to.deep.equal([
        ['ctrl/0', boot, 'MIG_STATE_MIG_SOURCE', 'RUN_STATE_RUNNING'],
        ['ctrl/1', '', 'MIG_STATE_MIG_SINK', 'RUN_STATE_EMPTY'],
        ['sensor/0', '', 'MIG_STATE_MIG_SINK', 'RUN_STATE_EMPTY'],
      ]);
      expect(reply.tasks[0]!.travelers).to.have.length(1);
    });
  });

  describe('task start, pause, resume, copy, kill', () => {
    it('task start prints the new task id, and the task runs', async () => {
      task = (await cliOk(['task', 'start', '--node', B, '--partition', 'ctrl', '--program', example('counter.s')])).trim();
      expect(task).to.match(/^counter-[0-9a-f]+$/);
      await logB.waitForNumber(task, COUNTER, 3, 5000);
      expect((await ps(B)).find((t) => t.taskId === task)).to.include({ slot: 'ctrl/0', state: 'MigSource', run: 'running' });
    });

    it('pause stops the console; resume continues at N+1', async () => {
      const out = await cliOk(['pause', task, '--node', B]);
      expect(out.trim()).to.equal(`paused ${task} on field-b (ctrl/0: MigSource, paused)`);
      await sleep(100); // a line printed just before the pause may still be on its way
      const seen = logB.numbers(task, COUNTER);
      await sleep(400);
      expect(logB.numbers(task, COUNTER), 'lines while paused').to.deep.equal(seen);
      expect((await cliOk(['resume', task, '--node', B])).trim()).to.equal(`resumed ${task} on field-b (ctrl/0: MigSource, running)`);
      await logB.waitForNumber(task, COUNTER, seen.at(-1)! + 2, 5000);
      expect(consecutive(logB.numbers(task, COUNTER))).to.equal(undefined);
    });

    it('copy prints a new id whose task runs independently of the original', async () => {
      copy = (await cliOk(['copy', task, '--node', B])).trim();
      expect(copy).to.match(/^counter-[0-9a-f]+$/);
      expect(copy).to.not.equal(task);
      await logB.waitForNumber(copy, COUNTER, 1, 5000);
      // The copy starts from the original's memory and counts on by itself.
      const c = control(B);
      await unary(c.Pause, c, { taskId: task }, 'pause');
      await sleep(100);
      const paused = logB.numbers(task, COUNTER).length;
      const from = logB.numbers(copy, COUNTER).at(-1)!;
      await logB.waitForNumber(copy, COUNTER, from + 5, 5000);
      expect(logB.numbers(task, COUNTER), 'the original is paused').to.have.length(paused);
      await unary(c.Resume, c, { taskId: task }, 'resume');
      expect(consecutive(logB.numbers(copy, COUNTER))).to.equal(undefined);
      expect(logB.numbers(copy, COUNTER)[0]!, 'the copy goes on from the original').to.be.greaterThan(1);
    });

    it('task start on a full partition fails with "no free slot"', async () => {
      const r = await runCli(['task', 'start', '--node', B, '--partition', 'ctrl', '--program', example('counter.s')]);
      expect(oneLineError(r)).to.equal('migvisor: no free slot in partition ctrl on node field-b (2 slots, all in use)');
    });

    it('kill ends the task and frees its slot', async () => {
      const out = await cliOk(['kill', copy, '--node', B]);
      expect(out.trim()).to.match(new RegExp(`^killed ${copy} on field-b \\(ctrl/1: MigSink, empty\\)$`));
      expect(await slotStates(B, 'ctrl')).to.deep.equal([`ctrl/0 MigSource ${task}`, 'ctrl/1 MigSink']);
      const n = logB.numbers(copy, COUNTER).length;
      await sleep(200);
      expect(logB.numbers(copy, COUNTER), 'lines after the kill').to.have.length(n);
      // The freed slot takes a new task.
      const again = await startTask(B, 'ctrl', example('counter.s'));
      const c = control(B);
      await unary(c.Kill, c, { taskId: again }, 'kill');
    });
  });

  describe('info', () => {
    it('shows the node, the task\'s state and the commands it accepts', async () => {
      const out = await cliOk(['info', '--node', B, '--task', task]);
      expect(out).to.match(/^node field-b: 32-bit little-endian, page 4096 bytes, tick \d+ \(\d+ µs each\), compression none, deflate, brotli$/m);
      expect(out).to.contain(`slot ctrl/0: MigSource (task ${task}), accepts Info, StopAndTransfer`);
      expect(out).to.match(/partition ctrl: migratable, fingerprint [0-9a-f]{16}, 1 free slot\(s\)/);
      const json = await cliJson<{ slot: { state: string; acceptedCommands: string[]; freeSlots: number } | null }>(['info', '--node', B, '--partition', 'ctrl']);
      expect(json.slot?.state, 'a free slot of ctrl').to.equal('MIG_STATE_MIG_SINK');
      expect(json.slot?.acceptedCommands).to.deep.equal(['COMMAND_INFO', 'COMMAND_INITIALIZE', 'COMMAND_RECEIVE']);
    });
  });

  describe('watch', () => {
    it('streams console lines and state transitions as JSON', async () => {
      const w = spawnCli(['watch', '--node', B, '--task', task, '--json'], { timeoutMs: 20_000 });
      await w.waitForLine((l) => l.includes('"kind":"EVENT_KIND_CONSOLE"'), 10_000);
      const c = control(B);
      await unary(c.Kill, c, { taskId: task }, 'kill');
      // One WatchResponse per line, in the proto3 JSON mapping.
      const line = await w.waitForLine((l) => l.includes('"kind":"EVENT_KIND_TRANSITION"'), 5000);
      const transition = (JSON.parse(line) as { event: { kind: string; node: string; taskId: string; transition: Record<string, string> } }).event;
      expect(transition).to.include({ kind: 'EVENT_KIND_TRANSITION', node: 'field-b', taskId: task });
      expect(transition.transition).to.deep.equal({ slot: 'ctrl/0', fromState: 'MIG_STATE_MIG_SOURCE', toState: 'MIG_STATE_MIG_SINK', command: 'MIG_COMMAND_KILL' });
      const consoleLine = (JSON.parse(w.lines[0]!) as { event: { kind: string; taskId: string; console: { traveler: number; text: string } } }).event;
      expect(consoleLine).to.include({ kind: 'EVENT_KIND_CONSOLE', taskId: task });
      expect(consoleLine.console.text).to.match(/^counter \d+$/);
      w.child.kill('SIGINT');
      const r = await w.result;
      expect(r.code, `watch ends cleanly on SIGINT: ${r.stderr}`).to.equal(0);
    });

    it('says on stderr that a task is not on the node (it may still arrive), and waits for it', async () => {
      const w = spawnCli(['watch', '--node', B, '--task', 'nope-123', '--count', '1'], { timeoutMs: 20_000 });
      await poll('the note on stderr', () => w.stderr().includes('\n'), 10_000, 20);
      w.child.kill('SIGINT');
      const r = await w.result;
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal(`migvisor: task nope-123 is not on ${B} now; waiting for its events (Ctrl-C ends the watch)\n`);
      expect(r.stdout).to.equal('');
    });

    it('prints human-readable lines and stops after --count', async () => {
      const out = await cliOk(['watch', '--node', A, '--kind', 'console', '--count', '3']);
      const lines = out.trim().split('\n');
      expect(lines).to.have.length(3);
      for (const l of lines) expect(l).to.match(new RegExp(`^\\[field-a tick \\d+\\] ${boot}/0: counter \\d+$`));
    });
  });

  describe('errors', () => {
    it('names an unknown task clearly', async () => {
      const r = await runCli(['pause', 'nope-123', '--node', B]);
      expect(oneLineError(r)).to.equal('migvisor: task "nope-123" not found on node field-b');
    });

    it('migrate to an unknown node name fails with one line', async () => {
      const r = await runCli(['migrate', boot, '--from', 'field-a', '--to', 'nowhere', '--cluster', FIELD]);
      expect(oneLineError(r)).to.match(/^migvisor: node "nowhere" not found in .*cluster-field\.yaml$/);
    });

    it('migrate to an address where nothing listens fails with one line; the task runs on', async () => {
      const r = await runCli(['migrate', boot, '--from', A, '--to', '127.0.0.1:1']);
      expect(oneLineError(r)).to.match(/^migvisor: migrate .*cannot reach sink 127\.0\.0\.1:1/);
      expect(await stateOf(A, boot)).to.equal('MigSource');
    });

    it('migrate with a bad --mode fails with one line naming the modes', async () => {
      const r = await runCli(['migrate', boot, '--from', A, '--to', B, '--mode', 'warp']);
      expect(oneLineError(r)).to.equal('migvisor: --mode must be full, precopy or lazy, got warp');
      expect(await stateOf(A, boot)).to.equal('MigSource');
    });
  });
});
