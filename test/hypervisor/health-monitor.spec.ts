/**
 * The health monitor in virtual time: each action carried out on a faulting
 * traveler (as a user sees it: console lines, traveler states, the HM log and
 * its events), the events that are no CPU fault, and the defaults without a table.
 */
import { expect } from 'chai';
import type { RawChunk } from '../../src/migtask/container-codec.ts';
import { hmNode, lines } from '../support/hm-harness.ts';

/** Prints `S`, then divides by zero; prints `after` if it goes on. */
const DIVIDE = `
        .text
start:  li    r0, 'S'
        sys   putc
        li    r0, 10
        sys   putc
        li    r1, 0
        div   r2, r1, r1
        la    r0, after
        li    r1, 5
        sys   puts
        li    r0, 0
        sys   exit
        .data
after:  .ascii "after"
`;

describe('health monitor', () => {
  it('without a table, a fault stops the traveler, raises the fault event and is logged', () => {
    const { node, events, start } = hmNode();
    const task = start(DIVIDE);
    node.runTicks(8);
    expect(task.travelers[0]!.status).to.equal('faulted');
    expect(events.filter((e) => e.kind === 'fault').map((e) => (e as { fault: string }).fault)).to.deep.equal(['divide-by-zero']);
    const log = node.health.hm.entries();
    expect(log.map((e) => [e.event, e.level, e.action, e.partition, e.task, e.traveler])).to.deep.equal([['divide-by-zero', 'node', 'stop-traveler', 'app', task.id, 0]]);
    expect(log[0]!.details).to.match(/division by zero.*traveler stopped/i);
    expect(events.some((e) => e.kind === 'hm' && e.action === 'stop-traveler')).to.equal(true);
  });

  it('restart-task restarts a task without a checkpoint from its entry, each time, and says so', () => {
    const { node, start } = hmNode('    health_monitor:\n      divide-by-zero: { level: task, action: restart-task }');
    const task = start(DIVIDE);
    node.runTicks(4);
    const log = node.health.hm.entries();
    expect(log.length).to.be.greaterThan(1);
    expect(log.every((e) => e.action === 'restart-task' && /task restarted from its entry \(no checkpoint\)/.test(e.details))).to.equal(true, log.map((e) => e.details).join('\n'));
    expect(task.travelers[0]!.status).to.equal('ready');
  });

  it('a task that faults at once restarts at most once a tick (its window ticks only)', () => {
    const { node, start } = hmNode('    health_monitor:\n      bad-opcode: { level: task, action: restart-task }');
    start('        .text\nstart:  .long 0\n');
    node.runTicks(10); // app owns ticks 0-2, 4-6, 8-9 of these
    expect(node.health.hm.entries().map((e) => e.tick)).to.deep.equal([0, 1, 2, 4, 5, 6, 8, 9]);
  });

  it('restart-task goes back to the last hm_checkpoint, where the call returns 1', () => {
    const { node, events, start } = hmNode('    health_monitor:\n      divide-by-zero: { level: partition, action: restart-task }');
    const task = start(`
        .text
start:  sys   hm_checkpoint
        cmpi  r0, 0
        bne   again
        li    r1, 0
        div   r2, r1, r1
again:  li    r0, 'R'
        sys   putc
        li    r0, 10
        sys   putc
        li    r0, 3
        sys   exit
`);
    node.runTicks(4);
    expect(lines(events)).to.deep.equal(['R']);
    expect(task.travelers[0]!.exitCode).to.equal(3);
    const [entry] = node.health.hm.entries();
    expect(entry!.details).to.match(/task restarted warm from its checkpoint of tick 0/);
  });

  it('propagate sends the traveler to its handler with the event code in r0; without a handler it stops it', () => {
    const handled = hmNode('    health_monitor:\n      divide-by-zero: { level: task, action: propagate }');
    handled.start(`
        .text
start:  la    r0, handler
        sys   hm_handler
        li    r1, 0
        div   r2, r1, r1
handler: cmpi r0, HM_DIVIDE_BY_ZERO
        bne   wrong
        li    r0, 'H'
        sys   putc
        li    r0, 10
        sys   putc
wrong:  li    r0, 0
        sys   exit
`);
    handled.node.runTicks(4);
    expect(lines(handled.events)).to.deep.equal(['H']);
    expect(handled.node.health.hm.entries()[0]!.details).to.match(/propagated to the handler at 0x/);

    const bare = hmNode('    health_monitor:\n      divide-by-zero: { level: task, action: propagate }');
    const task = bare.start(DIVIDE);
    bare.node.runTicks(4);
    expect(task.travelers[0]!.status).to.equal('faulted');
    const [entry] = bare.node.health.hm.entries();
    expect([entry!.action, entry!.details]).to.satisfy(([a, d]: [string, string]) => a === 'stop-traveler' && /no handler registered/.test(d));
  });

  it('ignore lets the traveler go on after the faulting instruction', () => {
    const { node, events, start } = hmNode('    health_monitor:\n      divide-by-zero: { level: task, action: ignore }');
    const task = start(DIVIDE);
    node.runTicks(4);
    expect(lines(events)).to.deep.equal(['S', 'after']);
    expect(task.travelers[0]!.status).to.equal('exited');
    expect(node.health.hm.entries()[0]!.action).to.equal('ignore');
  });

  it('log: false carries the action out without an HM entry', () => {
    const { node, start } = hmNode('    health_monitor:\n      divide-by-zero: { level: task, action: ignore, log: false }');
    start(DIVIDE);
    node.runTicks(4);
    expect(node.health.hm.entries()).to.deep.equal([]);
  });

  it("the node's table applies where the partition's says nothing: stop-partition idles it, and its other task stops running", () => {
    const { node, events, start } = hmNode('', '    health_monitor:\n      write-read-only: { action: stop-partition }');
    const spinner = start('        .text\nstart:  b start\n');
    start(`
        .text
start:  la    r1, start
        stw   r0, [r1]
`);
    node.runTicks(2);
    expect(node.health.modes.mode('app')).to.equal('IDLE');
    const change = events.find((e) => e.kind === 'partition');
    expect(change).to.include({ partition: 'app', from: 'NORMAL', to: 'IDLE' });
    const before = spinner.instructions;
    node.runTicks(8);
    expect(spinner.instructions).to.equal(before);
    expect(node.health.hm.entries()[0]).to.include({ event: 'write-read-only', level: 'node', action: 'stop-partition' });
  });

  it('cold-restart-partition restarts every task of the partition from its entry', () => {
    const { node, events, start } = hmNode('    health_monitor:\n      divide-by-zero: { action: cold-restart-partition }');
    start(`
        .text
start:  li    r0, 'B'
        sys   putc
        li    r0, 10
        sys   putc
        li    r0, 1000
        sys   sleep
`);
    start(DIVIDE.replace("'S'", "'D'"));
    node.runTicks(3);
    const changes = events.filter((e) => e.kind === 'partition');
    expect(changes.map((e) => (e as { to: string }).to)).to.include.members(['COLD_START', 'NORMAL']);
    expect(changes[0]).to.include({ condition: 'HM_PARTITION_RESTART' });
    // Both tasks ran again from their entry: B and D printed more than once.
    const printed = lines(events);
    expect(printed.filter((l) => l === 'B').length).to.be.greaterThan(1);
    expect(printed.filter((l) => l === 'D').length).to.be.greaterThan(1);
    expect(node.health.modes.status('app')!.tasks.every((t) => t.startCondition === 'HM_PARTITION_RESTART')).to.equal(true);
  });

  it('warm-restart-partition resumes each task from its checkpoint (WARM_START, HM_PARTITION_RESTART)', () => {
    const { node, events, start } = hmNode('    health_monitor:\n      application-error: { action: warm-restart-partition }');
    start(`
        .text
start:  sys   hm_checkpoint
        cmpi  r0, 0
        bne   back
        li    r0, 7
        li    r2, 0
        sys   hm_raise
        li    r0, 'N'
        sys   putc
        li    r0, 10
        sys   putc
back:   li    r0, 'W'
        sys   putc
        li    r0, 10
        sys   putc
        li    r0, 0
        sys   exit
`);
    node.runTicks(2);
    expect(lines(events)).to.deep.equal(['W']);
    const change = events.find((e) => e.kind === 'partition');
    expect(change).to.include({ from: 'NORMAL', to: 'WARM_START', condition: 'HM_PARTITION_RESTART' });
    expect(change).to.have.property('detail').that.matches(/from its checkpoint of tick 0/);
    expect(node.health.hm.entries()[0]).to.include({ event: 'application-error', level: 'partition', action: 'warm-restart-partition' });
  });

  it('a task that arrived in a container reads MIGRATED and, without a checkpoint there, is stopped by restart-task', async () => {
    const table = '    health_monitor:\n      divide-by-zero: { level: task, action: restart-task }';
    const source = hmNode(table);
    const task = source.start(`
        .text
start:  li    r0, 30
        sys   sleep
        sys   partition_status
        mov   r0, r1
        sys   putn
        li    r0, 10
        sys   putc
        li    r1, 0
        div   r2, r1, r1
`);
    source.node.runTicks(1);
    const chunks: RawChunk[] = [];
    for await (const c of source.node.migrations.checkpoints.save(task.id!, 'none', true)) chunks.push(c);
    const sink = hmNode(table);
    async function* replay(): AsyncGenerator<RawChunk> {
      yield* chunks;
    }
    const r = await sink.node.migrations.sink.receive(replay(), { activate: true });
    sink.node.runTicks(60);
    expect(lines(sink.events)).to.deep.equal(['4']); // START_MIGRATED
    const arrived = sink.node.task(r.taskId);
    expect(arrived.travelers[0]!.status).to.equal('faulted');
    expect(sink.node.health.hm.entries()[0]).to.include({ event: 'divide-by-zero', action: 'stop-traveler' });
    expect(sink.node.health.hm.entries()[0]!.details).to.match(/no restart image on this node \(it arrived by migration/);
    source.node.shutdown();
    sink.node.shutdown();
  });

  it('a write below the stack slice is a stack overflow, and so is an sp that left it', () => {
    const { node, start } = hmNode('    health_monitor:\n      stack-overflow: { level: task, action: stop-traveler }');
    const task = start(`
        .text
start:  push  r0
        b     start
`);
    node.runTicks(40);
    expect(task.travelers[0]!.status).to.equal('faulted');
    expect(task.travelers[0]!.fault?.kind).to.equal('stack-overflow');
    expect(node.health.hm.entries()[0]).to.include({ event: 'stack-overflow', action: 'stop-traveler' });

    const below = hmNode('    health_monitor:\n      stack-overflow: { level: task, action: stop-traveler }');
    const low = below.start(`
        .text
start:  li    sp, 0x30000
        push  r0
`);
    below.node.runTicks(2);
    expect(low.travelers[0]!.fault).to.include({ kind: 'unmapped' });
    expect(below.node.health.hm.entries()[0]!.details).to.match(/unmapped address 0x2fffc \(sp out of its stack slice\); traveler stopped/);
    expect(below.node.health.hm.entries()[0]!.event).to.equal('stack-overflow');
  });

  it('application errors (hm_raise), deadline overruns and gate overflows are logged by default and go on', () => {
    const { node, events, start } = hmNode();
    const task = start(`
        .text
start:  li    r0, 42
        la    r1, msg
        li    r2, 4
        sys   hm_raise
        li    r0, 2
        sys   deadline
spin:   sys   yield
        b     spin
        .data
msg:    .ascii "oops"
`);
    start(`
        .text
start:  la    r0, name
        li    r1, 3
        la    r2, name
        li    r3, 3
        sys   gate_send
        b     start
        .data
name:   .ascii "box"
`);
    node.runTicks(12);
    const log = node.health.hm.entries();
    const kinds = new Set(log.map((e) => e.event));
    expect([...kinds]).to.include.members(['application-error', 'deadline-overrun', 'gate-overflow']);
    expect(log.find((e) => e.event === 'application-error')!.details).to.match(/application error 42: oops; ignored/);
    expect(log.filter((e) => e.event === 'deadline-overrun')).to.have.length(1);
    expect(task.travelers[0]!.status).to.not.equal('faulted');
    expect(events.some((e) => e.kind === 'fault')).to.equal(false);
  });

  it('gate-overflow -> stop-traveler stops the sender with that fault kind', () => {
    const { node, start } = hmNode('    health_monitor:\n      gate-overflow: { action: stop-traveler }');
    const task = start(`
        .text
start:  la    r0, name
        li    r1, 3
        la    r2, name
        li    r3, 3
        sys   gate_send
        b     start
        .data
name:   .ascii "box"
`);
    node.runTicks(4);
    expect(task.travelers[0]!.fault?.kind).to.equal('gate-overflow');
  });

  it('the HM log is bounded: the oldest entries go and are counted', () => {
    const { node, start } = hmNode('    health_monitor:\n      application-error: { level: task, action: ignore }');
    start(`
        .text
start:  li    r0, 1
        li    r2, 0
        sys   hm_raise
        b     start
`);
    node.runTicks(80);
    const log = node.health.hm.log;
    expect(log.size).to.equal(log.capacity);
    expect(log.dropped).to.be.greaterThan(0);
    expect(log.list(3).map((e) => e.seq)).to.deep.equal([log.dropped + log.capacity - 2, log.dropped + log.capacity - 1, log.dropped + log.capacity]);
  });
});
