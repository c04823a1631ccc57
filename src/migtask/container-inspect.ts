/**
 * Decodes a container for people, like CRIU's crit: header, source, fingerprint,
 * travelers with registers, the page map per region, sizes, and whether every
 * checksum verifies. Whether it is valid is decided by the same verifier every
 * sink uses (ChunkVerifier and container-rules.ts), so inspect accepts exactly
 * what load accepts; beyond the verifier's first problem it lists what else it
 * finds on the way (it does not stop at the first).
 */
import { createHash } from 'node:crypto';
import { describeError, endianFromWire } from '../common/index.ts';
import { Pte } from '../partition/index.ts';
import { ChunkVerifier, decodeBatch, decodeHeader, decodeTrailer, decompress, sha256, type RawChunk } from './container-codec.ts';
import { settingsFromWire } from './compatibility.ts';
import type { TravelerState__Output } from '../generated/migvisor/v1/TravelerState.ts';
import { CONTAINER_MODE_WIRE, TRAVELER_STATUS_WIRE, WAIT_KIND_WIRE } from './wire-enums.ts';
import { PAGE_ZERO } from './page-map.ts';
import type { ContainerHeader__Output } from './container-snapshot.ts';

/** One region of the page map, counted. */
export interface RegionMap {
  readonly name: string;
  readonly vaddr: string;
  readonly pages: number;
  readonly present: number;
  readonly zero: number;
  readonly sent: number;
  readonly dirty: number;
}

/** Everything inspect says of a container. */
export interface InspectReport {
  readonly header: {
    readonly formatVersion: number;
    readonly migrationId: string;
    readonly taskId: string;
    readonly program: string;
    readonly sourceNode: string;
    readonly partition: string;
    readonly fingerprint: string;
    readonly wordSize: number;
    readonly endian: string;
    readonly pageSize: number;
    readonly pageCount: number;
    readonly mode: string;
    readonly paused: boolean;
    readonly sourceTick: number;
    readonly created: string;
    readonly gateMessages: number;
  } | null;
  readonly travelers: {
    readonly id: number;
    readonly status: string;
    readonly pc: string;
    readonly sp: string;
    readonly flags: string;
    readonly priority: number;
    readonly instructions: number;
    readonly registers: string[];
    readonly wait: string;
    readonly closedHandles: number[];
  }[];
  readonly regions: RegionMap[];
  readonly sizes: { readonly chunks: number; readonly payloadBytes: number; readonly pageBytes: number; readonly pagesSent: number; readonly memoryBytes: number };
  readonly compression: Record<string, number>;
  readonly checksums: { readonly chunksOk: number; readonly chunksBad: number; readonly container: 'ok' | 'mismatch' | 'missing' };
  readonly valid: boolean;
  readonly problems: string[];
}

/** A time in ms since the epoch as ISO 8601, or a plain note when it cannot be one. */
function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString() : `invalid (${ms} ms since the epoch)`;
}

function waitText(w: TravelerState__Output['wait']): string {
  if (!w) return '';
  const kind = WAIT_KIND_WIRE.fromWire(w.kind) ?? String(w.kind);
  return `${kind}${kind === 'sleep' ? ` ${w.until} ticks` : w.gate ? ` ${w.gate}` : ''}`;
}

const hex = (v: bigint | number | undefined | null, width = 0): string => {
  const n = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : 0n;
  return `0x${BigInt.asUintN(64, n).toString(16).padStart(width, '0')}`;
};

function regionMaps(h: ContainerHeader__Output, sent: Set<number>): RegionMap[] {
  const settings = settingsFromWire(h.settings);
  const flags = h.pageFlags;
  const regions = settings?.regions ?? [{ name: '(all)', vaddr: 0, size: h.pageCount * h.pageSize, rights: '' }];
  let first = 0;
  return regions.map((r) => {
    const pages = h.pageSize > 0 && Number.isSafeInteger(r.size) ? Math.floor(r.size / h.pageSize) : 0;
    let present = 0;
    let zero = 0;
    let dirty = 0;
    let sentHere = 0;
    for (let p = first; p < first + pages && p < flags.length; p++) {
      const f = flags[p]!;
      if (f & Pte.PRESENT) present++;
      if (f & PAGE_ZERO) zero++;
      if (f & Pte.DIRTY) dirty++;
      if (sent.has(p)) sentHere++;
    }
    first += pages;
    return { name: r.name, vaddr: hex(r.vaddr), pages, present, zero, sent: sentHere, dirty };
  });
}

/** Decodes and checks a container, listing every problem (it does not stop at the first). */
export async function inspectContainer(chunks: AsyncIterable<RawChunk>): Promise<InspectReport> {
  const problems: string[] = [];
  const digest = createHash('sha256');
  let header: ContainerHeader__Output | undefined;
  let chunksOk = 0;
  let chunksBad = 0;
  let payloadBytes = 0;
  let pageBytes = 0;
  let container: 'ok' | 'mismatch' | 'missing' = 'missing';
  let expectSeq = 0;
  const sent = new Set<number>();
  const compression: Record<string, number> = {};
  let count = 0;
  // The verdict: the first problem of the verifier every sink runs (undefined: valid).
  const verifier = new ChunkVerifier();
  let verdict: string | undefined;
  const verify = async (step: () => unknown): Promise<void> => {
    if (verdict !== undefined) return;
    try {
      await step();
    } catch (e: unknown) {
      verdict = describeError(e);
    }
  };
  try {
    for await (const c of chunks) {
      count++;
      await verify(async () => {
        if (verifier.accept(c).kind === 'pages') await verifier.backpressure();
      });
      payloadBytes += c.payload.length;
      if (c.seq !== expectSeq) problems.push(`chunk ${c.seq}: out of order (expected ${expectSeq})`);
      expectSeq = c.seq + 1;
      const hash = sha256(c.payload);
      const before = digest.copy().digest();
      digest.update(hash);
      if (hash.equals(Buffer.from(c.sha256))) chunksOk++;
      else {
        chunksBad++;
        problems.push(`chunk ${c.seq} (${c.kind.replace('CHUNK_KIND_', '').toLowerCase()}): SHA-256 mismatch`);
        continue;
      }
      try {
        if (c.kind === 'CHUNK_KIND_HEADER') header = decodeHeader(c.payload);
        else if (c.kind === 'CHUNK_KIND_PAGES') {
          const codec = c.compression ?? 'none';
          compression[codec] = (compression[codec] ?? 0) + 1;
          const batch = decodeBatch(await decompress(c.payload, codec, 256 << 20));
          pageBytes += batch.data.length;
          for (const i of batch.index) sent.add(i);
        } else if (c.kind === 'CHUNK_KIND_TRAILER') {
          const t = decodeTrailer(c.payload);
          container = before.equals(Buffer.from(t.containerSha256)) ? 'ok' : 'mismatch';
          if (container === 'mismatch') problems.push('container digest does not match the chunks');
          if (t.pages !== sent.size) problems.push(`trailer counts ${t.pages} pages, the chunks hold ${sent.size}`);
        } else problems.push(`chunk ${c.seq}: unknown kind ${c.kind}`);
      } catch (e: unknown) {
        problems.push(`chunk ${c.seq}: ${describeError(e)}`);
      }
    }
    await verify(() => verifier.finish());
  } catch (e: unknown) {
    problems.push(describeError(e));
    verdict ??= describeError(e);
  }
  if (!header) problems.push('no readable header');
  if (container === 'missing') problems.push('no trailer: the container is incomplete');
  // Valid exactly when the verifier accepts it; its problem comes first, then whatever else was seen.
  const listed = verdict === undefined ? [] : [verdict, ...problems.filter((p) => !p.endsWith(verdict!) && !verdict!.endsWith(p))];
  const word = header?.wordSize ?? 32;
  return {
    header: header
      ? {
          formatVersion: header.formatVersion,
          migrationId: header.migrationId,
          taskId: header.taskId,
          program: header.program,
          sourceNode: header.sourceNode,
          partition: header.partition,
          fingerprint: header.fingerprint,
          wordSize: header.wordSize,
          endian: endianFromWire(header.endian),
          pageSize: header.pageSize,
          pageCount: header.pageCount,
          mode: CONTAINER_MODE_WIRE.fromWire(header.mode) ?? String(header.mode),
          paused: header.paused,
          sourceTick: header.sourceTick,
          created: isoTime(header.createdUnixMs),
          gateMessages: header.gates.reduce((n, g) => n + g.messages.length, 0),
        }
      : null,
    travelers: (header?.travelers ?? []).map((t) => {
      const regs = Buffer.from(t.registers);
      const registers = Array.from({ length: Math.floor(regs.length / 8) }, (_, i) => {
        const v = regs.readBigInt64LE(i * 8);
        return word === 32 ? hex(BigInt.asUintN(32, v), 8) : hex(v, 16);
      });
      const flag = (bit: number, c: string): string => (t.flags & bit ? c : '-');
      return {
        id: t.id,
        status: TRAVELER_STATUS_WIRE.fromWire(t.status) ?? String(t.status),
        pc: hex(t.pc),
        sp: registers[15] ?? '',
        flags: `${flag(8, 'N')}${flag(4, 'Z')}${flag(2, 'C')}${flag(1, 'V')}`,
        priority: t.priority,
        instructions: t.instructions,
        registers,
        wait: waitText(t.wait),
        closedHandles: t.closedHandles,
      };
    }),
    regions: header ? regionMaps(header, sent) : [],
    sizes: { chunks: count, payloadBytes, pageBytes, pagesSent: sent.size, memoryBytes: header ? header.pageCount * header.pageSize : 0 },
    compression,
    checksums: { chunksOk, chunksBad, container },
    valid: verdict === undefined,
    problems: listed,
  };
}
