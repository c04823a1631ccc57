/**
 * Sampling ports (README, "Sampling ports"): the rules of one port (latest
 * message, fixed size, age and validity by the reading node's clock, late
 * messages ignored) and the system calls on a node in virtual time (a source
 * writes, a destination reads, rights are enforced).
 */
import { expect } from 'chai';
import { InvalidArgumentError } from '../../src/common/errors.ts';
import { seededIds } from '../../src/common/ids.ts';
import { loadCluster, type ClusterConfig } from '../../src/config/index.ts';
import { Node } from '../../src/hypervisor/node.ts';
import { assembleFor } from '../../src/machine/program-loader.ts';
import { SamplingPort } from '../../src/partition/sampling-port.ts';
import { SysCallError, SysError } from '../../src/partition/sys-error.ts';
import { fileURLToPath } from 'node:url';
import { EventLog, example } from '../support/node-harness.ts';

const CLUSTER = fileURLToPath(new URL('../fixtures/arinc-cluster.yaml', import.meta.url));

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

/** A program that makes one system call `sys` with r0..r3 set up by `setup`, prints r0 and exits. */
function oneCall(node: Node, partition: string, setup: string, sys: string): { program: ReturnType<typeof assembleFor>; name: string } {
  const source = `        .text
start:  ${setup}
        sys   ${sys}
        sys   putn
        li    r0, '\\n'
        sys   putc
        li    r0, 0
        sys   exit
        .data
        .align 8
buf:    .word 0
speed:  .ascii "speed"
nope:   .ascii "nope"
`;
  return { program: assembleFor(source, `${sys}.s`, node.partition(partition).def, node.def.cpu), name: `${sys}.s` };
}

describe('sampling ports', () => {
  describe('one port', () => {
    it('reads nothing before the first message, then the latest one', () => {
      const port = new SamplingPort('speed', 2, 15);
      expect(port.read(0)).to.equal(undefined);
      port.write(bytes(1, 2), 10);
      port.write(bytes(3, 4), 12);
      expect(port.read(12)).to.deep.include({ message: bytes(3, 4), age: 0, valid: true });
    });

    it('is valid while the age is at most the refresh period, and invalid after', () => {
      const port = new SamplingPort('speed', 1, 15);
      port.write(bytes(7), 100);
      expect(port.read(115)).to.deep.include({ age: 15, valid: true });
      expect(port.read(116)).to.deep.include({ age: 16, valid: false });
    });

    it('takes messages of exactly its size only', () => {
      const port = new SamplingPort('speed', 4, 15);
      expect(() => port.write(bytes(1, 2, 3), 0))
        .to.throw(SysCallError, 'sampling port speed takes messages of exactly 4 bytes, not 3')
        .with.property('errno', SysError.E_INVAL);
      expect(port.written).to.equal(false);
    });

    it('ignores a message of a node that arrives after a newer one of that node', () => {
      const port = new SamplingPort('speed', 1, 15);
      expect(port.write(bytes(2), 50, 'arinc-a', 2)).to.equal(true);
      expect(port.write(bytes(1), 51, 'arinc-a', 1)).to.equal(false);
      expect(port.read(51)).to.deep.include({ message: bytes(2), age: 1 });
    });
  });

  describe('on a node', () => {
    let cluster: ClusterConfig;
    let node: Node;
    let log: EventLog;

    before(() => {
      cluster = loadCluster(CLUSTER);
    });

    beforeEach(() => {
      node = new Node(cluster.nodes.find((n) => n.name === 'arinc-a')!, cluster, { ids: seededIds(1) });
      log = new EventLog(node);
    });

    afterEach(() => node.shutdown());

    it('a destination reads what the source writes, valid while fresh, invalid when the source stops', () => {
      const writer = node.startTask({ partition: 'sensor', program: example('port-writer.s') });
      const reader = node.startTask({ partition: 'ctrl', program: example('port-reader.s') });
      node.runTicks(35);
      expect(log.lines(reader.id)).to.deep.equal(['no sample', 'sample 1 valid 1 age 6', 'sample 2 valid 1 age 6', 'sample 3 valid 1 age 6']);
      node.pause(writer.id!);
      node.runTicks(40);
      // The last message (3 or 4) ages: valid up to 15 ticks, then invalid.
      const later = log.lines(reader.id).slice(4);
      expect(later.map((l) => l.replace(/^sample \d+ /, ''))).to.deep.equal(['valid 1 age 6', 'valid 0 age 16', 'valid 0 age 26', 'valid 0 age 36']);
      node.resume(writer.id!);
      node.runTicks(20);
      expect(log.lines(reader.id).at(-1)).to.match(/^sample \d+ valid 1 age \d$/);
    });

    it('stamps a message from another node with its own tick', () => {
      node.runTicks(123);
      expect(node.ports.accept('speed', bytes(0, 0, 0, 9), 'arinc-b', 1)).to.deep.equal({ tick: 123, stored: true });
      node.runTicks(4);
      expect(node.readPort('speed')).to.deep.include({ age: 4, valid: true });
      expect(node.ports.accept('speed', bytes(0, 0, 0, 8), 'arinc-b', 1).stored).to.equal(false);
      expect(() => node.ports.accept('speed', bytes(1), 'arinc-b', 2)).to.throw(InvalidArgumentError, 'exactly 4 bytes');
    });

    it('refuses a write by a destination, a read by the source, a wrong size, an unknown port and a read before any write', () => {
      const calls: [string, string, string][] = [
        ['ctrl', 'la r0, speed\n        li r1, 5\n        la r2, buf\n        li r3, 4', 'port_write'],
        ['sensor', 'la r0, speed\n        li r1, 5\n        la r2, buf\n        li r3, 4', 'port_read'],
        ['sensor', 'la r0, speed\n        li r1, 5\n        la r2, buf\n        li r3, 3', 'port_write'],
        ['sensor', 'la r0, nope\n        li r1, 4\n        la r2, buf\n        li r3, 4', 'port_write'],
        ['ctrl', 'la r0, speed\n        li r1, 5\n        la r2, buf\n        li r3, 4', 'port_read'],
      ];
      const ids = calls.map(([partition, setup, sys]) => {
        const t = node.startTask({ partition, assembled: oneCall(node, partition, setup, sys) });
        const id = t.id!;
        node.runTicks(10);
        node.kill(id);
        return id;
      });
      expect(ids.map((id) => log.lines(id)[0])).to.deep.equal(
        [SysError.E_PERM, SysError.E_PERM, SysError.E_INVAL, SysError.E_NOENT, SysError.E_EMPTY].map((e) => String(-e)),
      );
    });
  });
});
