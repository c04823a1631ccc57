/**
 * Saved containers: the magic "MVC1" followed by length-delimited Chunk messages,
 * exactly the stream a migration sends. Files are written atomically (temporary
 * file, fsync, rename), so a crash never leaves half a container under the name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import protobuf from 'protobufjs';
import { Code, describeError, fileProblem, messageType } from '../common/index.ts';
import { ContainerError } from './container-error.ts';
import { rawChunk, toWireChunk, type RawChunk } from './container-codec.ts';

/** The first bytes of a saved container. */
export const FILE_MAGIC = Buffer.from('MVC1', 'ascii');
const CHUNK = messageType('Chunk');

/** A chunk as a length-delimited protobuf message (the file format). */
export function encodeChunkDelimited(c: RawChunk): Uint8Array {
  return CHUNK.encodeDelimited(CHUNK.fromObject(toWireChunk(c))).finish();
}

/** Writes chunks to `file` atomically; returns the bytes written. */
export async function writeContainerFile(file: string, chunks: AsyncIterable<RawChunk>): Promise<number> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fh = await fs.promises.open(tmp, 'w');
  let bytes = 0;
  try {
    await fh.write(FILE_MAGIC);
    bytes += FILE_MAGIC.length;
    for await (const c of chunks) {
      const b = encodeChunkDelimited(c);
      await fh.write(b);
      bytes += b.length;
    }
    await fh.sync();
  } catch (e: unknown) {
    await fh.close();
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await fs.promises.rename(tmp, file);
  return bytes;
}

/** Reads a saved container's chunks (not yet verified: see ChunkVerifier). */
export async function* readContainerFile(file: string): AsyncGenerator<RawChunk> {
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(file);
  } catch (e: unknown) {
    throw new ContainerError(`cannot read ${file}: ${fileProblem(e)}`, Code.NOT_FOUND);
  }
  if (buf.length < FILE_MAGIC.length || !buf.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) {
    throw new ContainerError(`${file} is not a migvisor container (no MVC1 magic)`, Code.INVALID_ARGUMENT);
  }
  const reader = protobuf.Reader.create(buf.subarray(FILE_MAGIC.length));
  while (reader.pos < reader.len) {
    let c;
    try {
      c = CHUNK.toObject(CHUNK.decodeDelimited(reader), { enums: String, longs: Number, defaults: true });
    } catch (e: unknown) {
      throw new ContainerError(`${file} is truncated or corrupt at byte ${FILE_MAGIC.length + reader.pos}: ${describeError(e)}`);
    }
    yield rawChunk(c);
  }
}
