/**
 * Tampering with the HTTP/2 bytes of one direction of one TCP connection, the
 * faults a link injects into gRPC traffic without breaking the session:
 *
 * - corrupt the next N payload bytes of DATA frames (each byte XOR 0xff), never a
 *   frame header, a pad length or padding: the session goes on and the
 *   application reads changed bytes;
 * - corrupt one byte in the middle of the next DATA frame whose data is at least
 *   {@link CHUNK_FRAME_BYTES} (a migration chunk, whose SHA-256 the sink checks);
 * - find where the next non-empty DATA frame starts, so the relay can hold the
 *   bytes from there on (a delayed message; an empty DATA frame only ends a stream).
 *
 * {@link Http2FrameTracker} follows the frames incrementally: a frame header, the
 * client's preface or a pad length may be split across reads at any point. The
 * client→server direction starts with the 24-byte preface; both directions then
 * start with a SETTINGS frame. A stream that does not is not HTTP/2, and the
 * tracker leaves it alone from then on.
 *
 * The armed faults live in a {@link TamperFaults} shared by every connection of
 * one direction of a link: the first connection to carry a DATA byte takes it.
 */

/** What the client sends first on an HTTP/2 connection with prior knowledge (RFC 9113, 3.4). */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** Size of an HTTP/2 frame header. */
export const FRAME_HEADER_BYTES = 9;
/** The least data a DATA frame carries for a `chunk` corruption to pick it. */
export const CHUNK_FRAME_BYTES = 1024;

const TYPE_DATA = 0x0;
const TYPE_SETTINGS = 0x4;
const FLAG_PADDED = 0x8;

/** Which end of the connection writes the bytes a tracker sees: the client starts with the preface. */
export type Http2Side = 'client' | 'server';

/** Faults armed on one direction of a link, taken by the first DATA bytes of any of its connections. */
export class TamperFaults {
  /** DATA payload bytes still to corrupt. */
  corruptBytes = 0;
  /** Whether the next DATA frame of at least {@link CHUNK_FRAME_BYTES} gets one byte corrupted in its middle. */
  chunk = false;
  /** The extra hold of the next DATA frame, ms; undefined: none armed. */
  delayMs: number | undefined = undefined;
}

/** What one read did, besides changing bytes of it in place. */
export interface TamperResult {
  /** Bytes of the read changed. */
  readonly corrupted: number;
  /** A delay taken: hold the stream from `offset` (counted from the stream's first byte; the start of a DATA frame header) for `ms`. */
  readonly delay?: { readonly offset: number; readonly ms: number };
}

type Phase = 'preface' | 'header' | 'payload' | 'opaque';

/** Follows the HTTP/2 frames of one direction of a connection and applies armed faults; see the file comment. */
export class Http2FrameTracker {
  private phase: Phase;
  /** Bytes of the stream seen so far. */
  private offset = 0;
  private prefaceSeen = 0;
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFill = 0;
  private firstFrame = true;
  // The frame being read:
  private frameLength = 0;
  private isData = false;
  private padded = false;
  /** Payload bytes of the frame read so far. */
  private payloadPos = 0;
  /** Where the frame's data lies within its payload: [dataStart, dataEnd). */
  private dataStart = 0;
  private dataEnd = 0;
  /** Payload position of the byte a chunk corruption flips; -1: none. */
  private chunkTarget = -1;

  /** A tracker for the bytes `side` writes. */
  constructor(side: Http2Side) {
    this.phase = side === 'client' ? 'preface' : 'header';
  }

  /** Whether the stream turned out not to be HTTP/2 (the tracker no longer looks at it). */
  get opaque(): boolean {
    return this.phase === 'opaque';
  }

  /** Reads `chunk`, the stream's next bytes, and changes bytes of it in place as `faults` ask. */
  feed(chunk: Buffer, faults: TamperFaults): TamperResult {
    let corrupted = 0;
    let delay: { offset: number; ms: number } | undefined;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.phase) {
        case 'opaque':
          i = n;
          break;
        case 'preface': {
          const take = Math.min(n - i, HTTP2_PREFACE.length - this.prefaceSeen);
          if (chunk.compare(HTTP2_PREFACE, this.prefaceSeen, this.prefaceSeen + take, i, i + take) !== 0) {
            this.phase = 'opaque';
            break;
          }
          i += take;
          this.prefaceSeen += take;
          if (this.prefaceSeen === HTTP2_PREFACE.length) this.phase = 'header';
          break;
        }
        case 'header': {
          const take = Math.min(n - i, FRAME_HEADER_BYTES - this.headerFill);
          chunk.copy(this.header, this.headerFill, i, i + take);
          this.headerFill += take;
          i += take;
          if (this.headerFill < FRAME_HEADER_BYTES) break;
          this.headerFill = 0;
          const frameStart = this.offset + i - FRAME_HEADER_BYTES;
          if (!this.startFrame()) break;
          if (this.isData && this.frameLength > 0 && faults.delayMs !== undefined && delay === undefined) {
            delay = { offset: frameStart, ms: faults.delayMs };
            faults.delayMs = undefined;
          }
          if (this.isData && !this.padded) this.pickChunkTarget(faults);
          if (this.frameLength === 0) this.phase = 'header';
          break;
        }
        case 'payload': {
          const take = Math.min(n - i, this.frameLength - this.payloadPos);
          if (this.isData) corrupted += this.tamper(chunk, i, take, faults);
          i += take;
          this.payloadPos += take;
          if (this.payloadPos === this.frameLength) this.phase = 'header';
          break;
        }
      }
    }
    this.offset += n;
    return delay === undefined ? { corrupted } : { corrupted, delay };
  }

  /** Reads the complete frame header; false if the stream is not HTTP/2 after all. */
  private startFrame(): boolean {
    const h = this.header;
    const type = h[3]!;
    if (this.firstFrame) {
      this.firstFrame = false;
      if (type !== TYPE_SETTINGS || (h.readUInt32BE(5) & 0x7fffffff) !== 0) {
        this.phase = 'opaque';
        return false;
      }
    }
    this.frameLength = h.readUIntBE(0, 3);
    this.isData = type === TYPE_DATA;
    this.padded = this.isData && (h[4]! & FLAG_PADDED) !== 0;
    this.payloadPos = 0;
    this.dataStart = this.padded ? 1 : 0;
    // A padded frame's data end is known once its pad length byte is read.
    this.dataEnd = this.padded ? 1 : this.frameLength;
    this.chunkTarget = -1;
    this.phase = 'payload';
    return true;
  }

  private pickChunkTarget(faults: TamperFaults): void {
    const dataLength = this.dataEnd - this.dataStart;
    if (faults.chunk && dataLength >= CHUNK_FRAME_BYTES) {
      this.chunkTarget = this.dataStart + Math.floor(dataLength / 2);
      faults.chunk = false;
    }
  }

  /** Applies the faults to payload bytes [payloadPos, payloadPos + take) of a DATA frame, found at chunk[at...]; returns bytes changed. */
  private tamper(chunk: Buffer, at: number, take: number, faults: TamperFaults): number {
    if (take === 0) return 0;
    if (this.padded && this.payloadPos === 0) {
      const padLength = chunk[at]!;
      // A pad length beyond the frame is a protocol error the receiver reports; there is no data to touch.
      this.dataEnd = Math.max(1, this.frameLength - padLength);
      this.pickChunkTarget(faults);
    }
    if (faults.corruptBytes === 0 && this.chunkTarget < 0) return 0;
    const from = Math.max(this.payloadPos, this.dataStart);
    const to = Math.min(this.payloadPos + take, this.dataEnd);
    if (from >= to) return 0;
    let changed = 0;
    const budget = Math.min(faults.corruptBytes, to - from);
    for (let p = from; p < from + budget; p++) chunk[at + p - this.payloadPos]! ^= 0xff;
    faults.corruptBytes -= budget;
    changed += budget;
    if (this.chunkTarget >= from && this.chunkTarget < to) {
      // A byte the budget flipped already stays flipped (flipping twice would undo it).
      if (this.chunkTarget >= from + budget) {
        chunk[at + this.chunkTarget - this.payloadPos]! ^= 0xff;
        changed++;
      }
      this.chunkTarget = -1;
    }
    return changed;
  }
}
