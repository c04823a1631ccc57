/**
 * One extra page stream of a container (README, "Parallel streams"): the PAGES
 * chunks of the pages it carries, numbered from 0, then a TRAILER with the
 * SHA-256 over its chunk digests, its chunk and page counts. The source frames it
 * with the same ChunkEncoder as the container; {@link SideStreamVerifier} checks
 * it on the sink, verifying several batches at once (decompression on the
 * thread pool) but handing them over strictly in order (a page sent in two pre-copy rounds goes
 * on the same stream, so the later copy lands last).
 */
import { createHash } from 'node:crypto';
import { Code, InvalidArgumentError } from '../common/index.ts';
import type { ReceiveStreamRequest__Output } from '../generated/migvisor/v1/ReceiveStreamRequest.ts';
import { ContainerError, decodeTrailer, rawChunk, sha256, verifyPageChunk, type RawChunk, type VerifiedPages } from './container-codec.ts';
import { OrderedHandover } from './ordered-handover.ts';

/** Page batches verified at once on one stream, at most. */
const IN_FLIGHT = 8;

/** What one stream delivered. */
export interface StreamTotals {
  readonly pages: number;
  readonly bytes: number;
  readonly chunks: number;
}

/** Which of `count` streams carries page `page`: stripes of `stripe` pages, round robin. */
export function streamOfPage(page: number, count: number, stripe: number): number {
  return count <= 1 ? 0 : Math.floor(page / stripe) % count;
}

/** Verifies one side stream and hands its batches over in order. Throws ContainerError. */
export class SideStreamVerifier {
  private seq = 0;
  private pages = 0;
  private bytes = 0;
  private readonly digest = createHash('sha256');
  private trailer: { digest: Buffer; chunks: number; pages: number } | undefined;
  /** Batches in flight, in stream order; each resolves once handed over and placed. */
  private readonly inFlight: Promise<unknown>[] = [];
  /** Verified in parallel, handed over in order. */
  private readonly handover = new OrderedHandover<VerifiedPages>();

  constructor(
    private readonly stream: number,
    private readonly pageSize: number,
    private readonly pageCount: number,
    /** Receives each batch in order; a promise it returns is part of the batch (counted in flight, awaited by finish). */
    private readonly onPages: (b: VerifiedPages) => void | Promise<void>,
  ) {}

  /** Accepts the next chunk (waits while too many batches are in flight). */
  async accept(c: RawChunk): Promise<void> {
    const at = `stream ${this.stream}: chunk ${c.seq}`;
    if (this.trailer) throw new ContainerError(`${at} after the trailer`, Code.INVALID_ARGUMENT);
    if (c.seq !== this.seq) throw new ContainerError(`stream ${this.stream}: chunk ${c.seq} out of order (expected ${this.seq})`, Code.INVALID_ARGUMENT);
    if (c.sha256.length !== 32) throw new ContainerError(`${at} has no SHA-256 digest`, Code.INVALID_ARGUMENT);
    this.seq++;
    this.bytes += c.payload.length;
    if (c.kind === 'CHUNK_KIND_TRAILER') {
      if (!sha256(c.payload).equals(Buffer.from(c.sha256))) throw new ContainerError(`${at} (trailer) fails its SHA-256 check`);
      const t = decodeTrailer(c.payload);
      this.trailer = { digest: Buffer.from(t.containerSha256), chunks: t.chunks, pages: t.pages };
      return;
    }
    if (c.kind !== 'CHUNK_KIND_PAGES') throw new ContainerError(`${at}: a page stream carries pages and its trailer only, not ${c.kind}`, Code.INVALID_ARGUMENT);
    this.digest.update(c.sha256);
    const next = this.handover.push(verifyPageChunk(c, this.pageSize, this.pageCount), (b) => {
      this.pages += b.index.length + b.zero.length;
      return this.onPages(b);
    });
    this.inFlight.push(next);
    while (this.inFlight.length >= IN_FLIGHT) await this.inFlight.shift();
  }

  /** After the last chunk: waits for every batch, then checks the trailer. */
  async finish(): Promise<StreamTotals> {
    // Every batch not yet awaited; each waits for the ones before it.
    await Promise.all(this.inFlight);
    const t = this.trailer;
    if (!t) throw new ContainerError(`stream ${this.stream} ended before its trailer`);
    if (!this.digest.digest().equals(t.digest)) throw new ContainerError(`stream ${this.stream}: its digest does not match its chunks`);
    if (t.chunks !== this.seq - 1) throw new ContainerError(`stream ${this.stream}: trailer counts ${t.chunks} chunks, received ${this.seq - 1}`);
    if (t.pages !== this.pages) throw new ContainerError(`stream ${this.stream}: trailer counts ${t.pages} pages, received ${this.pages}`);
    return { pages: this.pages, bytes: this.bytes, chunks: this.seq };
  }
}

/** A ReceiveStream call's messages: the stream it opens, then its chunks (INVALID_ARGUMENT naming what is wrong). */
export async function openedStream(requests: AsyncIterable<ReceiveStreamRequest__Output>): Promise<{ migrationId: string; stream: number; chunks: AsyncGenerator<RawChunk> }> {
  const it = requests[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? undefined : first.value;
  if (head?.item !== 'open' || !head.open) throw new InvalidArgumentError('open: the first message of a ReceiveStream must open the stream');
  const migrationId = head.open.migrationId;
  if (!migrationId) throw new InvalidArgumentError('open.migration_id: required');
  const stream = head.open.stream;
  if (!Number.isInteger(stream) || stream < 1) throw new InvalidArgumentError(`open.stream: 1 or more (stream 0 is Receive's own), got ${stream}`);
  async function* chunks(): AsyncGenerator<RawChunk> {
    for (let n = await it.next(); !n.done; n = await it.next()) {
      if (n.value.item !== 'chunk') throw new InvalidArgumentError('chunk: every message after the first must carry a chunk');
      yield rawChunk(n.value.chunk);
    }
  }
  return { migrationId, stream, chunks: chunks() };
}
