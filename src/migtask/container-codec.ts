/**
 * Container framing: payloads become Chunks with a sequence number, an encoding
 * and the SHA-256 of the payload as sent; the trailer's digest is the SHA-256 over
 * all earlier chunk digests. {@link ChunkVerifier} checks the same on the way in.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { Code, MigvisorError } from '../common/errors.ts';
import { messageType } from '../common/wire.ts';
import type { Chunk } from '../generated/migvisor/v1/Chunk.ts';
import type { ContainerHeader, ContainerHeader__Output } from '../generated/migvisor/v1/ContainerHeader.ts';
import type { ContainerTrailer__Output } from '../generated/migvisor/v1/ContainerTrailer.ts';
import type { PageBatch__Output } from '../generated/migvisor/v1/PageBatch.ts';

export const FORMAT_VERSION = 1;

export type ChunkKindName = 'CHUNK_KIND_HEADER' | 'CHUNK_KIND_PAGES' | 'CHUNK_KIND_TRAILER';
export type EncodingName = 'ENCODING_NONE' | 'ENCODING_DEFLATE' | 'ENCODING_BROTLI';
export type Compression = 'none' | 'deflate' | 'brotli';

export const ENCODING_OF: Record<Compression, EncodingName> = {
  none: 'ENCODING_NONE',
  deflate: 'ENCODING_DEFLATE',
  brotli: 'ENCODING_BROTLI',
};
export const COMPRESSION_OF: Record<string, Compression> = {
  ENCODING_NONE: 'none',
  ENCODING_DEFLATE: 'deflate',
  ENCODING_BROTLI: 'brotli',
};

/** A chunk as the codec sees it (both directions): payload and digest are bytes. */
export interface RawChunk {
  readonly seq: number;
  readonly kind: ChunkKindName;
  readonly encoding: EncodingName;
  readonly payload: Uint8Array;
  readonly sha256: Uint8Array;
}

/** A container that failed verification or decoding. */
export class ContainerError extends MigvisorError {
  constructor(message: string, code: Code = Code.DATA_LOSS) {
    super(message, code);
  }
}

const deflate = promisify(zlib.deflateRaw);
const inflate = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliCompress);
const unbrotli = promisify(zlib.brotliDecompress);

export async function compress(data: Uint8Array, c: Compression): Promise<Uint8Array> {
  if (c === 'deflate') return deflate(data, { level: 1 });
  if (c === 'brotli') return brotli(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 3 } });
  return data;
}

export async function decompress(data: Uint8Array, c: Compression, limit: number): Promise<Uint8Array> {
  try {
    if (c === 'deflate') return await inflate(data, { maxOutputLength: limit });
    if (c === 'brotli') return await unbrotli(data, { maxOutputLength: limit });
    return data;
  } catch (e: unknown) {
    throw new ContainerError(`cannot decompress ${c} chunk: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

const HEADER = messageType('ContainerHeader');
const BATCH = messageType('PageBatch');
const TRAILER = messageType('ContainerTrailer');
const DECODE = { enums: String, longs: Number, defaults: true, arrays: true } as const;

export function encodeHeader(h: ContainerHeader): Uint8Array {
  return HEADER.encode(HEADER.fromObject(h)).finish();
}

export function encodeBatch(index: readonly number[], data: Uint8Array): Uint8Array {
  return BATCH.encode(BATCH.fromObject({ index, data })).finish();
}

function decodeWith<T>(type: typeof HEADER, bytes: Uint8Array, what: string): T {
  try {
    return type.toObject(type.decode(bytes), DECODE) as T;
  } catch (e: unknown) {
    throw new ContainerError(`malformed ${what}: ${e instanceof Error ? e.message : String(e)}`, Code.INVALID_ARGUMENT);
  }
}

export const decodeHeader = (b: Uint8Array): ContainerHeader__Output => decodeWith(HEADER, b, 'container header');
export const decodeBatch = (b: Uint8Array): PageBatch__Output => decodeWith(BATCH, b, 'page batch');
export const decodeTrailer = (b: Uint8Array): ContainerTrailer__Output => decodeWith(TRAILER, b, 'container trailer');

/** Builds the chunks of one container in order, keeping the running digest. */
export class ChunkEncoder {
  private seq = 0;
  private readonly digest = createHash('sha256');
  /** Payload bytes emitted so far (what goes over the wire). */
  bytes = 0;
  pages = 0;

  chunk(kind: ChunkKindName, payload: Uint8Array, encoding: EncodingName = 'ENCODING_NONE'): RawChunk {
    const hash = sha256(payload);
    // The trailer carries the digest of the chunks before it, not of itself.
    if (kind !== 'CHUNK_KIND_TRAILER') this.digest.update(hash);
    this.bytes += payload.length;
    return { seq: this.seq++, kind, encoding, payload, sha256: hash };
  }

  header(h: ContainerHeader): RawChunk {
    return this.chunk('CHUNK_KIND_HEADER', encodeHeader(h));
  }

  async pageBatch(index: readonly number[], data: Uint8Array, c: Compression): Promise<{ chunk: RawChunk; raw: number }> {
    const plain = encodeBatch(index, data);
    let payload = plain;
    let encoding: EncodingName = 'ENCODING_NONE';
    if (c !== 'none') {
      const packed = await compress(plain, c);
      // Incompressible pages go as they are: the receiver never pays for a useless inflate.
      if (packed.length < plain.length * 0.95) {
        payload = packed;
        encoding = ENCODING_OF[c];
      }
    }
    this.pages += index.length;
    return { chunk: this.chunk('CHUNK_KIND_PAGES', payload, encoding), raw: plain.length };
  }

  trailer(): RawChunk {
    const body = TRAILER.encode(
      TRAILER.fromObject({ containerSha256: this.digest.digest(), chunks: this.seq, pages: this.pages, payloadBytes: this.bytes }),
    ).finish();
    return this.chunk('CHUNK_KIND_TRAILER', body);
  }
}

/** Accepts whatever a gRPC stream or a file yields and normalises it. */
export function rawChunk(c: Chunk): RawChunk {
  const bytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : typeof v === 'string' ? Buffer.from(v, 'base64') : new Uint8Array());
  return {
    seq: Number(c.seq ?? 0),
    kind: (c.kind ?? 'CHUNK_KIND_UNSPECIFIED') as ChunkKindName,
    encoding: (c.encoding ?? 'ENCODING_NONE') as EncodingName,
    payload: bytes(c.payload),
    sha256: bytes(c.sha256),
  };
}

export type Verified =
  | { readonly kind: 'header'; readonly header: ContainerHeader__Output }
  | { readonly kind: 'pages'; readonly index: readonly number[]; readonly data: Uint8Array }
  | { readonly kind: 'trailer'; readonly trailer: ContainerTrailer__Output };

/**
 * Verifies chunks in order: sequence numbers, per-chunk digests, header first,
 * trailer last with the container digest and counts. Throws ContainerError.
 */
export class ChunkVerifier {
  private seq = 0;
  private readonly digest = createHash('sha256');
  private header: ContainerHeader__Output | undefined;
  private pages = 0;
  private bytes = 0;
  done = false;

  async accept(c: RawChunk): Promise<Verified> {
    if (this.done) throw new ContainerError(`chunk ${c.seq} after the trailer`, Code.INVALID_ARGUMENT);
    if (c.seq !== this.seq) throw new ContainerError(`chunk ${c.seq} out of order (expected ${this.seq})`, Code.INVALID_ARGUMENT);
    const hash = sha256(c.payload);
    if (!hash.equals(Buffer.from(c.sha256))) throw new ContainerError(`chunk ${c.seq} (${kindName(c.kind)}) fails its SHA-256 check`);
    // The trailer's digest covers the chunks before it: compare before folding it in.
    const before = c.kind === 'CHUNK_KIND_TRAILER' ? this.digest.copy().digest() : undefined;
    this.seq++;
    this.bytes += c.payload.length;
    this.digest.update(hash);
    if (c.kind === 'CHUNK_KIND_HEADER') {
      if (this.header) throw new ContainerError('a second header chunk', Code.INVALID_ARGUMENT);
      const header = decodeHeader(c.payload);
      if (header.formatVersion !== FORMAT_VERSION) {
        throw new ContainerError(`container format version ${header.formatVersion} is not supported (this build reads ${FORMAT_VERSION})`, Code.INVALID_ARGUMENT);
      }
      this.header = header;
      return { kind: 'header', header };
    }
    if (!this.header) throw new ContainerError(`the first chunk must be the header, got ${kindName(c.kind)}`, Code.INVALID_ARGUMENT);
    if (c.kind === 'CHUNK_KIND_PAGES') {
      const compression = COMPRESSION_OF[c.encoding];
      if (!compression) throw new ContainerError(`chunk ${c.seq}: unknown encoding ${c.encoding}`, Code.INVALID_ARGUMENT);
      const limit = 1024 + 2 * 4096 * this.header.pageSize; // a batch is at most a few MiB
      const batch = decodeBatch(await decompress(c.payload, compression, Math.max(limit, 64 << 20)));
      const size = this.header.pageSize;
      if (batch.data.length !== batch.index.length * size) {
        throw new ContainerError(`chunk ${c.seq}: ${batch.data.length} bytes for ${batch.index.length} pages of ${size}`, Code.INVALID_ARGUMENT);
      }
      for (const i of batch.index) {
        if (i >= this.header.pageCount) throw new ContainerError(`chunk ${c.seq}: page ${i} outside the ${this.header.pageCount} pages`, Code.INVALID_ARGUMENT);
      }
      this.pages += batch.index.length;
      return { kind: 'pages', index: batch.index, data: batch.data };
    }
    if (c.kind === 'CHUNK_KIND_TRAILER') {
      const trailer = decodeTrailer(c.payload);
      if (!before!.equals(Buffer.from(trailer.containerSha256))) throw new ContainerError('the container digest does not match its chunks');
      if (trailer.chunks !== this.seq - 1) throw new ContainerError(`trailer counts ${trailer.chunks} chunks, received ${this.seq - 1}`);
      if (trailer.pages !== this.pages) throw new ContainerError(`trailer counts ${trailer.pages} pages, received ${this.pages}`);
      this.done = true;
      return { kind: 'trailer', trailer };
    }
    throw new ContainerError(`chunk ${c.seq}: unknown kind ${c.kind}`, Code.INVALID_ARGUMENT);
  }

  get received(): { pages: number; bytes: number; chunks: number } {
    return { pages: this.pages, bytes: this.bytes, chunks: this.seq };
  }
}

function kindName(k: string): string {
  return k.replace('CHUNK_KIND_', '').toLowerCase();
}
