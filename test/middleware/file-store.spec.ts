/**
 * The embedded filesystem store, in process: content-addressed chunks in pack
 * files, manifests, the directory and task locks; atomic writes whose leftovers an
 * interrupted process leaves are removed at the next open; gc that rewrites packs
 * holding both live and dead chunks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { Code } from '../../src/common/errors.ts';
import { FileStore, type SnapshotStore } from '../../src/middleware/index.ts';
import { describeStoreContract, failure, filesUnder, page, putChunks, sha, testManifest } from '../support/middleware-harness.ts';

describe('FileStore', () => {
  const dirs: string[] = [];
  const stores: SnapshotStore[] = [];

  /** A store in a new temporary folder. */
  async function fresh(): Promise<FileStore> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-filestore-'));
    dirs.push(dir);
    const s = await FileStore.open(dir);
    stores.push(s);
    return s;
  }

  /** The same folder opened again, as a restarted middleware would. */
  async function reopen(s: SnapshotStore): Promise<FileStore> {
    const t = await FileStore.open((s as FileStore).root);
    stores.push(t);
    return t;
  }

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  });

  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  describe('as a SnapshotStore', () => describeStoreContract(fresh, reopen));

  it('creates packs/ and manifests/ in an empty folder, and reports its URI', async () => {
    const s = await fresh();
    expect(fs.readdirSync(s.root).sort()).to.deep.equal(['manifests', 'packs']);
    expect(s.uri).to.equal(`file://${s.root}`);
  });

  it('leaves no temporary file behind a committed writer, and a pack only with its index', async () => {
    const s = await fresh();
    const w = s.writer();
    w.put(sha(page(1)), page(1));
    w.put(sha(page(2)), page(2));
    await w.commit();
    await s.putManifest(testManifest('snap-1', [[0, sha(page(1))]]));
    await w.release();
    await s.setLocation('t1', { node: 'field-a', address: '127.0.0.1:1', state: 'running', snapshot: '', updatedUnixMs: 1 });
    const files = filesUnder(s.root);
    expect(files.filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
    const packs = files.filter((f) => f.startsWith('packs/'));
    expect(packs).to.have.length(2);
    expect(packs[0]!.replace(/\.idx$/, '.pack')).to.equal(packs[1]);
    expect(files).to.include.members(['directory.json', 'manifests/snap-1.json']);
    expect(fs.statSync(path.join(s.root, packs[1]!)).size).to.equal(8192);
  });

  it('removes at open what an interrupted write left: *.tmp files and a pack without its index', async () => {
    const s = await fresh();
    const [h] = await putChunks(s, [page(1)]);
    await s.putManifest(testManifest('snap-1', [[0, h!]]));
    await s.close();
    // What a process killed during a park, a manifest write or a directory update leaves.
    fs.writeFileSync(path.join(s.root, 'packs', 'mwx-dead.pack.tmp'), page(2));
    fs.writeFileSync(path.join(s.root, 'packs', 'mwx-noidx.pack'), page(3));
    fs.writeFileSync(path.join(s.root, 'packs', 'mwx-live.idx.123.abcd.tmp'), '[["');
    fs.writeFileSync(path.join(s.root, 'manifests', 'snap-2.json.123.abcd.tmp'), '{"id":"snap-2"');
    fs.writeFileSync(path.join(s.root, 'directory.json.123.abcd.tmp'), '{');
    const before = filesUnder(s.root);
    expect(before.filter((f) => f.endsWith('.tmp'))).to.have.length(4);

    const t = await reopen(s);
    const after = filesUnder(t.root);
    expect(after.filter((f) => f.endsWith('.tmp')), 'temporary files').to.deep.equal([]);
    expect(after, 'the pack without an index').to.not.include('packs/mwx-noidx.pack');
    expect((await t.listManifests()).map((m) => m.id)).to.deep.equal(['snap-1']);
    expect(await t.stats()).to.deep.equal({ bytes: 4096, chunks: 1 });
    expect(t.has(sha(page(3))), 'chunk of the unindexed pack').to.equal(false);
    expect(Buffer.from(await t.get(h!)).equals(page(1))).to.equal(true);
  });

  it('rewrites a pack holding live and dead chunks on gc: the dead are freed, the live still read back, also after reopening', async () => {
    const s = await fresh();
    const chunks = [page(21), page(22), page(23), page(24)];
    const [a, b, c, d] = await putChunks(s, chunks);
    const [e] = await putChunks(s, [page(25)]);
    await s.putManifest(testManifest('snap-1', [[0, b!], [1, d!]]));
    const packsBefore = filesUnder(s.root).filter((f) => f.endsWith('.pack'));
    expect(packsBefore).to.have.length(2);

    expect(await s.gc()).to.equal(3 * 4096);
    const packsAfter = filesUnder(s.root).filter((f) => f.endsWith('.pack'));
    expect(packsAfter, 'one pack, rewritten').to.have.length(1);
    expect(packsBefore, 'the rewritten pack is a new file').to.not.include(packsAfter[0]);
    expect(fs.statSync(path.join(s.root, packsAfter[0]!)).size).to.equal(2 * 4096);
    expect([s.has(a!), s.has(c!), s.has(e!)]).to.deep.equal([false, false, false]);
    expect(Buffer.from(await s.get(b!)).equals(page(22))).to.equal(true);
    expect(Buffer.from(await s.get(d!)).equals(page(24))).to.equal(true);
    expect(await s.stats()).to.deep.equal({ bytes: 2 * 4096, chunks: 2 });

    const t = await reopen(s);
    expect(Buffer.from(await t.get(b!)).equals(page(22))).to.equal(true);
    expect(Buffer.from(await t.get(d!)).equals(page(24))).to.equal(true);
    expect(await t.stats()).to.deep.equal({ bytes: 2 * 4096, chunks: 2 });
    expect(filesUnder(t.root).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('fails to read a chunk of a truncated pack with DATA_LOSS naming the pack', async () => {
    const s = await fresh();
    const [, b] = await putChunks(s, [page(31), page(32)]);
    const pack = filesUnder(s.root).find((f) => f.endsWith('.pack'))!;
    fs.truncateSync(path.join(s.root, pack), 4096 + 100);
    const e = await failure(s.get(b!));
    expect(e.code).to.equal(Code.DATA_LOSS);
    expect(e.message).to.contain('truncated').and.contain(path.basename(pack, '.pack'));
  });

  it('a damaged manifest: read fails with DATA_LOSS naming its file, the list leaves it out, gc frees nothing while it is there', async () => {
    const s = await fresh();
    const [a, b] = await putChunks(s, [page(41), page(42)]);
    await s.putManifest(testManifest('snap-good', [[0, a!]]));
    await s.putManifest(testManifest('snap-bad', [[0, b!]]));
    const file = path.join(s.root, 'manifests', 'snap-bad.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 30));
    const told: string[] = [];
    s.onDamaged = (f) => told.push(f);
    const e = await failure(s.getManifest('snap-bad'));
    expect(e.code).to.equal(Code.DATA_LOSS);
    expect(e.message).to.match(/^snapshot snap-bad: its manifest .*snap-bad\.json is damaged \(.+\); `snapshot rm snap-bad --force` removes it$/);
    expect((await s.listManifests()).map((m) => m.id)).to.deep.equal(['snap-good']);
    expect(told, 'told once').to.deep.equal([file]);
    // b may be all that the damaged manifest needs: kept.
    expect(await s.gc()).to.equal(0);
    expect([s.has(a!), s.has(b!)]).to.deep.equal([true, true]);
    await s.deleteManifest('snap-bad');
    expect(await s.gc(), 'once it is gone, its chunk is freed').to.equal(4096);
  });

  for (const [what, text] of [
    ['truncated', '[["ab'],
    ['not a list', '{"a":1}'],
    ['a bad entry', '[["x", -1, 3]]'],
  ] as const) {
    it(`a pack index that is ${what}: the store opens, hides that pack's chunks, keeps its files and names the index`, async () => {
      const s = await fresh();
      const [a] = await putChunks(s, [page(51)]);
      const [b] = await putChunks(s, [page(52)]);
      const idx = filesUnder(s.root).filter((f) => f.endsWith('.idx'));
      const damagedIdx = idx.find((f) => fs.readFileSync(path.join(s.root, f), 'utf8').includes(b!))!;
      fs.writeFileSync(path.join(s.root, damagedIdx), text);
      const t = await reopen(s);
      expect([t.has(a!), t.has(b!)]).to.deep.equal([true, false]);
      expect([...t.damaged.keys()]).to.deep.equal([path.join(s.root, damagedIdx)]);
      expect([...t.damaged.values()][0]).to.contain('are unknown until it is mended');
      expect(filesUnder(t.root).filter((f) => f.endsWith('.idx') || f.endsWith('.pack')).length, 'nothing deleted').to.equal(4);
    });
  }

  it('reads a manifest written in the old form (a JSON entry per page), and writes it back packed', async () => {
    const s = await fresh();
    const hashes = await putChunks(s, [page(31), page(32)]);
    const entries = [[0, hashes[0]!], [1, hashes[1]!], [4, hashes[0]!]] as const;
    const m = testManifest('snap-old', entries, 5);
    const file = path.join(s.root, 'manifests', 'snap-old.json');
    fs.writeFileSync(file, JSON.stringify({ ...m, pages: entries }));
    const read = (await s.getManifest('snap-old'))!;
    expect([...read.pages]).to.deep.equal(entries);
    expect((await s.listManifests()).map((x) => [x.id, x.pages.length])).to.deep.equal([['snap-old', 3]]);
    await s.putManifest({ ...read, state: 'restored', restoredTo: 'field-b' });
    expect((JSON.parse(fs.readFileSync(file, 'utf8')) as { pages: { encoding: string } }).pages.encoding).to.equal('runs+sha256');
    expect([...(await (await reopen(s)).getManifest('snap-old'))!.pages]).to.deep.equal(entries);
  });

  it('refuses a snapshot id that is not a plain name (no path escapes)', async () => {
    const s = await fresh();
    for (const id of ['../escape', 'a/b', '']) {
      const e = await failure(s.getManifest(id));
      expect(e.code, id).to.equal(Code.INVALID_ARGUMENT);
      expect(e.message).to.contain('bad snapshot id');
    }
  });

  it('refuses a snapshot id longer than 128 characters with INVALID_ARGUMENT, not a file system error', async () => {
    const s = await fresh();
    for (const id of ['a'.repeat(129), 'a'.repeat(300)]) {
      const e = await failure(s.getManifest(id));
      expect(e.code, `${id.length} characters`).to.equal(Code.INVALID_ARGUMENT);
      expect(e.message).to.equal(`snapshot id: at most 128 characters, got ${id.length}`);
    }
    expect(await s.getManifest('a'.repeat(128))).to.equal(undefined);
  });

  it('lets a task lock expire after its TTL, so a dead mover does not block the task forever', async () => {
    const s = await fresh();
    await s.lock('t1', 'mover-1', 50);
    await new Promise((r) => setTimeout(r, 120));
    const lock = await s.lock('t1', 'mover-2', 60_000);
    expect((await failure(s.lock('t1', 'mover-3', 60_000))).message).to.equal('task t1 is being moved by mover-2');
    await lock.release();
  });
});
