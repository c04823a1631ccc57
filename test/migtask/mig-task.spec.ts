import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { IllegalStateError, InvalidArgumentError } from '../../src/common/errors.ts';
import { assembleFor } from '../../src/machine/program-loader.ts';
import { assemble, type Program } from '../../src/machine/assembler.ts';
import type { MigTask, Transition } from '../../src/migtask/index.ts';
import { example, TestCluster } from '../support/node-harness.ts';

describe('MigTask', () => {
  let cluster: TestCluster;

  before(() => {
    cluster = new TestCluster();
  });

  after(() => {
    cluster.cleanup();
  });

  /** A fresh empty ctrl slot of field-a (32-bit), with the transitions it publishes. */
  function emptySlot(): { slot: MigTask; seen: Transition[] } {
    const slot = cluster.node('field-a').slots[0]!;
    const seen: Transition[] = [];
    slot.thread.transitions.subscribe((t) => seen.push(t));
    return { slot, seen };
  }

  function program(source: string, word: 32 | 64 = 32): Program {
    const node = cluster.config.nodes.find((n) => n.cpu.word === word)!;
    const def = node.partitions.find((p) => p.name === 'ctrl')!;
    return assembleFor(source, 'test.s', def, node.cpu);
  }

  const counter = (): Program => program(readFileSync(example('counter.s'), 'utf8'));

  const init = (slot: MigTask, p: Program, travelers = 1) =>
    slot.initialize({ id: 'test-000001', programName: 'test.s', program: p, travelers, priority: 10 });

  it('Initialize loads the program and becomes MigSource, publishing both steps', () => {
    const { slot, seen } = emptySlot();
    init(slot, counter(), 3);
    expect(slot.state).to.equal('MigSource');
    expect(slot.id).to.equal('test-000001');
    expect(seen.map((t) => `${t.from}->${t.to}:${t.command}`)).to.deep.equal([
      'MigSink->Initializing:Initialize',
      'Initializing->MigSource:initialized',
    ]);
    expect(slot.travelers.map((t) => t.id)).to.deep.equal([0, 1, 2]);
  });

  it('starts every traveler at the entry point with its own stack below the top of the stack region', () => {
    const { slot } = emptySlot();
    const p = counter();
    init(slot, p, 3);
    const top = 0x00800000 + 32 * 1024;
    expect(slot.travelers.map((t) => t.cpu.pc)).to.deep.equal([p.entry, p.entry, p.entry]);
    expect(slot.travelers.map((t) => Number(t.reg(15)))).to.deep.equal([top, top - 8192, top - 2 * 8192]);
  });

  it('puts the program text in the code region and its data in the data region', () => {
    const { slot } = emptySlot();
    const p = counter();
    init(slot, p);
    expect([...slot.space.readBytes(p.textBase, 8)]).to.deep.equal([...p.text.subarray(0, 8)]);
    expect([...slot.space.readBytes(p.dataBase, p.data.length)]).to.deep.equal([...p.data]);
  });

  for (const travelers of [0, 5]) {
    it(`refuses ${travelers} travelers (partition allows 1..4) and stays an untouched MigSink`, () => {
      const { slot, seen } = emptySlot();
      expect(() => init(slot, counter(), travelers)).to.throw(InvalidArgumentError, /travelers must be 1\.\.4 in partition ctrl/);
      expect(slot.state).to.equal('MigSink');
      expect(slot.occupied).to.equal(false);
      expect(seen).to.deep.equal([]);
    });
  }

  it('refuses a program assembled for another word size', () => {
    const { slot } = emptySlot();
    expect(() => init(slot, program('start: b start', 64))).to.throw(InvalidArgumentError, /64-bit, node is 32-bit/);
    expect(slot.state).to.equal('MigSink');
  });

  it('aborts a program that does not fit back to an empty MigSink, leaving nothing half-loaded', () => {
    const { slot, seen } = emptySlot();
    // 20 KiB of data in a 16 KiB data region (assembled without the region's bound, which assembleFor would apply).
    const big = assemble('start: b start\n.data\nfirst: .byte 7\n.zero 20 * 1024', { word: 32, endian: 'little', textBase: 0x10000, dataBase: 0x100000 });
    expect(() => init(slot, big)).to.throw(InvalidArgumentError, /exceeds region data/);
    expect(slot.state).to.equal('MigSink');
    expect(slot.occupied).to.equal(false);
    expect(slot.travelers).to.deep.equal([]);
    expect(seen.map((t) => t.command)).to.deep.equal(['Initialize', 'abort']);
    for (let p = 0; p < slot.space.pageCount; p++) expect(slot.space.isZeroPage(p), `page ${p}`).to.equal(true);
    // And the slot is usable afterwards.
    init(slot, counter());
    expect(slot.state).to.equal('MigSource');
  });

  it('refuses Initialize on an occupied slot with IllegalStateError', () => {
    const { slot } = emptySlot();
    init(slot, counter());
    expect(() => init(slot, counter())).to.throw(IllegalStateError, /Initialize refused in state MigSource/);
  });

  it('refuses pause and resume of an empty slot, naming the command', () => {
    const { slot } = emptySlot();
    expect(() => slot.pause()).to.throw(IllegalStateError, /Pause refused in state MigSink/);
    expect(() => slot.resume()).to.throw(IllegalStateError, /Resume refused in state MigSink/);
  });

  it('kill empties the slot: MigSink, no id, no travelers, memory zeroed', () => {
    const { slot, seen } = emptySlot();
    init(slot, counter());
    slot.kill();
    expect(slot.state).to.equal('MigSink');
    expect([slot.id, slot.programName, slot.travelers.length, slot.runState]).to.deep.equal([undefined, undefined, 0, 'empty']);
    expect(seen.at(-1)).to.deep.equal({ from: 'MigSource', to: 'MigSink', command: 'Kill' });
    for (let p = 0; p < slot.space.pageCount; p++) expect(slot.space.isZeroPage(p), `page ${p}`).to.equal(true);
  });

  it('refuses copying into an occupied slot, and copying from an empty one', () => {
    const node = cluster.node('field-a');
    const [a, b] = [node.slots[0]!, node.slots[1]!];
    expect(() => b.copyFrom(a, 'copy-1')).to.throw(IllegalStateError, /Copy refused in state MigSink/);
    init(a, counter());
    init(b, counter());
    expect(() => b.copyFrom(a, 'copy-1')).to.throw(IllegalStateError, /Initialize refused in state MigSource/);
  });

  it('refuses copying across partitions', () => {
    const node = cluster.node('field-a');
    const ctrl = node.slots[0]!;
    const sensor = node.slots.find((s) => s.partition.name === 'sensor')!;
    init(ctrl, counter());
    expect(() => sensor.copyFrom(ctrl, 'copy-1')).to.throw(InvalidArgumentError, /same partition/);
  });
});
