/**
 * The MV object file written by `migvisor asm -o`: a magic "MVX1", a little-endian
 * u32 header length, a JSON header (word size, byte order, section bases, entry,
 * symbols), then the .text bytes and the .data bytes.
 */
import { InvalidArgumentError } from '../common/index.ts';
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

/** An MV object file as a program (`file` names it in errors). */
export function decodeObject(bytes: Uint8Array, file: string): Program {
  const buf = Buffer.from(bytes);
  if (!isObjectFile(buf)) throw new InvalidArgumentError(`${file}: not an MV object file (no MVX1 magic)`);
  const len = buf.readUInt32LE(4);
  let h: Header;
  try {
    h = JSON.parse(buf.subarray(8, 8 + len).toString('utf8')) as Header;
  } catch {
    throw new InvalidArgumentError(`${file}: corrupt object header`);
  }
  const start = 8 + len;
  if (buf.length !== start + h.textSize + h.dataSize) {
    throw new InvalidArgumentError(`${file}: object is ${buf.length} bytes, header announces ${start + h.textSize + h.dataSize}`);
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
