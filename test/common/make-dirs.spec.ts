/**
 * makeDirsSync: `mkdir -p` that always ends. Node's own recursive
 * mkdir spins for ever under /proc (mkdir answers ENOENT although the parent
 * exists); these fail at once there, and otherwise behave as `mkdir -p`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { makeDirsSync } from '../../src/common/make-dirs.ts';

const MODULE = fileURLToPath(new URL('../../src/common/make-dirs.ts', import.meta.url));
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code;
  }
  return undefined;
};

describe('makeDirsSync', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-mkdirs-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes every missing folder of a path, and takes one that is there', () => {
    makeDirsSync(path.join(dir, 'a', 'b', 'c'));
    expect(fs.statSync(path.join(dir, 'a', 'b', 'c')).isDirectory()).to.equal(true);
    makeDirsSync(path.join(dir, 'a', 'b'));
    makeDirsSync(path.join(dir, 'x', 'y'));
    makeDirsSync(path.join(dir, 'x', 'y'));
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['a', 'x']);
    // Relative paths resolve against the working folder, as mkdir -p does.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      makeDirsSync('rel/one');
    } finally {
      process.chdir(cwd);
    }
    expect(fs.statSync(path.join(dir, 'rel', 'one')).isDirectory()).to.equal(true);
  });

  it('refuses a file in the way (EEXIST) and a path under a file (ENOTDIR), making nothing', () => {
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, 'x');
    expect(code(() => makeDirsSync(file))).to.equal('EEXIST');
    expect(code(() => makeDirsSync(path.join(file, 'sub', 'deeper')))).to.equal('ENOTDIR');
    expect(code(() => makeDirsSync(path.join(file, 'sub')))).to.equal('ENOTDIR');
    expect(fs.readdirSync(dir)).to.deep.equal(['f']);
  });

  it('fails at once under /proc, where Node\'s recursive mkdir never returns (in a child with a time limit)', function () {
    if (!fs.existsSync('/proc/self')) this.skip();
    const script = `
      import { makeDirsSync } from ${JSON.stringify(MODULE)};
      const tryMake = (dir) => { try { makeDirsSync(dir); return 'made'; } catch (e) { return e.code; } };
      console.log(tryMake('/proc/migvisor-nope/a/b'), tryMake('/proc/migvisor-nope'));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error, 'it returned before the time limit').to.equal(undefined);
    expect(r.stdout.trim(), r.stderr).to.equal('ENOENT ENOENT');
  });
});
