/**
 * Requests that carry a container chunk (`{ chunk }`: Receive, ReceiveStream,
 * PushPages, Load), serialized around the chunk's payload where it lies.
 *
 * A page batch is most of a migration's bytes. protobufjs would copy each one
 * into a new message buffer, and grpc-js copies that once more into its frame.
 * A payload made by {@link roomyBuffer} has free bytes before and after it, so
 * the request's other fields are written there and the message is a view over
 * the one buffer: one copy of the pages fewer (10 ms of CPU per 64 MiB, from
 * profiles; README "Benchmarks", Bound by the CPU). The bytes are exactly those
 * protobufjs writes (fields in number order, every field set), so any protobuf
 * implementation reads them.
 */
import type { Chunk } from '../generated/migvisor/v1/Chunk.ts';

/** Free bytes before a roomy payload: the request's tag and length, the chunk's seq, kind, compression and payload tag and length. */
const HEAD = 32;
/** Free bytes after it: the sha256 field (tag, length, 32 bytes). */
const TAIL = 34;

/** Payloads with room around them, by identity. */
const ROOMY = new WeakSet<Uint8Array>();

/** A buffer of `size` bytes with room before and after it for the request that will carry it. */
export function roomyBuffer(size: number): Buffer {
  const whole = Buffer.allocUnsafe(HEAD + size + TAIL);
  const out = whole.subarray(HEAD, HEAD + size);
  ROOMY.add(out);
  return out;
}

/** Bytes of `v` as a protobuf varint. */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes `v` as a protobuf varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** The numbers of the chunk's enums, by name. */
export interface ChunkEnums {
  readonly kind: Readonly<Record<string, number>>;
  readonly compression: Readonly<Record<string, number>>;
}

/**
 * The request `{ chunk }` (its chunk at field `field`) serialized in place around
 * a roomy payload; undefined when it cannot be (another message, a payload
 * without room, a value protobufjs would write otherwise), so the caller
 * serializes it as usual.
 */
export function serializeInPlace(field: number, request: unknown, enums: ChunkEnums): Buffer | undefined {
  if (request === null || typeof request !== 'object') return undefined;
  const keys = Object.keys(request);
  if (keys.length !== 1 || keys[0] !== 'chunk') return undefined;
  const c = (request as { chunk?: Chunk | null }).chunk;
  if (!c || !(c.payload instanceof Uint8Array) || !ROOMY.has(c.payload)) return undefined;
  const seq = c.seq;
  const kind = typeof c.kind === 'string' ? enums.kind[c.kind] : c.kind;
  const compression = typeof c.compression === 'string' ? enums.compression[c.compression] : c.compression;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  if (typeof kind !== 'number' || typeof compression !== 'number' || kind < 0 || compression < 0 || kind > 127 || compression > 127) return undefined;
  if (!(c.sha256 instanceof Uint8Array) || c.sha256.length !== 32) return undefined;
  const payload = c.payload;
  const n = payload.length;
  // Chunk: seq (1), kind (2), compression (3), payload (4), sha256 (5).
  const chunkLen = 1 + varintSize(seq) + 2 + 2 + 1 + varintSize(n) + n + 2 + 32;
  const headLen = 1 + varintSize(chunkLen) + 1 + varintSize(seq) + 2 + 2 + 1 + varintSize(n);
  if (headLen > HEAD) return undefined;
  const buf = new Uint8Array(payload.buffer, payload.byteOffset - HEAD, HEAD + n + TAIL);
  let pos = HEAD - headLen;
  const start = pos;
  buf[pos++] = (field << 3) | 2;
  pos = writeVarint(buf, pos, chunkLen);
  buf[pos++] = 0x08;
  pos = writeVarint(buf, pos, seq);
  buf[pos++] = 0x10;
  buf[pos++] = kind;
  buf[pos++] = 0x18;
  buf[pos++] = compression;
  buf[pos++] = 0x22;
  pos = writeVarint(buf, pos, n);
  pos += n;
  buf[pos++] = 0x2a;
  buf[pos++] = 32;
  buf.set(c.sha256, pos);
  pos += 32;
  return Buffer.from(buf.buffer, buf.byteOffset + start, pos - start);
}
