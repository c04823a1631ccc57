/**
 * fileProblem: why a file could not be read, in the words the CLI prints
 * ("cannot read FILE: ..."), for the failures of real calls: a missing file, a
 * folder, a file in the way of a folder, and files too large for Node to read
 * whole (as a buffer, as text).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { fileProblem } from '../../src/common/errors.ts';

const failure = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e: unknown) {
    return e;
  }
  expect.fail('the read succeeded');
};

describe('fileProblem', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-fileproblem-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names a missing file and a folder', () => {
    expect(fileProblem(failure(() => fs.readFileSync(path.join(dir, 'nothere'))))).to.equal('no such file');
    expect(fileProblem(failure(() => fs.readFileSync(dir)))).to.equal('is a folder');
  });

  it('says a file is in the way where a folder must be made, or a path goes through one', () => {
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, 'x');
    expect(fileProblem(failure(() => fs.mkdirSync(file)))).to.equal('a file is in the way');
    expect(fileProblem(failure(() => fs.mkdirSync(path.join(file, 'sub'))))).to.equal('a file is in the way');
  });

  it('says a file is larger than Node reads whole, as bytes (over 2 GiB) or as text (over 512 MiB), not V8\'s words', () => {
    // Sparse: the size is refused before a byte is read.
    const huge = path.join(dir, 'huge');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 3 * 2 ** 30);
    expect(fileProblem(failure(() => fs.readFileSync(huge)))).to.equal('larger than 2 GiB, more than any file migvisor reads');
    // As text, the bytes are read first (600 MiB of a sparse file), then refused as a string.
    const long = path.join(dir, 'long');
    fs.writeFileSync(long, '');
    fs.truncateSync(long, 600 * 2 ** 20);
    expect(fileProblem(failure(() => fs.readFileSync(long, 'utf8')))).to.equal('larger than 512 MiB, more than any text file migvisor reads');
  });
});
