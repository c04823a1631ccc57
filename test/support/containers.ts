/**
 * Helpers for specs of hostile containers: a valid container saved from an
 * in-process node, its parts decoded, and chunks framed again after a change
 * (fresh digests and trailer, so only the change itself is wrong).
 */
import { createHash } from 'node:crypto';
import { brotliDecompressSync, inflateRawSync } from 'node:zlib';
import { messageType } from '../../src/common/index.ts';
import type { ContainerHeader__Output } from '../../src/generated/migvisor/v1/ContainerHeader.ts';
import type { Node } from '../../src/hypervisor/node.ts';
import { decodeHeader, encodeHeader, type RawChunk } from '../../src/migtask/index.ts';
import { decodeBatch } from '../../src/migtask/container-codec.ts';

/** A task's container as saved by its node (the task keeps running). */
export async function savedChunks(node: Node, taskId: string): Promise<RawChunk[]> {
  const out: RawChunk[] = [];
  for await (const c of node.migrations.checkpoints.save(taskId, 'none', true)) out.push(c);
  return out;
}

/** The chunks as an async stream. */
export async function* streamOf(chunks: readonly RawChunk[]): AsyncGenerator<RawChunk> {
  for (const c of chunks) yield c;
}

/** One part of a container before framing. */
export interface Part {
  readonly kind: RawChunk['kind'];
  readonly payload: Uint8Array;
  readonly compression?: RawChunk['compression'];
}

/** The parts of a container (its trailer left off: {@link frame} writes a new one). */
export function partsOf(chunks: readonly RawChunk[]): Part[] {
  return chunks.filter((c) => c.kind !== 'CHUNK_KIND_TRAILER').map((c) => ({ kind: c.kind, payload: c.payload, compression: c.compression }));
}

/** A part's payload as it was before compression. */
export function plainPayload(p: Part): Uint8Array {
  return p.compression === 'deflate' ? inflateRawSync(p.payload) : p.compression === 'brotli' ? brotliDecompressSync(p.payload) : p.payload;
}

const TRAILER = messageType('ContainerTrailer');
const sha = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

/** Frames parts as a container: sequence numbers, digests, and a trailer that counts them. */
export function frame(parts: readonly Part[]): RawChunk[] {
  const digest = createHash('sha256');
  let pages = 0;
  let bytes = 0;
  const out: RawChunk[] = parts.map((p, seq) => {
    const h = sha(p.payload);
    digest.update(h);
    bytes += p.payload.length;
    if (p.kind === 'CHUNK_KIND_PAGES') {
      try {
        const b = decodeBatch(plainPayload(p));
        pages += b.index.length + b.zero.length;
      } catch {
        // a damaged batch counts no pages
      }
    }
    return { seq, kind: p.kind, compression: p.compression ?? 'none', payload: p.payload, sha256: h };
  });
  const body = TRAILER.encode(TRAILER.fromObject({ containerSha256: digest.digest(), chunks: out.length, pages, payloadBytes: bytes })).finish();
  out.push({ seq: out.length, kind: 'CHUNK_KIND_TRAILER', compression: 'none', payload: body, sha256: sha(body) });
  return out;
}

/** The decoded header of a container. */
export function headerOf(chunks: readonly RawChunk[]): ContainerHeader__Output {
  return decodeHeader(chunks.find((c) => c.kind === 'CHUNK_KIND_HEADER')!.payload);
}

/** The container with its header changed by `change` (which edits a decoded copy), framed again. */
export function withHeader(chunks: readonly RawChunk[], change: (h: Record<string, unknown> & ContainerHeader__Output) => void): RawChunk[] {
  const parts = partsOf(chunks).map((p) => {
    if (p.kind !== 'CHUNK_KIND_HEADER') return p;
    const h = structuredClone(decodeHeader(p.payload)) as Record<string, unknown> & ContainerHeader__Output;
    change(h);
    return { ...p, payload: encodeHeader(h as never) };
  });
  return frame(parts);
}

const BATCH = messageType('PageBatch');

/** A page batch re-encoded after `change` edits its decoded form (index, data, zero). */
export function withBatch(payload: Uint8Array, change: (b: { index: number[]; data: Uint8Array; zero: number[] }) => void): Uint8Array {
  const b = decodeBatch(payload);
  const copy = { index: [...b.index], data: new Uint8Array(b.data), zero: [...b.zero] };
  change(copy);
  return BATCH.encode(BATCH.fromObject(copy)).finish();
}
