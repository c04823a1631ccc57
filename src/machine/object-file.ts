/**
 * The MV object file written by `migvisor asm -o`: a magic "MVX1", a little-endian
 * u32 header length, a JSON header (word size, byte order, section bases, entry,
 * symbols), then the .text bytes and the .data bytes.
 */
import { InvalidFileError } from '../common/index.ts';
import type { Program } from './assembler.ts';

const MAGIC = 'MVX1';

interface Header {
  word: 32 | 64;
  endian: 'little' | 'big';
  textBase: number;
  dataBase: number;
  entry: number;
  textSize: number;
  dataSize: number;
  symbols: Record<string, string>;
}

/** A program as an MV object file (MVX1). */
export function encodeObject(p: Program): Uint8Array {
  const header: Header = {
    word: p.word,
    endian: p.endian,
    textBase: p.textBase,
    dataBase: p.dataBase,
    entry: p.entry,
    textSize: p.text.length,
    dataSize: p.data.length,
    symbols: Object.fromEntries([...p.symbols].map(([k, v]) => [k, v.toString()])),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.alloc(8);
  head.write(MAGIC, 0, 'ascii');
  head.writeUInt32LE(json.length, 4);
  return Buffer.concat([head, json, p.text, p.data]);
}

/** Whether bytes start like an MV object file. */
export function isObjectFile(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 4)).toString('ascii') === MAGIC;
}

/** Limits of an object file (README, "Limits"): the JSON header and the two sections. */
export const OBJECT_LIMITS = {
  /** Bytes of the JSON header. */
  maxHeaderBytes: 1 << 20,
  /** Bytes of .text plus .data (a partition region is far smaller). */
  maxSectionBytes: 16 << 20,
  /** Symbols in the header. */
  maxSymbols: 65_536,
} as const;

const isAddress = (v: unknown, word: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 2 ** word;

/** The header's fields, each checked; throws InvalidFileError naming the first bad one. */
function checkHeader(h: unknown, file: string): Header {
  const bad = (what: string): never => {
    throw new InvalidFileError(`${file}: object header: ${what}`);
  };
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return bad('not a JSON object');
  const o = h as Record<string, unknown>;
  if (o['word'] !== 32 && o['word'] !== 64) bad(`word ${JSON.stringify(o['word'])} is not 32 or 64`);
  const word = o['word'] as 32 | 64;
  if (o['endian'] !== 'little' && o['endian'] !== 'big') bad(`endian ${JSON.stringify(o['endian'])} is not little or big`);
  for (const k of ['textBase', 'dataBase', 'entry'] as const) if (!isAddress(o[k], word)) bad(`${k} ${JSON.stringify(o[k])} is not a ${word}-bit address`);
  for (const k of ['textSize', 'dataSize'] as const) {
    if (!isAddress(o[k], 32) || (o[k] as number) > OBJECT_LIMITS.maxSectionBytes) bad(`${k} ${JSON.stringify(o[k])} is not a size up to ${OBJECT_LIMITS.maxSectionBytes} bytes`);
  }
  const symbols = o['symbols'] ?? {};
  if (typeof symbols !== 'object' || symbols === null || Array.isArray(symbols)) bad('symbols is not an object');
  const entries = Object.entries(symbols as Record<string, unknown>);
  if (entries.length > OBJECT_LIMITS.maxSymbols) bad(`${entries.length} symbols (limit ${OBJECT_LIMITS.maxSymbols})`);
  for (const [k, v] of entries) if (typeof v !== 'string' || !/^-?[0-9]{1,20}$/.test(v)) bad(`symbol ${JSON.stringify(k)} has no integer value`);
  return { ...(o as unknown as Header), symbols: symbols as Record<string, string> };
}

/**
 * An MV object file as a program (`file` names it in errors). Every field is
 * checked: a truncated or damaged file is an InvalidFileError naming what is
 * wrong, never a RangeError.
 */
export function decodeObject(bytes: Uint8Array, file: string): Program {
  const buf = Buffer.from(bytes);
  if (!isObjectFile(buf)) throw new InvalidFileError(`${file}: not an MV object file (no MVX1 magic)`);
  if (buf.length < 8) throw new InvalidFileError(`${file}: object is ${buf.length} bytes, too short for its header length`);
  const len = buf.readUInt32LE(4);
  if (len > OBJECT_LIMITS.maxHeaderBytes) throw new InvalidFileError(`${file}: object header of ${len} bytes (limit ${OBJECT_LIMITS.maxHeaderBytes})`);
  if (8 + len > buf.length) throw new InvalidFileError(`${file}: object is ${buf.length} bytes, its header alone announces ${8 + len}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.subarray(8, 8 + len).toString('utf8'));
  } catch {
    throw new InvalidFileError(`${file}: corrupt object header`);
  }
  const h = checkHeader(parsed, file);
  const start = 8 + len;
  if (buf.length !== start + h.textSize + h.dataSize) {
    throw new InvalidFileError(`${file}: object is ${buf.length} bytes, header announces ${start + h.textSize + h.dataSize}`);
  }
  return {
    word: h.word,
    endian: h.endian,
    textBase: h.textBase,
    dataBase: h.dataBase,
    entry: h.entry,
    text: new Uint8Array(buf.subarray(start, start + h.textSize)),
    data: new Uint8Array(buf.subarray(start + h.textSize)),
    symbols: new Map(Object.entries(h.symbols).map(([k, v]) => [k, BigInt(v)])),
    lines: new Map(),
  };
}
