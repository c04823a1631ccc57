/**
 * Saved containers: the magic "MVC1" followed by length-delimited Chunk messages,
 * exactly the stream a migration sends. Files are written atomically (temporary
 * file, fsync, rename), so a crash never leaves half a container under the name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import protobuf from 'protobufjs';
import { Code, describeError, fileProblem, messageType, MigvisorError } from '../common/index.ts';
import { ContainerError } from './container-error.ts';
import { rawChunk, toWireChunk, type RawChunk } from './container-codec.ts';

/** The first bytes of a saved container. */
export const FILE_MAGIC = Buffer.from('MVC1', 'ascii');
const CHUNK = messageType('Chunk');

/** A chunk as a length-delimited protobuf message (the file format). */
export function encodeChunkDelimited(c: RawChunk): Uint8Array {
  return CHUNK.encodeDelimited(CHUNK.fromObject(toWireChunk(c))).finish();
}

/**
 * Why `file` cannot take a container, or undefined when it can: its folder must
 * exist, and what is already there must be a regular file (a folder, a device or
 * a socket is never replaced). Checked before a save stops anything.
 */
export function containerTargetProblem(file: string): string | undefined {
  const dir = path.dirname(path.resolve(file));
  try {
    if (!fs.statSync(dir).isDirectory()) return `cannot write ${file}: ${dir} is not a folder`;
  } catch (e: unknown) {
    return `cannot write ${file}: its folder ${dir}: ${fileProblem(e)}`;
  }
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) return `cannot write ${file}: it is a folder`;
    if (!st.isFile()) return `cannot write ${file}: it is not a regular file (a device, a pipe or a socket is never replaced)`;
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot write ${file}: ${fileProblem(e)}`;
  }
  return undefined;
}

/** A failed file operation as one line naming the file; other errors (the chunks' own) pass unchanged. */
function writeFailure(file: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !(e instanceof Error) || !('syscall' in e)) return e;
  return new MigvisorError(`cannot write ${file}: ${fileProblem(e)}`, Code.FAILED_PRECONDITION, { cause: e });
}

/**
 * Writes chunks to `file` atomically; returns the bytes written. `beforeRename`
 * sees the whole temporary file before it takes the name (a throw keeps the old
 * file). Nothing is left behind on a failure.
 */
export async function writeContainerFile(file: string, chunks: AsyncIterable<RawChunk>, beforeRename?: (tmp: string) => Promise<void>): Promise<number> {
  const problem = containerTargetProblem(file);
  if (problem) throw new MigvisorError(problem, Code.FAILED_PRECONDITION);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(tmp, 'w');
  } catch (e: unknown) {
    throw writeFailure(file, e);
  }
  let bytes = 0;
  try {
    try {
      await fh.write(FILE_MAGIC);
      bytes += FILE_MAGIC.length;
      for await (const c of chunks) {
        const b = encodeChunkDelimited(c);
        await fh.write(b);
        bytes += b.length;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await beforeRename?.(tmp);
    await fs.promises.rename(tmp, file);
  } catch (e: unknown) {
    await fs.promises.rm(tmp, { force: true });
    throw writeFailure(file, e);
  }
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
      // protobufjs says "index out of range: 12 + 4096 > 200" for a chunk cut short: say it in words.
      const why = /index out of range/.test(describeError(e)) ? 'a chunk runs past the end of the file' : `not a chunk (${describeError(e)})`;
      throw new ContainerError(`${file} is truncated or corrupt at byte ${FILE_MAGIC.length + reader.pos}: ${why}`);
    }
    yield rawChunk(c);
  }
}
