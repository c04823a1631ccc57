// Object files (issue "Hostile input", class 6): every damaged MVX1 file is an
// InvalidFileError naming what is wrong (exit 2 / INVALID_ARGUMENT), never a
// RangeError; a program whose sections lie outside the partition never reaches memory.
import { expect } from 'chai';
import { InvalidArgumentError, InvalidFileError } from '../../src/common/index.ts';
import { assemble, checkObjectFor, decodeObject, encodeObject } from '../../src/machine/index.ts';
import { TestCluster } from '../support/node-harness.ts';

const SOURCE = '  .text\nstart: li r1, 1\n  sys exit\n  .data\nx: .word 7\n';

/** An object file with its JSON header replaced (the sections kept). */
function withHeader(obj: Uint8Array, change: (h: Record<string, unknown>) => void): Buffer {
  const buf = Buffer.from(obj);
  const len = buf.readUInt32LE(4);
  const h = JSON.parse(buf.subarray(8, 8 + len).toString('utf8')) as Record<string, unknown>;
  change(h);
  const json = Buffer.from(JSON.stringify(h));
  const head = Buffer.alloc(8);
  head.write('MVX1', 0, 'ascii');
  head.writeUInt32LE(json.length, 4);
  return Buffer.concat([head, json, buf.subarray(8 + len)]);
}

function refused(bytes: Uint8Array, what: RegExp): void {
  let caught: unknown;
  try {
    decodeObject(bytes, 'p.mvx');
  } catch (e: unknown) {
    caught = e;
  }
  expect(caught, 'decodeObject must refuse it').to.be.instanceOf(InvalidFileError);
  expect((caught as Error).message).to.match(/^p\.mvx: /);
  expect((caught as Error).message).to.match(what);
}

describe('MV object files: damaged files are clear errors', () => {
  const program = assemble(SOURCE, { word: 32, endian: 'little', textBase: 0x10000, dataBase: 0x100000, file: 'p.s' });
  const obj = encodeObject(program);

  it('a valid object file reads back as the program', () => {
    const p = decodeObject(obj, 'p.mvx');
    expect(p.entry).to.equal(program.entry);
    expect(Buffer.from(p.text).equals(Buffer.from(program.text))).to.equal(true);
    expect(Buffer.from(p.data).equals(Buffer.from(program.data))).to.equal(true);
  });

  it('a truncated file of 4 or 6 bytes, a header longer than the file, a header that is not JSON', () => {
    refused(Buffer.from('MVX1'), /object is 4 bytes, too short for its header length/);
    refused(Buffer.from(obj.subarray(0, 6)), /object is 6 bytes, too short/);
    refused(Buffer.from(obj.subarray(0, 20)), /object is 20 bytes, its header alone announces \d+/);
    const garbled = Buffer.from(obj);
    garbled[8] = 0x7b + 1;
    refused(garbled, /corrupt object header/);
    const huge = Buffer.from(obj);
    huge.writeUInt32LE(0xffffffff, 4);
    refused(huge, /object header of 4294967295 bytes \(limit 1048576\)/);
  });

  it('header fields of the wrong kind or out of range, named', () => {
    refused(withHeader(obj, (h) => void (h['word'] = 16)), /object header: word 16 is not 32 or 64/);
    refused(withHeader(obj, (h) => void (h['endian'] = 'middle')), /endian "middle" is not little or big/);
    refused(withHeader(obj, (h) => void (h['textBase'] = -1)), /textBase -1 is not a 32-bit address/);
    refused(withHeader(obj, (h) => void (h['entry'] = '0x10000')), /entry "0x10000" is not a 32-bit address/);
    refused(withHeader(obj, (h) => void (h['textSize'] = 2 ** 40)), /textSize 1099511627776 is not a size/);
    refused(withHeader(obj, (h) => void (h['symbols'] = { start: 'twelve' })), /symbol "start" has no integer value/);
    refused(withHeader(obj, (h) => void (h['symbols'] = [])), /symbols is not an object/);
    refused(Buffer.concat([withHeader(obj, () => undefined), Buffer.alloc(3)]), /header announces/);
    refused(Buffer.concat([Buffer.from('MVX1'), Buffer.from([2, 0, 0, 0]), Buffer.from('[]')]), /object header: not a JSON object/);
  });

  describe('against a partition', () => {
    let cluster: TestCluster;
    before(() => {
      cluster = new TestCluster();
    });
    after(() => cluster.cleanup());

    it('a text base of 0: refused by the node with the reason, never loaded', () => {
      const node = cluster.node('field-a');
      const zero = decodeObject(withHeader(obj, (h) => {
        h['textBase'] = 0;
        h['entry'] = 0;
      }), 'p.mvx');
      const def = node.partition('ctrl').def;
      expect(() => checkObjectFor(zero, 'p.mvx', def, node.def.cpu)).to.throw(InvalidArgumentError, /p\.mvx: section bases 0x0\/0x100000 do not match partition ctrl/);
      // Even a program that skipped that check is refused before it touches memory, and the slot stays free.
      expect(() => node.startTask({ partition: 'ctrl', assembled: { program: zero, name: 'p.mvx' } })).to.throw(InvalidArgumentError, /program text at 0x0 \(\d+ bytes\) is outside region code/);
      expect(node.slots.every((s) => s.state === 'MigSink' && !s.occupied)).to.equal(true);
      const entry = decodeObject(withHeader(obj, (h) => void (h['entry'] = 0x20000)), 'p.mvx');
      expect(() => checkObjectFor(entry, 'p.mvx', def, node.def.cpu)).to.throw(InvalidArgumentError, /entry 0x20000 is outside \.text/);
    });
  });
});
