// Properties of the object-file reader: whatever the bytes (a valid MVX1 file
// with bits flipped, cut short, its header fields changed, or noise after the
// magic), reading gives a program or an InvalidFileError, and a program read is
// either refused by the partition with an InvalidArgumentError or boots.
import { expect } from 'chai';
import fc from 'fast-check';
import { InvalidArgumentError, InvalidFileError } from '../../src/common/index.ts';
import type { Node } from '../../src/hypervisor/node.ts';
import { assemble, checkObjectFor, decodeObject, encodeObject } from '../../src/machine/index.ts';
import { fuzzParameters } from '../support/fuzz.ts';
import { TestCluster } from '../support/node-harness.ts';

const SOURCE = '  .text\nstart: li r1, 1\n  la r2, x\n  sys exit\n  .data\nx: .word 7\n';
const FIELDS = ['word', 'endian', 'textBase', 'dataBase', 'entry', 'textSize', 'dataSize', 'symbols'];
const odd = fc.oneof(fc.constantFrom<unknown>(0, -1, 0x10000, 0x100000, 2 ** 32, 2 ** 64, 1e300, 'x', null, [], {}, { a: '1' }, true), fc.integer(), fc.string({ maxLength: 8 }));

function rewrite(obj: Uint8Array, field: string, v: unknown): Buffer {
  const buf = Buffer.from(obj);
  const len = buf.readUInt32LE(4);
  const h = JSON.parse(buf.subarray(8, 8 + len).toString('utf8')) as Record<string, unknown>;
  h[field] = v;
  const json = Buffer.from(JSON.stringify(h));
  const head = Buffer.from('MVX1\0\0\0\0', 'latin1');
  head.writeUInt32LE(json.length, 4);
  return Buffer.concat([head, json, buf.subarray(8 + len)]);
}

describe('fuzz: object files', () => {
  const obj = encodeObject(assemble(SOURCE, { word: 32, endian: 'little', textBase: 0x10000, dataBase: 0x100000, file: 'p.s' }));
  const mutants = fc.oneof(
    fc.tuple(fc.nat(), fc.nat(7)).map(([i, bit]) => {
      const b = Buffer.from(obj);
      b[i % b.length]! ^= 1 << bit;
      return b;
    }),
    fc.nat().map((n) => Buffer.from(obj.subarray(0, n % (obj.length + 1)))),
    fc.tuple(fc.constantFrom(...FIELDS), odd).map(([f, v]) => rewrite(obj, f, v)),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.concat([Buffer.from('MVX1'), b])),
  );
  let cluster: TestCluster;
  let node: Node;
  before(() => {
    cluster = new TestCluster();
    node = cluster.node('field-a');
  });
  after(() => cluster.cleanup());

  it('read as a program or refused as an invalid file; a program read boots or is refused by name', () => {
    const def = node.partition('ctrl').def;
    fc.assert(
      fc.property(mutants, (bytes) => {
        let program;
        try {
          program = decodeObject(bytes, 'p.mvx');
        } catch (e: unknown) {
          expect(e, String(e)).to.be.instanceOf(InvalidFileError);
          expect((e as Error).message).to.match(/^p\.mvx: /);
          return;
        }
        try {
          checkObjectFor(program, 'p.mvx', def, node.def.cpu);
          const task = node.startTask({ partition: 'ctrl', assembled: { program, name: 'p.mvx' } });
          node.runTicks(2);
          node.kill(task.id!);
        } catch (e: unknown) {
          expect(e, String(e)).to.be.instanceOf(InvalidArgumentError);
        }
        expect(node.slots.every((s) => s.state === 'MigSink' && !s.occupied)).to.equal(true);
      }),
      fuzzParameters(300),
    );
  });
});
