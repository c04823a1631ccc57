/**
 * The reference run of `transparent`: a task alone on its node, in-process and
 * in virtual time. What it prints follows from the program and the node's
 * schedule; a program that ends is seen to end, with a final memory hash that
 * does not depend on the run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadCluster, parseClusterText, type ClusterConfig } from '../../src/config/index.ts';
import type { TaskDef } from '../../src/scenario/model.ts';
import { referenceRun } from '../../src/scenario/reference.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COUNTER = path.join(ROOT, 'config', 'programs', 'counter.s');
/** The ticks counter.s sleeps between two lines, as its source says. */
const PERIOD = Number(/^PERIOD = (\d+)$/m.exec(fs.readFileSync(COUNTER, 'utf8'))?.[1]);

function task(program: string, node = 'field-a'): TaskDef {
  return { name: 'c', node, partition: 'ctrl', program, travelers: 1, priority: 10, atBegin: true, line: 1 };
}

function counterLines(k: number): string[] {
  return Array.from({ length: k }, (_, i) => `counter ${i + 1}`);
}

/** Adds 1, 2, 3, 4 into `sum`, printing "sum N" after each, sleeping between; then stores MARK and exits. */
function summer(mark: number): string {
  return `
        .text
start:  li    r8, 0
next:   addi  r8, r8, 1
        la    r4, sum
        ld    r5, [r4]
        add   r5, r5, r8
        st    r5, [r4]
        la    r0, label
        li    r1, label_len
        sys   puts
        mov   r0, r5
        sys   putn
        li    r0, '\\n'
        sys   putc
        li    r0, 3
        sys   sleep
        cmpi  r8, 4
        blt   next
        la    r4, mark
        li    r5, ${mark}
        st    r5, [r4]
        li    r0, 0
        sys   exit

        .data
sum:    .word 0
mark:   .word 0
label:  .ascii "sum "
label_len = . - label
`;
}

describe('the reference run', () => {
  let cluster: ClusterConfig;
  let tmp: string;

  before(() => {
    cluster = loadCluster(path.join(ROOT, 'config', 'cluster.yaml'));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-reference-'));
    fs.writeFileSync(path.join(tmp, 'sum-1.s'), summer(1));
    fs.writeFileSync(path.join(tmp, 'sum-2.s'), summer(2));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('prints counter 1..k for the counter, one line every PERIOD ticks from tick 0', () => {
    expect(PERIOD).to.equal(10);
    // field-a runs ctrl in ticks 0-5 of every 10: a counter waking every PERIOD ticks is always in its window.
    for (const ticks of [1, PERIOD, PERIOD + 1, 250, 1000]) {
      const ref = referenceRun(cluster, task(COUNTER), ticks, 1);
      expect(ref, `${ticks} ticks`).to.deep.equal({ lines: counterLines(Math.ceil(ticks / PERIOD)), ended: false });
    }
  });

  it('follows the node\'s schedule: a counter waking outside its window waits for it', () => {
    const text = `
version: 1
partitions:
  ctrl:
    migratable: true
    regions:
      - { name: code,  vaddr: 0x00010000, paddr: 0x00100000, size: 64KiB,  rights: rx }
      - { name: data,  vaddr: 0x00100000, paddr: 0x00200000, size: 256KiB, rights: rw }
      - { name: stack, vaddr: 0x00800000, paddr: 0x00300000, size: 64KiB,  rights: rw }
nodes:
  - name: slow
    cpu: { word: 32, endian: little, page_size: 4KiB, instructions_per_tick: 2000 }
    memory: 16MiB
    partitions: [ctrl]
    schedule:
      major_frame: 15
      windows:
        - { partition: ctrl, start: 0, duration: 5 }
`;
    const check = parseClusterText(text, path.join(tmp, 'slow.yaml'));
    expect(check.problems.map((p) => p.message)).to.deep.equal([]);
    // It prints at 0, sleeps to 10 (outside the window), runs again at 15: one line per 15 ticks.
    const ref = referenceRun(check.config!, task(COUNTER, 'slow'), 300, 1);
    expect(ref.lines).to.deep.equal(counterLines(300 / 15));
  });

  it('runs a program that ends to its end, with the same output and final memory every time', () => {
    const program = path.join(tmp, 'sum-1.s');
    const once = referenceRun(cluster, task(program), 10_000, 1);
    expect(once.lines).to.deep.equal(['sum 1', 'sum 3', 'sum 6', 'sum 10']);
    expect(once.ended).to.equal(true);
    expect(once.memoryHash).to.match(/^[0-9a-f]{64}$/);
    // Another seed gives other ids, not another memory.
    expect(referenceRun(cluster, task(program), 10_000, 2)).to.deep.equal(once);
  });

  it('hashes the final memory, not the output', () => {
    const one = referenceRun(cluster, task(path.join(tmp, 'sum-1.s')), 10_000, 1);
    const two = referenceRun(cluster, task(path.join(tmp, 'sum-2.s')), 10_000, 1);
    expect(two.lines).to.deep.equal(one.lines);
    expect(two.memoryHash).to.not.equal(one.memoryHash);
  });

  it('stops after the ticks it is given, a program that has not ended yet without a hash', () => {
    expect(referenceRun(cluster, task(path.join(tmp, 'sum-1.s')), 5, 1)).to.deep.equal({ lines: ['sum 1', 'sum 3'], ended: false });
  });

  it('counts a program that faulted as ended', () => {
    const ref = referenceRun(cluster, task(path.join(ROOT, 'test', 'fixtures', 'programs', 'bad-store.s')), 10_000, 1);
    expect(ref.lines).to.deep.equal(['before']);
    expect(ref.ended).to.equal(true);
  });
});
