/**
 * A node in virtual time: boot, scheduling, system calls (console, sleep, gates,
 * files), faults and process management. Long because it specifies the node's
 * runtime as one story over one test cluster.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { Code, NotFoundError, ResourceExhaustedError } from '../../src/common/errors.ts';
import { seededIds } from '../../src/common/ids.ts';
import { parseClusterText } from '../../src/config/load.ts';
import type { NodeEvent } from '../../src/hypervisor/events.ts';
import { SysError } from '../../src/partition/sys-error.ts';
import { Node } from '../../src/hypervisor/node.ts';
import { assembleFile } from '../../src/machine/program-loader.ts';
import { EventLog, example, fixture, TestCluster, type ConsoleEvent } from '../support/node-harness.ts';

const counterLines = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `counter ${from + i}`);

/** The virtual address of a symbol of a program as assembled for a node's partition. */
function symbolOf(node: Node, partition: string, file: string, symbol: string): number {
  const program = assembleFile(file, node.partition(partition).def, node.def.cpu);
  const v = program.symbols.get(symbol);
  if (v === undefined) throw new Error(`no symbol ${symbol} in ${file}`);
  return Number(v);
}

/** What a user compares between runs: which task printed what, when. */
const consoleView = (events: readonly ConsoleEvent[]): string[] => events.map((e) => `${e.tick} ${e.task}/${e.traveler}: ${e.text}`);

describe('Node', () => {
  let cluster: TestCluster;

  before(() => {
    cluster = new TestCluster();
  });

  after(() => {
    cluster.cleanup();
  });

  describe('process management', () => {
    it('startTask runs the program: the counter prints "counter N" every 10 ticks', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const task = node.startTask({ partition: 'ctrl', program: example('counter.s') });
      node.runTicks(40);
      expect(task.id).to.match(/^counter-[0-9a-f]{6}$/);
      expect(log.lines(task.id)).to.deep.equal(counterLines(1, 4));
      expect(log.ticks(task.id)).to.deep.equal([0, 10, 20, 30]);
    });

    it('shows a started task in ps', () => {
      const node = cluster.node('field-a');
      const task = node.startTask({ partition: 'ctrl', program: example('counter.s'), travelers: 2, priority: 7 });
      const [slot0, slot1, sensor] = node.ps();
      expect(slot0).to.include({ slot: 'ctrl/0', partition: 'ctrl', task: task.id, program: 'counter.s', state: 'MigSource', run: 'running' });
      expect(slot0!.travelers.map((t) => [t.id, t.priority])).to.deep.equal([
        [0, 7],
        [1, 7],
      ]);
      expect(slot1).to.include({ slot: 'ctrl/1', task: undefined, state: 'MigSink', run: 'empty' });
      expect(sensor).to.include({ slot: 'sensor/0', state: 'MigSink' });
    });

    it('publishes the Initialize transitions of a started task', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const task = node.startTask({ partition: 'ctrl', program: example('counter.s') });
      const transitions = log.events.filter((e) => e.kind === 'transition');
      expect(transitions.map((e) => e.kind === 'transition' && `${e.slot} ${e.from}->${e.to}`)).to.deep.equal([
        'ctrl/0 MigSink->Initializing',
        'ctrl/0 Initializing->MigSource',
      ]);
      expect(transitions.at(-1)).to.include({ task: task.id });
    });

    it('pause stops console output; resume continues at N+1 with no gap and no repeat', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const id = node.startTask({ partition: 'ctrl', program: example('counter.s') }).id!;
      node.runTicks(25); // counter 1..3
      node.pause(id);
      expect(node.ps()[0]!.run).to.equal('paused');
      const instructions = node.task(id).instructions;
      node.runTicks(50);
      expect(log.lines(id)).to.deep.equal(counterLines(1, 3));
      expect(node.task(id).instructions).to.equal(instructions);
      node.resume(id);
      expect(node.ps()[0]!.run).to.equal('running');
      node.runTicks(30);
      expect(log.lines(id)).to.deep.equal(counterLines(1, 6));
      // Its sleep ran out while paused, so it prints at once on resume (tick 75).
      expect(log.ticks(id)).to.deep.equal([0, 10, 20, 75, 85, 95]);
    });

    it('kill frees the slot: MigSink, memory zeroed, and a new task can start there', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const first = node.startTask({ partition: 'ctrl', program: example('counter.s') });
      const firstId = first.id!;
      const second = node.startTask({ partition: 'ctrl', program: example('counter.s') });
      node.runTicks(15);
      node.kill(firstId);
      expect(first.state).to.equal('MigSink');
      expect(node.ps()[0]).to.include({ slot: 'ctrl/0', task: undefined, state: 'MigSink', run: 'empty' });
      for (let p = 0; p < first.space.pageCount; p++) expect(first.space.isZeroPage(p), `page ${p}`).to.equal(true);
      expect(() => node.task(firstId)).to.throw(NotFoundError);
      node.runTicks(20);
      expect(log.lines(firstId)).to.deep.equal(counterLines(1, 2));
      // The other task is unaffected by the kill.
      expect(log.lines(second.id)).to.deep.equal(counterLines(1, 4));
      const third = node.startTask({ partition: 'ctrl', program: example('counter.s') });
      expect(third.slotName).to.equal('ctrl/0');
      expect(third.id).to.not.equal(firstId);
      node.runTicks(1);
      // A fresh start: the new task counts from 1, not from the killed task's N.
      expect(log.lines(third.id)).to.deep.equal(['counter 1']);
    });

    it('copy clones a task under a new id that continues from the same N', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const orig = node.startTask({ partition: 'ctrl', program: example('counter.s') });
      node.runTicks(35); // counter 1..4, asleep until tick 40
      const before = node.ps({ hashes: true })[0]!;
      const clone = node.copy(orig.id!);
      expect(clone.id).to.match(/^counter-[0-9a-f]{6}$/).and.to.not.equal(orig.id);
      expect(clone.slotName).to.equal('ctrl/1');
      const [a, b] = node.ps({ hashes: true });
      // Memory and registers are copied.
      expect(b!.memoryHash).to.equal(before.memoryHash);
      expect(b!.travelers.map((t) => [t.pc, t.registers, t.status, t.wait])).to.deep.equal(
        a!.travelers.map((t) => [t.pc, t.registers, t.status, t.wait]),
      );
      node.runTicks(30);
      expect(log.lines(orig.id)).to.deep.equal(counterLines(1, 7));
      expect(log.lines(clone.id)).to.deep.equal(counterLines(5, 7));
      expect(log.ticks(clone.id)).to.deep.equal([40, 50, 60]);
    });

    it('a copy is independent: changing its memory does not affect the original, and pausing one does not pause the other', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const orig = node.startTask({ partition: 'ctrl', program: example('counter.s') });
      node.runTicks(15); // counter 1..2
      const clone = node.copy(orig.id!);
      const count = symbolOf(node, 'ctrl', example('counter.s'), 'count');
      clone.space.st32(count, 100);
      node.runTicks(10);
      expect(log.lines(orig.id)).to.deep.equal(counterLines(1, 3));
      expect(log.lines(clone.id)).to.deep.equal(['counter 101']);
      expect(orig.space.ld32(count)).to.equal(3);
      node.pause(orig.id!);
      node.runTicks(20);
      expect(log.lines(orig.id)).to.deep.equal(counterLines(1, 3));
      expect(log.lines(clone.id)).to.deep.equal(['counter 101', 'counter 102', 'counter 103']);
      // Killing the original leaves the copy running.
      node.kill(orig.id!);
      node.runTicks(10);
      expect(log.lines(clone.id)).to.have.length(4);
    });

    it('a copy sees the original open handles as closed by migration (E_CLOSED), the original keeps them', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      const orig = node.startTask({ partition: 'ctrl', program: fixture('hold-handle.s') });
      node.runTicks(2); // the file is open, the traveler sleeps until tick 5
      const clone = node.copy(orig.id!);
      node.runTicks(10);
      expect(log.lines(orig.id)).to.deep.equal(['4']);
      expect(log.lines(clone.id)).to.deep.equal([String(-SysError.E_CLOSED)]);
      expect(readFileSync(join(cluster.filesDir('field-a'), 'held.txt'), 'utf8')).to.equal('held');
    });

    it('refuses a third task in the 2-slot ctrl partition with a clear "no free slot" error', () => {
      const node = cluster.node('field-a');
      node.startTask({ partition: 'ctrl', program: example('counter.s') });
      node.startTask({ partition: 'ctrl', program: example('counter.s') });
      let error: unknown;
      try {
        node.startTask({ partition: 'ctrl', program: example('counter.s') });
      } catch (e: unknown) {
        error = e;
      }
      expect(error).to.be.instanceOf(ResourceExhaustedError);
      expect((error as ResourceExhaustedError).code).to.equal(Code.RESOURCE_EXHAUSTED);
      expect((error as Error).message).to.equal('no free slot in partition ctrl on node field-a (2 slots, all in use)');
      // Copy needs a free slot too.
      expect(() => node.copy(node.slots[0]!.id!)).to.throw(ResourceExhaustedError, /no free slot in partition ctrl/);
    });

    it('refuses commands for an unknown task id with NotFoundError', () => {
      const node = cluster.node('field-a');
      node.startTask({ partition: 'ctrl', program: example('counter.s') });
      for (const command of [(id: string) => node.pause(id), (id: string) => node.resume(id), (id: string) => node.kill(id), (id: string) => node.copy(id)]) {
        let error: unknown;
        try {
          command('counter-ffffff');
        } catch (e: unknown) {
          error = e;
        }
        expect(error).to.be.instanceOf(NotFoundError);
        expect((error as NotFoundError).code).to.equal(Code.NOT_FOUND);
        expect((error as Error).message).to.equal('task "counter-ffffff" not found on node field-a');
      }
    });

    it('refuses an unknown partition and a missing program file with clear errors', () => {
      const node = cluster.node('field-a');
      expect(() => node.startTask({ partition: 'nope', program: example('counter.s') })).to.throw(NotFoundError, /partition "nope" not found on node field-a/);
      expect(() => node.startTask({ partition: 'ctrl', program: fixture('missing.s') })).to.throw(/cannot read program .*missing\.s/);
      expect(node.ps()[0]!.state).to.equal('MigSink');
    });

    it('boot starts the tasks of the configuration (the default cluster counter on field-a)', () => {
      // The default cluster, placed in a temporary folder so its file provider stays there.
      const dir = mkdtempSync(join(tmpdir(), 'migvisor-default-'));
      try {
        mkdirSync(join(dir, 'programs'));
        copyFileSync(example('counter.s'), join(dir, 'programs', 'counter.s'));
        const file = join(dir, 'cluster.yaml');
        writeFileSync(file, readFileSync('config/cluster.yaml', 'utf8'));
        const { config, problems } = parseClusterText(readFileSync(file, 'utf8'), file);
        expect(problems.map((p) => p.message)).to.deep.equal([]);
        const node = new Node(config!.nodes[0]!, config!, { ids: seededIds(1) });
        const log = new EventLog(node);
        const [task] = node.boot();
        node.runTicks(25);
        expect(task!.programName).to.equal('counter.s');
        expect(log.lines(task!.id)).to.deep.equal(counterLines(1, 3));
        node.shutdown();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('system calls', () => {
    describe('gates', () => {
      it('carries messages from one partition to another in order, the receiver blocking in gate_recv', () => {
        const node = cluster.node('field-a');
        const log = new EventLog(node);
        const receiver = node.startTask({ partition: 'ctrl', program: fixture('gate-recv.s') });
        const sender = node.startTask({ partition: 'sensor', program: fixture('gate-sendw.s') });
        node.runTicks(5);
        // Nothing to receive yet: the receiver waits on the gate.
        // The domain view of a wait is structured now (the Wait message of the v1 contract).
        expect(node.ps()[0]!.travelers[0]).to.include({ status: 'waiting' });
        expect(node.ps()[0]!.travelers[0]!.wait).to.include({ kind: 'gate_recv', gate: 'inbox' });
        node.runTicks(120);
        expect(log.lines(receiver.id)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `got ${i + 1}`));
        expect(log.lines(sender.id)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `sent ${i + 1}`));
        expect(node.gate('inbox')!.length).to.equal(0);
      });

      it('gate_sendw blocks while the gate is full and goes on when there is space', () => {
        const node = cluster.node('field-a');
        const log = new EventLog(node);
        const gate = node.gate('inbox')!;
        const receiver = node.startTask({ partition: 'ctrl', program: fixture('gate-recv.s') });
        const sender = node.startTask({ partition: 'sensor', program: fixture('gate-sendw.s') });
        let most = 0;
        for (let i = 0; i < 8; i++) {
          node.step();
          most = Math.max(most, gate.length);
        }
        // Tick 6: four sends fill the gate (capacity 4); the fifth waits.
        expect(log.lines(sender.id)).to.deep.equal(['sent 1', 'sent 2', 'sent 3', 'sent 4']);
        expect(gate.length).to.equal(4);
        expect(node.ps()[2]!.travelers[0]).to.include({ status: 'waiting' });
        expect(node.ps()[2]!.travelers[0]!.wait).to.include({ kind: 'gate_send', gate: 'inbox' });
        for (let i = 0; i < 120; i++) {
          node.step();
          most = Math.max(most, gate.length);
        }
        expect(most).to.equal(4);
        const sent5 = log.console(sender.id).find((e) => e.text === 'sent 5')!;
        const got1 = log.console(receiver.id).find((e) => e.text === 'got 1')!;
        expect(sent5.tick).to.be.greaterThan(got1.tick);
        expect(log.lines(receiver.id)).to.have.length(10);
        expect([gate.sent, gate.received]).to.deep.equal([10, 10]);
      });

      it('gate_send on a full gate returns -E_FULL and the gate keeps exactly capacity messages', () => {
        const node = cluster.node('field-a');
        const log = new EventLog(node);
        const sender = node.startTask({ partition: 'sensor', program: fixture('gate-send.s') });
        node.runTicks(10);
        const full = String(-SysError.E_FULL);
        expect(log.lines(sender.id)).to.deep.equal(['0', '0', '0', '0', full, full]);
        const gate = node.gate('inbox')!;
        expect(gate.length).to.equal(4);
        expect(gate.peekAll().map((m) => new DataView(m.buffer).getInt32(0, true))).to.deep.equal([1, 2, 3, 4]);
        // A receiver gets the four accepted messages and nothing else.
        const receiver = node.startTask({ partition: 'ctrl', program: fixture('gate-recv.s') });
        node.runTicks(60);
        expect(log.lines(receiver.id)).to.deep.equal(['got 1', 'got 2', 'got 3', 'got 4']);
      });

      it('refuses to send on a gate the partition may only receive from, with -E_PERM', () => {
        const node = cluster.node('field-a');
        const log = new EventLog(node);
        const id = node.startTask({ partition: 'ctrl', program: fixture('gate-send.s') }).id!;
        node.runTicks(1);
        expect(log.lines(id)).to.deep.equal(Array(6).fill(String(-SysError.E_PERM)));
        expect(node.gate('inbox')!.length).to.equal(0);
      });
    });

    describe('file providers', () => {
      it('lets a program write a file, read it back and print it; the file exists in the provider folder', () => {
        const node = cluster.node('field-a');
        const log = new EventLog(node);
        const id = node.startTask({ partition: 'ctrl', program: fixture('file-io.s') }).id!;
        node.runTicks(2);
        expect(log.lines(id)[0]).to.equal('hello from a traveler');
        expect(readFileSync(join(cluster.filesDir('field-a'), 'hello.txt'), 'utf8')).to.equal('hello from a traveler');
        expect(log.events.filter((e) => e.kind === 'exit')).to.deep.equal([{ kind: 'exit', node: 'field-a', tick: 0, task: id, traveler: 0, code: 0 }]);
      });

      it('returns -E_ESCAPE for files/../escape.txt and creates nothing outside the provider folder', () => {
        const node = cluster.node('field-a');
        const log = new EventLog(node);
        const id = node.startTask({ partition: 'ctrl', program: fixture('file-io.s') }).id!;
        node.runTicks(2);
        expect(log.lines(id)[1]).to.equal(String(-SysError.E_ESCAPE));
        expect(existsSync(join(cluster.dir, 'files', 'escape.txt'))).to.equal(false);
      });

      it('keeps each node in its own provider folder', () => {
        const node = cluster.node('field-c');
        node.startTask({ partition: 'ctrl', program: fixture('file-io.s') });
        node.runTicks(2);
        expect(readFileSync(join(cluster.filesDir('field-c'), 'hello.txt'), 'utf8')).to.equal('hello from a traveler');
      });
    });

    describe('faults', () => {
      it('stops only the faulting traveler, with a fault event, while another task keeps printing', () => {
        const node = cluster.node('field-a');
        const log = new EventLog(node);
        const counter = node.startTask({ partition: 'ctrl', program: example('counter.s') });
        const bad = node.startTask({ partition: 'ctrl', program: fixture('bad-store.s') });
        node.runTicks(40);
        const at = symbolOf(node, 'ctrl', fixture('bad-store.s'), 'bad');
        const start = symbolOf(node, 'ctrl', fixture('bad-store.s'), 'start');
        expect(log.faults()).to.deep.equal([
          {
            kind: 'fault',
            node: 'field-a',
            tick: 0,
            task: bad.id,
            traveler: 0,
            fault: 'write-protected',
            message: `write to read-only address 0x${start.toString(16)}`,
            pc: at,
            address: start,
          },
        ]);
        // The store did not happen, and the program did not go on past it.
        expect(log.lines(bad.id)).to.deep.equal(['before']);
        expect(bad.space.fetch32(start)).to.not.equal(0);
        expect(log.lines(counter.id)).to.deep.equal(counterLines(1, 4));
        const ps = node.ps();
        expect(ps[1]).to.include({ run: 'faulted' });
        expect(ps[1]!.travelers[0]).to.include({ status: 'faulted', pc: at });
        expect(ps[1]!.travelers[0]!.fault).to.include({ kind: 'write-protected' });
        expect(ps[1]!.travelers[0]!.fault?.message).to.match(/^write to read-only address/);
        expect(ps[0]).to.include({ run: 'running' });
      });

      it('frees the slot of a faulted task when it is killed', () => {
        const node = cluster.node('field-a');
        const bad = node.startTask({ partition: 'ctrl', program: fixture('bad-store.s') });
        node.runTicks(1);
        node.kill(bad.id!);
        expect(node.startTask({ partition: 'ctrl', program: fixture('bad-store.s') }).slotName).to.equal('ctrl/0');
      });
    });
  });

  describe('time', () => {
    const workload = (node: Node): void => {
      node.startTask({ partition: 'ctrl', program: example('counter.s') });
      node.startTask({ partition: 'ctrl', program: example('shared.s'), travelers: 3 });
      node.startTask({ partition: 'sensor', program: fixture('ticker.s') });
    };

    function virtualRun(c: TestCluster, name: string, ticks: number): { node: Node; events: NodeEvent[] } {
      const node = c.node(name);
      const log = new EventLog(node);
      workload(node);
      const scheduler = new VirtualTimeScheduler();
      node.start(scheduler, ticks);
      expect(node.running).to.equal(true);
      scheduler.flush();
      return { node, events: log.events };
    }

    function steppedRun(c: TestCluster, name: string, ticks: number): { node: Node; events: NodeEvent[] } {
      const node = c.node(name);
      const log = new EventLog(node);
      workload(node);
      node.runTicks(ticks);
      return { node, events: log.events };
    }

    const consoleOf = (events: readonly NodeEvent[]): string[] => consoleView(events.filter((e): e is ConsoleEvent => e.kind === 'console'));

    it('start(VirtualTimeScheduler, untilTick) produces exactly the console events of runTicks', () => {
      const paced = virtualRun(cluster, 'field-a', 157);
      const stepped = steppedRun(cluster, 'field-a', 157);
      expect(paced.node.tick).to.equal(157);
      expect(paced.node.running).to.equal(false);
      expect(consoleOf(paced.events)).to.have.length.greaterThan(40);
      expect(consoleOf(paced.events)).to.deep.equal(consoleOf(stepped.events));
      expect(paced.events).to.deep.equal(stepped.events);
    });

    it('catches up several ticks per period when ticks are shorter than the pacing interval, with the same result', () => {
      const fast = new TestCluster({ tickUs: 250 });
      try {
        // 15 ms of virtual time at 250 µs per tick: 60 ticks.
        const node = fast.node('field-a');
        const log = new EventLog(node);
        workload(node);
        const scheduler = new VirtualTimeScheduler(undefined, 15);
        node.start(scheduler);
        scheduler.flush();
        node.stop();
        expect(node.tick).to.equal(60);
        const stepped = steppedRun(fast, 'field-a', 60);
        expect(consoleOf(log.events)).to.deep.equal(consoleOf(stepped.events));
      } finally {
        fast.cleanup();
      }
    });

    it('follows the virtual clock: after 20 ms of virtual time, 20 ticks have run', () => {
      const node = cluster.node('field-a');
      const log = new EventLog(node);
      node.startTask({ partition: 'ctrl', program: fixture('ticker.s') });
      const scheduler = new VirtualTimeScheduler(undefined, 20);
      node.start(scheduler);
      scheduler.flush();
      node.stop();
      expect(node.tick).to.equal(20);
      expect(log.ticks().at(-1)).to.equal(15);
    });

    it('is deterministic: two fresh nodes with the same config and seed print the same and end with the same memory', () => {
      const a = steppedRun(cluster, 'field-a', 150);
      const b = steppedRun(cluster, 'field-a', 150);
      expect(consoleOf(a.events)).to.deep.equal(consoleOf(b.events));
      const hashes = (n: Node) => n.ps({ hashes: true }).map((t) => [t.slot, t.task, t.memoryHash, t.instructions]);
      expect(hashes(a.node)).to.deep.equal(hashes(b.node));
      expect(hashes(a.node).filter(([, , h]) => h !== undefined)).to.have.length(3);
      // The shared-memory program finished with the right total.
      expect(consoleOf(a.events).some((l) => l.endsWith(': total 8002000'))).to.equal(true);
    });

    it('prints the same counter lines on a 32-bit little-endian and a 64-bit big-endian node with the same windows', () => {
      const run = (name: string): string[] => {
        const node = cluster.node(name);
        const log = new EventLog(node);
        node.startTask({ partition: 'ctrl', program: example('counter.s') });
        node.runTicks(100);
        return log.console().map((e) => `${e.tick} ${e.task}: ${e.text}`);
      };
      const a = run('field-a');
      const c = run('field-c');
      expect(a).to.have.length(10);
      expect(c).to.deep.equal(a);
    });
  });
});
