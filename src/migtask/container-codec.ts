/**
 * Container framing: payloads become Chunks with a sequence number, an encoding
 * and the SHA-256 of the payload as sent; the trailer's digest is the SHA-256 over
 * all earlier chunk digests. {@link ChunkVerifier} checks the same on the way in.
 *
 * Page chunks are the bulk of a container, so their (de)compression runs on
 * libuv's thread pool (async zlib) and several batches are in flight at once,
 * overlapping with the gRPC stream on the main thread. Their SHA-256 runs on the
 * main thread: a 256 KiB batch hashes in about half a millisecond, and WebCrypto's
 * thread-pool digest first copied every chunk on the main thread and then cost a
 * hop each way (README "Benchmarks", Hashing on the main thread).
 */
import { createHash, hash } from 'node:crypto';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { Code, compressionFromWire, compressionToWire, describeError, messageType, type Compression } from '../common/index.ts';
import type { Chunk } from '../generated/migvisor/v1/Chunk.ts';
import type { ContainerHeader, ContainerHeader__Output } from '../generated/migvisor/v1/ContainerHeader.ts';
import type { ContainerTrailer__Output } from '../generated/migvisor/v1/ContainerTrailer.ts';
import type { PageBatch__Output } from '../generated/migvisor/v1/PageBatch.ts';
import type { AddressSpace } from '../partition/index.ts';
import { ContainerError } from './container-error.ts';
import { batchProblems, finalStateProblems, headerProblems, maxChunks, refuse } from './container-rules.ts';

import { OrderedHandover } from './ordered-handover.ts';
import { decodePageBatch, encodePageBatch } from './page-batch.ts';

export { ContainerError };

/** The container format this build writes and reads. */
export const FORMAT_VERSION = 2;

/** Chunk kinds, by their protobuf names (UNSPECIFIED: anything a stream sent that is not one of them). */
export type ChunkKindName = 'CHUNK_KIND_UNSPECIFIED' | 'CHUNK_KIND_HEADER' | 'CHUNK_KIND_PAGES' | 'CHUNK_KIND_TRAILER' | 'CHUNK_KIND_STATE';
const CHUNK_KINDS: readonly string[] = ['CHUNK_KIND_HEADER', 'CHUNK_KIND_PAGES', 'CHUNK_KIND_TRAILER', 'CHUNK_KIND_STATE'];

/** A chunk as the codec sees it (both directions): payload and digest are bytes. */
export interface RawChunk {
  readonly seq: number;
  readonly kind: ChunkKindName;
  /** How the payload is encoded (undefined: the stream named no compression this build knows). */
  readonly compression: Compression | undefined;
  readonly payload: Uint8Array;
  readonly sha256: Uint8Array;
}

/** Largest decoded page batch accepted (a defence against decompression bombs). */
const MAX_BATCH_BYTES = 64 << 20;

const deflate = promisify(zlib.deflateRaw);
const inflate = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliCompress);
const unbrotli = promisify(zlib.brotliDecompress);

/** Compresses a page batch (fast settings: containers are compressed on the hot path). */
export async function compress(data: Uint8Array, c: Compression): Promise<Uint8Array> {
  const small = data.length <= INLINE_BYTES;
  if (c === 'deflate') return small ? zlib.deflateRawSync(data, { level: 1 }) : deflate(data, { level: 1 });
  const brotliOptions = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 3 } };
  if (c === 'brotli') return small ? zlib.brotliCompressSync(data, brotliOptions) : brotli(data, brotliOptions);
  return data;
}

/** Decompresses a chunk, at most `limit` bytes (a decompression bomb fails as a ContainerError). */
export async function decompress(data: Uint8Array, c: Compression, limit = MAX_BATCH_BYTES): Promise<Uint8Array> {
  try {
    const small = data.length <= INLINE_BYTES / 8;
    if (c === 'deflate') return small ? zlib.inflateRawSync(data, { maxOutputLength: limit }) : await inflate(data, { maxOutputLength: limit });
    if (c === 'brotli') return small ? zlib.brotliDecompressSync(data, { maxOutputLength: limit }) : await unbrotli(data, { maxOutputLength: limit });
    return data;
  } catch (e: unknown) {
    throw new ContainerError(`cannot decompress ${c} chunk: ${describeError(e)}`);
  }
}

/** SHA-256 on the main thread (small payloads). */
export function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}

/**
 * Payloads up to this size are (de)compressed on the main thread: a hop to the
 * thread pool costs more than the work (on a loaded machine, whole
 * milliseconds), and small containers (the counter's two pages) are all latency.
 * It holds a batch of 16 pages of 4 KiB with its page numbers (64 KiB and some
 * bytes), the size of a small pre-copy write set sent while the task is stopped.
 */
export const INLINE_BYTES = 65 * 1024;

const HEADER = messageType('ContainerHeader');
const BATCH = messageType('PageBatch');
const TRAILER = messageType('ContainerTrailer');
const DECODE = { enums: String, longs: Number, defaults: true, arrays: true } as const;

/** A container header as protobuf bytes. */
export function encodeHeader(h: ContainerHeader): Uint8Array {
  return HEADER.encode(HEADER.fromObject(h)).finish();
}

function decodeWith<T>(type: typeof HEADER, bytes: Uint8Array, what: string): T {
  try {
    return type.toObject(type.decode(bytes), DECODE) as T;
  } catch (e: unknown) {
    throw new ContainerError(`malformed ${what}: ${describeError(e)}`, Code.INVALID_ARGUMENT);
  }
}

/** Decoders of the container's messages; malformed bytes fail as a ContainerError. */
export const decodeHeader = (b: Uint8Array): ContainerHeader__Output => decodeWith(HEADER, b, 'container header');
/** Decodes a PageBatch (protobufjs; the hot path uses page-batch.ts). */
export const decodeBatch = (b: Uint8Array): PageBatch__Output => decodeWith(BATCH, b, 'page batch');
/** Decodes a container trailer. */
export const decodeTrailer = (b: Uint8Array): ContainerTrailer__Output => decodeWith(TRAILER, b, 'container trailer');

/** A page batch ready to be framed: encoded, maybe compressed, hashed. */
export interface PreparedPages {
  readonly payload: Uint8Array;
  readonly compression: Compression;
  readonly sha256: Buffer;
  readonly pages: number;
  /** Encoded size before compression. */
  readonly raw: number;
}

/**
 * Copies pages out of task memory into a PageBatch now (so later changes to the
 * task cannot tear it), then compresses it on the thread pool and hashes it.
 */
export async function preparePages(space: AddressSpace, index: readonly number[], c: Compression, zero: readonly number[] = []): Promise<PreparedPages> {
  return prepareEncoded(encodePageBatch(space, index, zero), index.length + zero.length, c);
}

/** Compresses (when it pays) and hashes an encoded PageBatch of `pages` pages. */
export async function prepareEncoded(plain: Uint8Array, pages: number, c: Compression): Promise<PreparedPages> {
  let payload = plain;
  let compression: Compression = 'none';
  if (c !== 'none') {
    const packed = await compress(plain, c);
    // Incompressible pages go as they are: the receiver never pays for a useless inflate.
    if (packed.length < plain.length * 0.95) {
      payload = packed;
      compression = c;
    }
  }
  return { payload, compression, sha256: sha256(payload), pages, raw: plain.length };
}

/** Frames the chunks of one container in order, keeping the running digest. */
export class ChunkEncoder {
  private seq = 0;
  private readonly digest = createHash('sha256');
  /** Payload bytes emitted so far (what goes over the wire). */
  bytes = 0;
  pages = 0;

  private frame(kind: ChunkKindName, payload: Uint8Array, hash: Buffer, compression: Compression): RawChunk {
    // The trailer carries the digest of the chunks before it, not of itself.
    if (kind !== 'CHUNK_KIND_TRAILER') this.digest.update(hash);
    this.bytes += payload.length;
    return { seq: this.seq++, kind, compression, payload, sha256: hash };
  }

  header(h: ContainerHeader): RawChunk {
    const payload = encodeHeader(h);
    return this.frame('CHUNK_KIND_HEADER', payload, sha256(payload), 'none');
  }

  /** Pre-copy and full migrations: the final state (travelers, page map) once the travelers stopped. */
  state(h: ContainerHeader): RawChunk {
    const payload = encodeHeader(h);
    return this.frame('CHUNK_KIND_STATE', payload, sha256(payload), 'none');
  }

  /** Frames a prepared batch; batches must be framed in the order they are sent. */
  pageChunk(p: PreparedPages): RawChunk {
    this.pages += p.pages;
    return this.frame('CHUNK_KIND_PAGES', p.payload, p.sha256, p.compression);
  }

  trailer(): RawChunk {
    const body = TRAILER.encode(
      TRAILER.fromObject({ containerSha256: this.digest.digest(), chunks: this.seq, pages: this.pages, payloadBytes: this.bytes }),
    ).finish();
    return this.frame('CHUNK_KIND_TRAILER', body, sha256(body), 'none');
  }
}

/**
 * Accepts whatever a gRPC stream or a file yields and normalises it: unknown
 * kinds become UNSPECIFIED, unknown compressions undefined, missing bytes empty,
 * so the verifier refuses them by name.
 */
export function rawChunk(c: Chunk | null | undefined): RawChunk {
  const bytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : typeof v === 'string' ? Buffer.from(v, 'base64') : new Uint8Array());
  const seq = Number(c?.seq ?? 0);
  return {
    seq: Number.isSafeInteger(seq) ? seq : -1,
    kind: (typeof c?.kind === 'string' && CHUNK_KINDS.includes(c.kind) ? c.kind : 'CHUNK_KIND_UNSPECIFIED') as ChunkKindName,
    compression: compressionFromWire(c?.compression),
    payload: bytes(c?.payload),
    sha256: bytes(c?.sha256),
  };
}

/** A chunk as the wire message. */
export function toWireChunk(c: RawChunk): Chunk {
  return { seq: c.seq, kind: c.kind, compression: compressionToWire(c.compression ?? 'none'), payload: c.payload, sha256: c.sha256 };
}

/** The chunks of a stream of wrapped requests (`{ chunk }`: Receive, Load, Discard). */
export async function* rawChunks(source: AsyncIterable<unknown>): AsyncGenerator<RawChunk> {
  for await (const m of source) yield rawChunk((m as { chunk?: Chunk | null } | null)?.chunk);
}

/** Chunks as wrapped requests or responses (`{ chunk }`). */
export async function* wrapChunks(source: AsyncIterable<RawChunk>): AsyncGenerator<{ chunk: Chunk }> {
  for await (const c of source) yield { chunk: toWireChunk(c) };
}

/** A page batch that verified: page indices, their bytes, and pages sent as zero. */
export interface VerifiedPages {
  readonly index: readonly number[];
  readonly data: Uint8Array;
  /** Pages that are all zeros (sent without data). */
  readonly zero: readonly number[];
}

/** What {@link ChunkVerifier.accept} found in a chunk. */
export type Verified =
  | { readonly kind: 'header'; readonly header: ContainerHeader__Output }
  | { readonly kind: 'state'; readonly state: ContainerHeader__Output }
  | { readonly kind: 'pages'; readonly ready: Promise<VerifiedPages> }
  | { readonly kind: 'trailer' };

/**
 * Verifies and decodes one PAGES chunk on its own (post-copy fetches and pushes):
 * digest, encoding, sizes, page numbers.
 */
export async function verifyPageChunk(c: RawChunk, pageSize: number, pageCount: number): Promise<VerifiedPages> {
  if (c.kind !== 'CHUNK_KIND_PAGES') throw new ContainerError(`expected a pages chunk, got ${kindName(c.kind)}`, Code.INVALID_ARGUMENT);
  const compression = c.compression;
  if (!compression) throw new ContainerError(`chunk ${c.seq}: no compression this build knows`, Code.INVALID_ARGUMENT);
  if (!sha256(c.payload).equals(Buffer.from(c.sha256))) throw new ContainerError(`chunk ${c.seq} (pages) fails its SHA-256 check`);
  const batch = decodePageBatch(await decompress(c.payload, compression));
  refuse(batchProblems(c.seq, batch, pageSize, pageCount));
  return batch;
}

/** Page batches verified and decoded at once, at most. */
const IN_FLIGHT = 8;

/**
 * Verifies chunks in order: sequence numbers and kinds at once; per-chunk digests
 * and decoding of page batches (decompression on the thread pool, several in flight); the
 * trailer's container digest and counts in {@link finish}. Throws ContainerError.
 */
export class ChunkVerifier {
  private seq = 0;
  private readonly digest = createHash('sha256');
  private header: ContainerHeader__Output | undefined;
  private state: ContainerHeader__Output | undefined;
  private trailer: ContainerTrailer__Output | undefined;
  private trailerDigest: Buffer | undefined;
  private pages = 0;
  private bytes = 0;
  /** One byte per page of the header's page count: set once a batch held the page. */
  private sent = new Uint8Array();
  /** Pages set in {@link sent} (counted as they arrive, not by a walk over every page at the end). */
  private sentCount = 0;
  private readonly pending = new Set<Promise<unknown>>();
  /** Page batches handed over in stream order. */
  private readonly handover = new OrderedHandover<VerifiedPages>();
  private failure: unknown;
  done = false;

  /**
   * Checks a chunk's place in the stream. Page batches verify in the background;
   * `onPages` receives each one once it verified, in stream order (the next one
   * as soon as it was called); a promise it returns is part of the batch
   * ({@link finish} and {@link backpressure} wait for it).
   */
  accept(c: RawChunk, onPages?: (b: VerifiedPages) => void | Promise<void>): Verified {
    if (this.failure !== undefined) throw this.failure;
    if (this.trailer) throw new ContainerError(`chunk ${c.seq} after the trailer`, Code.INVALID_ARGUMENT);
    if (c.seq !== this.seq) throw new ContainerError(`chunk ${c.seq} out of order (expected ${this.seq})`, Code.INVALID_ARGUMENT);
    if (c.sha256.length !== 32) throw new ContainerError(`chunk ${c.seq} has no SHA-256 digest`, Code.INVALID_ARGUMENT);
    if (this.header && c.seq >= maxChunks(this.header.pageCount)) {
      throw new ContainerError(`chunk ${c.seq}: more than ${maxChunks(this.header.pageCount)} chunks for ${this.header.pageCount} pages`, Code.INVALID_ARGUMENT);
    }
    this.seq++;
    this.bytes += c.payload.length;
    if (c.kind === 'CHUNK_KIND_TRAILER') {
      this.trailerDigest = this.digest.copy().digest();
      this.checkDigest(c, sha256(c.payload));
      this.trailer = decodeTrailer(c.payload);
      return { kind: 'trailer' };
    }
    this.digest.update(c.sha256);
    if (c.kind !== 'CHUNK_KIND_PAGES' && c.compression !== 'none') {
      throw new ContainerError(`chunk ${c.seq} (${kindName(c.kind)}): only page chunks may be compressed`, Code.INVALID_ARGUMENT);
    }
    if (c.kind === 'CHUNK_KIND_HEADER') {
      if (this.header) throw new ContainerError('a second header chunk', Code.INVALID_ARGUMENT);
      this.checkDigest(c, sha256(c.payload));
      const header = decodeHeader(c.payload);
      refuse(headerProblems(header, FORMAT_VERSION));
      this.header = header;
      this.sent = new Uint8Array(header.pageCount);
      return { kind: 'header', header };
    }
    if (!this.header) throw new ContainerError(`the first chunk must be the header, got ${kindName(c.kind)}`, Code.INVALID_ARGUMENT);
    if (c.kind === 'CHUNK_KIND_STATE') {
      if (this.state) throw new ContainerError('a second state chunk', Code.INVALID_ARGUMENT);
      // Pre-copy and full migrations send their header before the stop and the travelers' state after it.
      if (this.header.mode !== 'CONTAINER_MODE_PRECOPY' && this.header.mode !== 'CONTAINER_MODE_FULL') {
        throw new ContainerError(`chunk ${c.seq}: a state chunk in a container that is neither a pre-copy nor a full migration`, Code.INVALID_ARGUMENT);
      }
      this.checkDigest(c, sha256(c.payload));
      const state = decodeHeader(c.payload);
      refuse(headerProblems(state, FORMAT_VERSION).map((p) => `state chunk ${c.seq}: ${p}`));
      this.state = state;
      return { kind: 'state', state: this.state };
    }
    if (c.kind !== 'CHUNK_KIND_PAGES') throw new ContainerError(`chunk ${c.seq}: unknown kind ${c.kind}`, Code.INVALID_ARGUMENT);
    // Verified in parallel, handed over in stream order (a page a later pre-copy round sends again lands last).
    const ready = this.handover.push(this.verifyPages(c, this.header), (b) => onPages?.(b));
    this.track(ready);
    return { kind: 'pages', ready };
  }

  private checkDigest(c: RawChunk, actual: Buffer): void {
    if (!actual.equals(Buffer.from(c.sha256))) throw new ContainerError(`chunk ${c.seq} (${kindName(c.kind)}) fails its SHA-256 check`);
  }

  private async verifyPages(c: RawChunk, h: ContainerHeader__Output): Promise<VerifiedPages> {
    const batch = await verifyPageChunk(c, h.pageSize, h.pageCount);
    this.pages += batch.index.length + batch.zero.length;
    this.mark(batch.index);
    this.mark(batch.zero);
    return batch;
  }

  private mark(pages: readonly number[]): void {
    for (const i of pages) {
      if (this.sent[i]) continue;
      this.sent[i] = 1;
      this.sentCount++;
    }
  }

  private track(p: Promise<unknown>): void {
    const t = p.then(
      () => undefined,
      (e: unknown) => {
        this.failure ??= e;
      },
    );
    this.pending.add(t);
    void t.then(() => this.pending.delete(t));
  }

  /** Waits while too many batches are in flight (bounds memory on a fast sender). */
  async backpressure(): Promise<void> {
    while (this.pending.size >= IN_FLIGHT) await Promise.race(this.pending);
    if (this.failure !== undefined) throw this.failure;
  }

  /** After the last chunk: waits for every batch, then checks the trailer. */
  async finish(): Promise<void> {
    await Promise.all(this.pending);
    if (this.failure !== undefined) throw this.failure;
    const t = this.trailer;
    if (!this.header || !t) throw new ContainerError('the container ended before its trailer');
    if (!this.trailerDigest!.equals(Buffer.from(t.containerSha256))) throw new ContainerError('the container digest does not match its chunks');
    if (t.chunks !== this.seq - 1) throw new ContainerError(`trailer counts ${t.chunks} chunks, received ${this.seq - 1}`);
    if (t.pages !== this.pages) throw new ContainerError(`trailer counts ${t.pages} pages, received ${this.pages}`);
    if (this.header.mode === 'CONTAINER_MODE_PRECOPY' && !this.state) throw new ContainerError('a pre-copy container ended without its final state', Code.INVALID_ARGUMENT);
    refuse(finalStateProblems(this.header, this.state ?? this.header, this.sent, this.sentCount));
    this.done = true;
  }

  get received(): { pages: number; bytes: number; chunks: number } {
    return { pages: this.pages, bytes: this.bytes, chunks: this.seq };
  }
}

function kindName(k: unknown): string {
  return String(k).replace('CHUNK_KIND_', '').toLowerCase();
}
