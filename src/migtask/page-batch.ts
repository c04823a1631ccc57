/**
 * PageBatch (proto: `repeated uint32 index = 1; bytes data = 2;`) encoded and
 * decoded by hand on the hot path of a migration: pages are copied once, straight
 * from task memory into the message, and decoding returns a view, not a copy. The
 * bytes are standard protobuf, so any protobuf implementation reads and writes them.
 */
import { Code, roomyBuffer, varintSize, writeVarint } from '../common/index.ts';
import type { AddressSpace } from '../partition/index.ts';
import { ContainerError } from './container-error.ts';

/**
 * Encodes the pages `index` of `space` as a PageBatch, copying each page once;
 * `zero` lists pages known to be all zeros, sent without data.
 */
export function encodePageBatch(space: AddressSpace, index: readonly number[], zero: readonly number[] = []): Uint8Array {
  return encodeWith(index, space.pageSize, zero, (out, pos) => {
    // Consecutive pages of one region are one copy.
    for (let k = 0; k < index.length; ) {
      const run = space.runLength(index, k);
      out.set(space.runBytes(index[k]!, run), pos);
      pos += run * space.pageSize;
      k += run;
    }
    return pos;
  });
}

/** Encodes pages given by `pageAt` (each exactly `pageSize` bytes) as a PageBatch. */
export function encodePages(index: readonly number[], pageSize: number, pageAt: (page: number, k: number) => Uint8Array, zero: readonly number[] = []): Uint8Array {
  return encodeWith(index, pageSize, zero, (out, pos) => {
    index.forEach((p, k) => {
      const page = pageAt(p, k);
      if (page.length !== pageSize) throw new RangeError(`page ${p}: ${page.length} bytes, expected ${pageSize}`);
      out.set(page, pos);
      pos += pageSize;
    });
    return pos;
  });
}

/** A PageBatch around the page bytes `copyPages` writes at a position (returning the position after them). */
function encodeWith(index: readonly number[], pageSize: number, zero: readonly number[], copyPages: (out: Uint8Array, pos: number) => number): Uint8Array {
  let idxLen = 0;
  for (const i of index) idxLen += varintSize(i);
  let zeroLen = 0;
  for (const i of zero) zeroLen += varintSize(i);
  const dataLen = index.length * pageSize;
  const zeroField = zero.length > 0 ? 1 + varintSize(zeroLen) + zeroLen : 0;
  const total = 1 + varintSize(idxLen) + idxLen + 1 + varintSize(dataLen) + dataLen + zeroField;
  // Room around it for the request that carries it (common/chunk-frame.ts): the pages are copied once.
  const out = roomyBuffer(total);
  let pos = 0;
  out[pos++] = 0x0a; // field 1, length-delimited (packed)
  pos = writeVarint(out, pos, idxLen);
  for (const i of index) pos = writeVarint(out, pos, i);
  out[pos++] = 0x12; // field 2, length-delimited
  pos = writeVarint(out, pos, dataLen);
  pos = copyPages(out, pos);
  if (zero.length > 0) {
    out[pos++] = 0x1a; // field 3, length-delimited (packed)
    pos = writeVarint(out, pos, zeroLen);
    for (const i of zero) pos = writeVarint(out, pos, i);
  }
  return out;
}

class Cursor {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new ContainerError('page batch ends inside a number', Code.INVALID_ARGUMENT);
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (v > Number.MAX_SAFE_INTEGER) throw new ContainerError('page batch number too large', Code.INVALID_ARGUMENT);
        return v;
      }
      mul *= 128;
    }
    throw new ContainerError('page batch has a malformed number', Code.INVALID_ARGUMENT);
  }

  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new ContainerError('page batch field runs past its end', Code.INVALID_ARGUMENT);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new ContainerError(`page batch has unsupported wire type ${wireType}`, Code.INVALID_ARGUMENT);
    if (this.pos > this.buf.length) throw new ContainerError('page batch field runs past its end', Code.INVALID_ARGUMENT);
  }
}

/** Decodes a PageBatch; `data` is a view into `buf`. Accepts packed or unpacked indices. */
export function decodePageBatch(buf: Uint8Array): { index: number[]; data: Uint8Array; zero: number[] } {
  const c = new Cursor(buf);
  const index: number[] = [];
  const zero: number[] = [];
  let data: Uint8Array = new Uint8Array(0);
  while (c.pos < buf.length) {
    const key = c.varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === 2) {
      const packed = new Cursor(c.bytes());
      while (packed.pos < packed.buf.length) index.push(packed.varint());
    } else if (field === 1 && wire === 0) index.push(c.varint());
    else if (field === 2 && wire === 2) data = c.bytes();
    else if (field === 3 && wire === 2) {
      const packed = new Cursor(c.bytes());
      while (packed.pos < packed.buf.length) zero.push(packed.varint());
    } else if (field === 3 && wire === 0) zero.push(c.varint());
    else c.skip(wire);
  }
  return { index, data, zero };
}
