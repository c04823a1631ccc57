/**
 * Writing a container file: atomic (the name holds the old file or the whole new
 * one), nothing left behind when the chunks, the check before the rename or the
 * target fail, and targets that must never be replaced refused by name.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { containerTargetProblem, readContainerFile, writeContainerFile, type RawChunk } from '../../src/migtask/index.ts';

const chunk = (seq: number): RawChunk => ({ seq, kind: 'CHUNK_KIND_PAGES', compression: 'none', payload: Buffer.alloc(100, seq), sha256: Buffer.alloc(32) });

async function* chunks(n: number, failAt = -1): AsyncGenerator<RawChunk> {
  for (let i = 0; i < n; i++) {
    if (i === failAt) throw new Error('the stream broke');
    yield chunk(i);
  }
}

async function seqs(file: string): Promise<number[]> {
  const out: number[] = [];
  for await (const c of readContainerFile(file)) out.push(c.seq);
  return out;
}

describe('writeContainerFile', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-cf-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes every chunk under the name and leaves no temporary file', async () => {
    const file = path.join(dir, 'a.mvc');
    const bytes = await writeContainerFile(file, chunks(3));
    expect(fs.statSync(file).size).to.equal(bytes);
    expect(await seqs(file)).to.deep.equal([0, 1, 2]);
    expect(fs.readdirSync(dir)).to.deep.equal(['a.mvc']);
  });

  it('a stream that breaks keeps the old file whole and removes the temporary one; the error is the stream\'s', async () => {
    const file = path.join(dir, 'a.mvc');
    await writeContainerFile(file, chunks(2));
    let error: unknown;
    await writeContainerFile(file, chunks(5, 3)).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal('the stream broke');
    expect(await seqs(file)).to.deep.equal([0, 1]);
    expect(fs.readdirSync(dir)).to.deep.equal(['a.mvc']);
  });

  it('a check before the rename that throws keeps the name untouched and sees the whole temporary file', async () => {
    const file = path.join(dir, 'a.mvc');
    let seen: number[] = [];
    let error: unknown;
    await writeContainerFile(file, chunks(4), async (tmp) => {
      seen = await seqs(tmp);
      throw new Error('does not verify');
    }).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal('does not verify');
    expect(seen).to.deep.equal([0, 1, 2, 3]);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('refuses a missing folder, a folder, a path through a file and a device by name, before reading a chunk', async () => {
    fs.writeFileSync(path.join(dir, 'plain'), 'x');
    const cases: [string, string][] = [
      [path.join(dir, 'no', 'a.mvc'), `its folder ${path.join(dir, 'no')}: no such file`],
      [dir, 'it is a folder'],
      [path.join(dir, 'plain', 'a.mvc'), `${path.join(dir, 'plain')} is not a folder`],
      ['/dev/null', 'it is not a regular file'],
    ];
    for (const [target, text] of cases) {
      expect(containerTargetProblem(target)).to.contain(`cannot write ${target}: ${text}`);
      let pulled = 0;
      const source = (async function* () {
        pulled++;
        yield chunk(0);
      })();
      const error = await writeContainerFile(target, source).then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).to.contain(`cannot write ${target}: ${text}`);
      expect(pulled, 'no chunk was asked for').to.equal(0);
    }
    expect(fs.statSync('/dev/null').isCharacterDevice()).to.equal(true);
    expect(containerTargetProblem(path.join(dir, 'plain'))).to.equal(undefined);
  });
});
