// The chunk streams' requests serialized around their payload (common/chunk-frame.ts)
// must be byte for byte what protobufjs writes for the same request, and leave
// the payload as it was; a payload without room goes the usual way.
import { expect } from 'chai';
import fc from 'fast-check';
import type * as protoLoader from '@grpc/proto-loader';
import { roomyBuffer } from '../../src/common/chunk-frame.ts';
import { packageDefinition, protoRoot } from '../../src/common/wire.ts';
import { fuzzParameters } from '../support/fuzz.ts';

const METHODS = [
  ['migvisor.v1.MigTask', 'Receive', 'migvisor.v1.ReceiveRequest'],
  ['migvisor.v1.MigTask', 'ReceiveStream', 'migvisor.v1.ReceiveStreamRequest'],
  ['migvisor.v1.MigTask', 'PushPages', 'migvisor.v1.PushPagesRequest'],
  ['migvisor.v1.NodeControl', 'Load', 'migvisor.v1.LoadRequest'],
] as const;

const KINDS = ['CHUNK_KIND_UNSPECIFIED', 'CHUNK_KIND_HEADER', 'CHUNK_KIND_PAGES', 'CHUNK_KIND_TRAILER', 'CHUNK_KIND_STATE'];
const COMPRESSIONS = Object.keys(protoRoot().lookupEnum('migvisor.v1.Compression').values);

const chunks = fc.record({
  seq: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeNat()),
  kind: fc.constantFrom(...KINDS),
  compression: fc.constantFrom(...COMPRESSIONS),
  payload: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 300_000 }).map((n) => new Uint8Array(n).fill(n & 0xff))),
  sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});

function serializer(service: string, method: string): (req: object) => Buffer {
  const def = packageDefinition()[service] as protoLoader.ServiceDefinition;
  return def[method]!.requestSerialize as (req: object) => Buffer;
}

describe('fuzz: chunk requests serialized around their payload', () => {
  for (const [service, method, type] of METHODS) {
    it(`${method}: the bytes protobufjs writes, the payload untouched`, () => {
      const serialize = serializer(service, method);
      const T = protoRoot().lookupType(type);
      fc.assert(
        fc.property(chunks, (c) => {
          const payload = roomyBuffer(c.payload.length);
          payload.set(c.payload);
          const req = { chunk: { ...c, payload } };
          const expected = Buffer.from(T.encode(T.fromObject(req)).finish());
          const fast = serialize(req);
          expect(Buffer.compare(fast, expected), `${method} seq ${c.seq}, ${c.payload.length} bytes`).to.equal(0);
          // The message is a view around the payload, not a copy of it.
          expect(fast.buffer).to.equal(payload.buffer);
          expect(Buffer.compare(payload, Buffer.from(c.payload))).to.equal(0);
          // The same request as plain bytes (no room around them) goes through protobufjs, with the same result.
          expect(Buffer.compare(serialize({ chunk: { ...c, payload: Uint8Array.from(c.payload) } }), expected)).to.equal(0);
        }),
        fuzzParameters(100),
      );
    });
  }

  it('leaves other requests of those methods to protobufjs', () => {
    const serialize = serializer('migvisor.v1.MigTask', 'ReceiveStream');
    const T = protoRoot().lookupType('migvisor.v1.ReceiveStreamRequest');
    const open = { open: { migrationId: 'm-1', stream: 2 } };
    expect(Buffer.compare(serialize(open), Buffer.from(T.encode(T.fromObject(open)).finish()))).to.equal(0);
    // A digest of the wrong length is protobufjs's to write as it is.
    const odd = { chunk: { seq: 1, kind: 'CHUNK_KIND_PAGES', compression: 'COMPRESSION_NONE', payload: roomyBuffer(8).fill(7), sha256: new Uint8Array(5) } };
    expect(Buffer.compare(serialize(odd), Buffer.from(T.encode(T.fromObject(odd)).finish()))).to.equal(0);
  });
});
