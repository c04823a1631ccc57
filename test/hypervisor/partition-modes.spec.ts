/**
 * Partition modes in virtual time: the ARINC 653 transitions and their results,
 * what the scheduler runs in each mode, start conditions, and the mode system
 * calls as a program sees them.
 */
import { expect } from 'chai';
import { hmNode, lines } from '../support/hm-harness.ts';

/** Prints its traveler number once, then sleeps. */
const HELLO = `
        .text
start:  sys   self
        sys   putn
        li    r0, 10
        sys   putc
        li    r0, 1000
        sys   sleep
`;

describe('partition modes', () => {
  it('boots NORMAL with NORMAL_START; partition_status reads mode, condition and changes', () => {
    const { node, events, start } = hmNode();
    start(`
        .text
start:  sys   partition_status
        mov   r5, r1
        sys   putn
        li    r0, 10
        sys   putc
        mov   r0, r5
        sys   putn
        li    r0, 10
        sys   putc
        li    r0, 0
        sys   exit
`);
    node.runTicks(2);
    expect(lines(events)).to.deep.equal(['3', '0']); // NORMAL, NORMAL_START
    expect(node.health.modes.status('app')).to.include({ mode: 'NORMAL', startCondition: 'NORMAL_START', modeChanges: 0 });
  });

  it('partition_set_mode answers INVALID_PARAM, NO_ACTION, then idles the partition (NO_ERROR)', () => {
    const { node, events, start } = hmNode();
    const task = start(`
        .text
start:  li    r0, 9
        sys   partition_set_mode
        sys   putn
        li    r0, 10
        sys   putc
        li    r0, MODE_NORMAL
        sys   partition_set_mode
        sys   putn
        li    r0, 10
        sys   putc
        li    r0, MODE_IDLE
        sys   partition_set_mode
        li    r0, 'X'
        sys   putc
`);
    node.runTicks(8);
    expect(lines(events)).to.deep.equal(['3', '1']); // INVALID_PARAM, NO_ACTION; X never printed
    expect(node.health.modes.mode('app')).to.equal('IDLE');
    expect(events.find((e) => e.kind === 'partition')).to.include({ from: 'NORMAL', to: 'IDLE' });
    expect(task.travelers[0]!.status).to.equal('ready');
  });

  it('from IDLE, NORMAL is INVALID_MODE and COLD_START restarts the partition (PARTITION_RESTART)', () => {
    const { node, events, start } = hmNode();
    start(HELLO);
    node.runTicks(1);
    expect(node.health.modes.setMode('app', 'IDLE', 'operator')).to.equal('NO_ERROR');
    expect(node.health.modes.setMode('app', 'IDLE', 'operator')).to.equal('NO_ACTION');
    expect(node.health.modes.setMode('app', 'NORMAL', 'operator')).to.equal('INVALID_MODE');
    expect(node.health.modes.setMode('app', 'COLD_START', 'operator')).to.equal('NO_ERROR');
    node.runTicks(4);
    expect(lines(events)).to.deep.equal(['0', '0']);
    const s = node.health.modes.status('app')!;
    expect(s).to.include({ mode: 'NORMAL', startCondition: 'PARTITION_RESTART', modeChanges: 3 });
    expect(s.tasks.map((t) => t.startCondition)).to.deep.equal(['PARTITION_RESTART']);
    expect(events.filter((e) => e.kind === 'partition').map((e) => (e as { to: string }).to)).to.deep.equal(['IDLE', 'COLD_START', 'NORMAL']);
  });

  it('start: manual keeps COLD_START, where only traveler 0 runs, until it sets NORMAL; WARM_START from COLD_START is INVALID_MODE', () => {
    const { node, events, start } = hmNode('    start: manual');
    expect(node.health.modes.mode('app')).to.equal('COLD_START');
    expect(node.health.modes.setMode('app', 'WARM_START', 'operator')).to.equal('INVALID_MODE');
    start(
      `
        .text
start:  sys   self
        cmpi  r0, 0
        bne   other
        li    r0, 'I'
        sys   putc
        li    r0, 10
        sys   putc
        li    r0, 3
        sys   sleep
        li    r0, MODE_NORMAL
        sys   partition_set_mode
        li    r0, 1000
        sys   sleep
other:  li    r0, 'W'
        sys   putc
        li    r0, 10
        sys   putc
        li    r0, 1000
        sys   sleep
`,
      2,
    );
    node.runTicks(3);
    expect(lines(events)).to.deep.equal(['I']);
    node.runTicks(6);
    expect(lines(events)).to.deep.equal(['I', 'W']);
    expect(node.health.modes.mode('app')).to.equal('NORMAL');
  });

  it('a warm restart resumes from the checkpoint, a cold one from the entry', () => {
    const { node, events, start } = hmNode();
    start(`
        .text
start:  li    r0, 'E'
        sys   putc
        li    r0, 10
        sys   putc
        sys   hm_checkpoint
        cmpi  r0, 0
        beq   wait
        li    r0, 'C'
        sys   putc
        li    r0, 10
        sys   putc
wait:   li    r0, 1000
        sys   sleep
`);
    node.runTicks(1);
    node.health.modes.setMode('app', 'WARM_START', 'operator');
    node.runTicks(4);
    node.health.modes.setMode('app', 'COLD_START', 'operator');
    node.runTicks(4);
    expect(lines(events)).to.deep.equal(['E', 'C', 'E']);
    const warm = events.find((e) => e.kind === 'partition' && e.to === 'WARM_START');
    expect(warm).to.have.property('detail').that.matches(/from its checkpoint of tick 0/);
  });

  it('an IDLE partition is skipped, the rest of the node runs on', () => {
    const { node, events, start } = hmNode();
    start(HELLO, 1, 'io');
    node.health.modes.setMode('app', 'IDLE', 'operator');
    node.runTicks(4);
    expect(lines(events)).to.deep.equal(['0']);
  });
});
