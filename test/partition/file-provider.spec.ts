import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { OpenFlag, SysError } from '../../src/partition/sys-error.ts';
import { FileProvider, HandleTable, MAX_HANDLES, parseFileRights, SysCallError } from '../../src/partition/index.ts';

const { O_READ, O_WRITE, O_CREATE, O_TRUNC, O_APPEND } = OpenFlag;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** The errno of the SysCallError `fn` throws. */
function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof SysCallError) return e.errno;
    throw e;
  }
  throw new Error('expected a SysCallError, but the call succeeded');
}

describe('FileProvider', () => {
  let base: string;
  let root: string;
  let outside: string;
  let rw: FileProvider;

  before(() => {
    base = mkdtempSync(join(tmpdir(), 'migvisor-fp-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'top secret');
    rw = new FileProvider('logs', root, parseFileRights('rw'));
    writeFileSync(join(root, 'inside.txt'), 'inside');
    mkdirSync(join(root, 'sub'));
    symlinkSync(join(outside, 'secret.txt'), join(root, 'file-link'));
    symlinkSync(outside, join(root, 'dir-link'));
    symlinkSync(join(outside, 'not-yet.txt'), join(root, 'dangling-link'));
    symlinkSync(outside, join(root, 'sub', 'deep-link'));
  });

  after(() => {
    rmSync(base, { recursive: true, force: true });
  });

  it('creates its host folder when it does not exist', () => {
    expect(existsSync(root)).to.equal(true);
  });

  describe('the sandbox', () => {
    for (const [what, path] of [
      ['a parent reference', '../x'],
      ['an absolute path', '/etc/passwd'],
      ['a parent reference in the middle', 'a/../../x'],
      ['a harmless-looking parent reference', 'sub/../inside.txt'],
      ['a backslash parent reference', 'sub\\..\\..\\x'],
      ['a file symlink pointing outside', 'file-link'],
      ['a path through a directory symlink pointing outside', 'dir-link/secret.txt'],
      ['a new file under a directory symlink pointing outside', 'dir-link/new.txt'],
      ['a nested directory symlink pointing outside', 'sub/deep-link/secret.txt'],
    ] as const) {
      it(`refuses ${what} (${path}) with E_ESCAPE`, () => {
        expect(errnoOf(() => rw.open(path, O_READ))).to.equal(SysError.E_ESCAPE);
      });
    }

    it('refuses to create a file through a dangling symlink that points outside, and creates nothing', () => {
      expect(errnoOf(() => rw.open('dangling-link', O_WRITE | O_CREATE))).to.equal(SysError.E_ESCAPE);
      expect(existsSync(join(outside, 'not-yet.txt'))).to.equal(false);
    });

    it('refuses writes through escaping paths too, leaving the outside file untouched', () => {
      expect(errnoOf(() => rw.open('file-link', O_WRITE | O_TRUNC))).to.equal(SysError.E_ESCAPE);
      expect(errnoOf(() => rw.open('dir-link/secret.txt', O_WRITE | O_TRUNC))).to.equal(SysError.E_ESCAPE);
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).to.equal('top secret');
    });

    it('says which provider the path tried to leave', () => {
      expect(() => rw.open('../x', O_READ)).to.throw(SysCallError, /logs/);
    });

    it('refuses an empty path with E_INVAL', () => {
      expect(errnoOf(() => rw.open('', O_READ))).to.equal(SysError.E_INVAL);
    });
  });

  describe('files', () => {
    it('round-trips create, write and read, and the file really exists in the host folder', () => {
      const w = rw.open('sub/note.txt', O_WRITE | O_CREATE | O_TRUNC);
      expect(w.write(enc.encode('hello'))).to.equal(5);
      w.close();
      expect(readFileSync(join(root, 'sub', 'note.txt'), 'utf8')).to.equal('hello');
      const r = rw.open('sub/note.txt', O_READ);
      expect(dec.decode(r.read(100))).to.equal('hello');
      expect(r.read(100).length).to.equal(0);
      r.close();
    });

    it('reads sequentially in pieces', () => {
      const r = rw.open('inside.txt', O_READ);
      expect(dec.decode(r.read(2))).to.equal('in');
      expect(dec.decode(r.read(10))).to.equal('side');
      r.close();
    });

    it('appends with O_APPEND and truncates with O_TRUNC', () => {
      writeFileSync(join(root, 'log.txt'), 'a');
      const a = rw.open('log.txt', O_WRITE | O_APPEND);
      a.write(enc.encode('b'));
      a.close();
      expect(readFileSync(join(root, 'log.txt'), 'utf8')).to.equal('ab');
      const t = rw.open('log.txt', O_WRITE | O_TRUNC);
      t.write(enc.encode('c'));
      t.close();
      expect(readFileSync(join(root, 'log.txt'), 'utf8')).to.equal('c');
    });

    it('reports a missing file as E_NOENT', () => {
      expect(errnoOf(() => rw.open('missing.txt', O_READ))).to.equal(SysError.E_NOENT);
      expect(errnoOf(() => rw.open('no-dir/file.txt', O_WRITE | O_CREATE))).to.equal(SysError.E_NOENT);
    });
  });

  describe('rights', () => {
    it('a read-only provider refuses write, create, truncate and append with E_PERM, but reads', () => {
      const ro = new FileProvider('docs', root, parseFileRights('r'));
      for (const flags of [O_WRITE, O_WRITE | O_CREATE, O_CREATE, O_TRUNC, O_APPEND, O_READ | O_WRITE]) {
        expect(errnoOf(() => ro.open('inside.txt', flags)), `flags ${flags}`).to.equal(SysError.E_PERM);
      }
      expect(errnoOf(() => ro.open('created-by-ro.txt', O_WRITE | O_CREATE))).to.equal(SysError.E_PERM);
      expect(existsSync(join(root, 'created-by-ro.txt'))).to.equal(false);
      const f = ro.open('inside.txt', O_READ);
      expect(dec.decode(f.read(6))).to.equal('inside');
      f.close();
    });

    it('a write-only provider refuses reads with E_PERM', () => {
      const wo = new FileProvider('drop', root, parseFileRights('w'));
      expect(errnoOf(() => wo.open('inside.txt', O_READ))).to.equal(SysError.E_PERM);
      wo.open('drop.txt', O_WRITE | O_CREATE).close();
      expect(existsSync(join(root, 'drop.txt'))).to.equal(true);
    });
  });
});

describe('HandleTable', () => {
  let dir: string;
  let provider: FileProvider;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'migvisor-ht-'));
    provider = new FileProvider('files', dir, parseFileRights('rw'));
    writeFileSync(join(dir, 'a.txt'), 'a');
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const open = () => provider.open('a.txt', O_READ);

  it('numbers handles from 3 upwards and reuses the lowest free number', () => {
    const t = new HandleTable();
    expect([t.add(open()), t.add(open()), t.add(open())]).to.deep.equal([3, 4, 5]);
    t.close(4);
    expect(t.add(open())).to.equal(4);
    t.closeAll();
  });

  it('gives E_BADF for a handle that was never opened or is already closed', () => {
    const t = new HandleTable();
    expect(errnoOf(() => t.get(3))).to.equal(SysError.E_BADF);
    const h = t.add(open());
    t.close(h);
    expect(errnoOf(() => t.get(h))).to.equal(SysError.E_BADF);
    expect(errnoOf(() => t.close(h))).to.equal(SysError.E_BADF);
  });

  it(`refuses more than MAX_HANDLES (${MAX_HANDLES}) open handles with E_MFILE`, () => {
    const t = new HandleTable();
    for (let i = 0; i < MAX_HANDLES; i++) t.add(open());
    expect(errnoOf(() => t.add(open()))).to.equal(SysError.E_MFILE);
    expect(t.describe().open).to.have.length(MAX_HANDLES);
    t.close(3);
    expect(t.add(open())).to.equal(3);
    t.closeAll();
  });

  it('after closeForMigration, using a handle gives E_CLOSED, distinct from E_BADF', () => {
    const t = new HandleTable();
    const h = t.add(open());
    expect(t.closeForMigration()).to.deep.equal([h]);
    expect(errnoOf(() => t.get(h))).to.equal(SysError.E_CLOSED);
    expect(SysError.E_CLOSED).to.not.equal(SysError.E_BADF);
    expect(errnoOf(() => t.get(h + 1))).to.equal(SysError.E_BADF);
    expect(t.describe()).to.deep.equal({ open: [], closedByMigration: [h] });
  });

  it('does not hand out a number closed by migration to a new open', () => {
    const t = new HandleTable();
    const h = t.add(open());
    t.closeForMigration();
    const again = t.add(open());
    expect(again).to.not.equal(h);
    expect(errnoOf(() => t.get(h))).to.equal(SysError.E_CLOSED);
    t.closeAll();
  });

  it('closing a handle closed by migration reports E_CLOSED once, then frees the number', () => {
    const t = new HandleTable();
    const h = t.add(open());
    t.closeForMigration();
    expect(errnoOf(() => t.close(h))).to.equal(SysError.E_CLOSED);
    expect(errnoOf(() => t.get(h))).to.equal(SysError.E_BADF);
    expect(t.add(open())).to.equal(h);
    t.closeAll();
  });

  it('markClosedByMigration makes a receiving table answer E_CLOSED for the sender handles', () => {
    const t = new HandleTable();
    t.markClosedByMigration([3, 5]);
    expect(errnoOf(() => t.get(3))).to.equal(SysError.E_CLOSED);
    expect(errnoOf(() => t.get(4))).to.equal(SysError.E_BADF);
    expect(errnoOf(() => t.get(5))).to.equal(SysError.E_CLOSED);
    expect(t.add(open())).to.equal(4);
    t.closeAll();
  });

  it('describe lists open handles with provider and path', () => {
    const t = new HandleTable();
    const h = t.add(open());
    expect(t.describe().open).to.deep.equal([{ handle: h, provider: 'files', path: 'a.txt' }]);
    t.closeAll();
  });
});
