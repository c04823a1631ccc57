/**
 * The etcd backend against a real etcd (a private single-member etcd on loopback
 * ports, started for this suite): the same store contract as the filesystem
 * store, the key layout (chunks, manifests with page lists over several keys,
 * directory), two coordinators sharing one archive, and leased task locks that a
 * dead holder cannot keep.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { Code } from '../../src/common/errors.ts';
import { EtcdStore, PageList, type PackedPageList, type SnapshotStore } from '../../src/middleware/index.ts';
import { killProcess, onCleanup, poll, ROOT } from '../support/processes.ts';
import {
  describeStoreContract,
  failure,
  freePort,
  holdEtcdLockInChild,
  page,
  putChunks,
  requireEtcd,
  sha,
  startEtcd,
  testManifest,
  type EtcdServer,
} from '../support/middleware-harness.ts';

describe('EtcdStore (real etcd)', function () {
  let etcd: EtcdServer | undefined;
  let raw: Etcd3 | undefined;
  const stores: SnapshotStore[] = [];

  /** A store on the suite's etcd, emptied first. */
  async function fresh(): Promise<EtcdStore> {
    await raw!.delete().prefix('migvisor/');
    return reopen();
  }

  /** Another handle (another coordinator) on the same etcd. */
  async function reopen(): Promise<EtcdStore> {
    const s = await EtcdStore.open(etcd!.endpoint);
    stores.push(s);
    return s;
  }

  /** Keys under migvisor/, without the prefix, sorted. */
  async function keys(prefix = ''): Promise<string[]> {
    return (await raw!.getAll().prefix(`migvisor/${prefix}`).keys()).map((k) => k.slice('migvisor/'.length)).sort();
  }

  before(async function () {
    this.timeout(30_000);
    const bin = requireEtcd(this);
    etcd = await startEtcd(bin);
    raw = new Etcd3({ hosts: `http://${etcd.endpoint}` });
  });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  });

  after(async () => {
    raw?.close();
    await etcd?.stop();
  });

  describe('as a SnapshotStore', () => describeStoreContract(fresh, () => reopen()));

  it('keeps chunks under chunks/<hash>, and a manifest of 5000 pages as its head plus packed page lists of 4096 entries', async () => {
    const s = await fresh();
    const hashes = await putChunks(s, [page(1), page(2), page(3)]);
    expect(await keys('chunks/')).to.deep.equal(hashes.map((h) => `chunks/${h}`).sort());
    expect(Buffer.from((await raw!.get(`migvisor/chunks/${hashes[1]}`).buffer())!).equals(page(2))).to.equal(true);

    const pages = Array.from({ length: 5000 }, (_, i) => [i, hashes[i % 3]!] as const);
    await s.putManifest(testManifest('snap-big', pages, 10));
    expect(await keys('snapshot')).to.deep.equal(['snapshot-pages/snap-big/0', 'snapshot-pages/snap-big/1', 'snapshots/snap-big']);
    const part0 = JSON.parse((await raw!.get('migvisor/snapshot-pages/snap-big/0').string())!) as PackedPageList;
    const part1 = JSON.parse((await raw!.get('migvisor/snapshot-pages/snap-big/1').string())!) as PackedPageList;
    expect([part0.encoding, part0.count, part1.count]).to.deep.equal(['runs+sha256', 4096, 904]);
    expect(PageList.fromStored(part1, 'part 1').entry(0)).to.deep.equal(pages[4096]);
    const head = JSON.parse((await raw!.get('migvisor/snapshots/snap-big').string())!) as { pages: unknown[] };
    expect(head.pages, 'the head holds no page list').to.deep.equal([]);

    const other = await reopen();
    expect([...(await other.getManifest('snap-big'))!.pages]).to.deep.equal(pages);
    await other.deleteManifest('snap-big');
    expect(await keys('snapshot'), 'head and every page list part deleted').to.deep.equal([]);
    expect(await other.gc()).to.equal(3 * 4096);
    expect(await keys('chunks/')).to.deep.equal([]);
  });

  it('reads a manifest whose page list parts are in the old form (JSON arrays of entries)', async () => {
    const s = await fresh();
    const hashes = await putChunks(s, [page(4), page(5)]);
    const pages = Array.from({ length: 5000 }, (_, i) => [i, hashes[i % 2]!] as const);
    const m = testManifest('snap-old', pages, 10);
    await raw!.put('migvisor/snapshot-pages/snap-old/0').value(JSON.stringify(pages.slice(0, 4096)));
    await raw!.put('migvisor/snapshot-pages/snap-old/1').value(JSON.stringify(pages.slice(4096)));
    await raw!.put('migvisor/snapshots/snap-old').value(JSON.stringify({ ...m, pages: [], pageParts: 2 }));
    const other = await reopen();
    expect([...(await other.getManifest('snap-old'))!.pages]).to.deep.equal(pages);
    const listed = (await other.listManifests()).find((x) => x.id === 'snap-old')!;
    expect([...listed.pages]).to.deep.equal(pages);
  });

  it('keeps the directory under directory/<task>', async () => {
    const s = await fresh();
    const loc = { node: 'field-b', address: '127.0.0.1:4000', state: 'running', snapshot: '', updatedUnixMs: 5 } as const;
    await s.setLocation('counter-1', loc);
    expect(await keys('directory/')).to.deep.equal(['directory/counter-1']);
    expect(JSON.parse((await raw!.get('migvisor/directory/counter-1').string())!)).to.deep.equal(loc);
  });

  it('shares one archive between two coordinators: what one parks, the other lists, reads and deduplicates against', async () => {
    const one = await fresh();
    const two = await reopen();
    const [a, b] = await putChunks(one, [page(61), page(62)]);
    await one.putManifest(testManifest('snap-shared', [[0, a!], [1, b!]], 1));
    expect((await two.listManifests()).map((m) => m.id)).to.deep.equal(['snap-shared']);
    expect(sha(await two.get(b!))).to.equal(b);
    const three = await reopen();
    const w = three.writer();
    expect(w.put(a!, page(61)), 'a coordinator opened later knows the stored chunks').to.equal(0);
    await w.abort();
  });
  it('does not deduplicate against a chunk another coordinator freed since', async () => {
    const one = await fresh();
    const [a] = await putChunks(one, [page(71)]);
    await one.putManifest(testManifest('snap-old', [[0, a!]], 1));
    const two = await reopen();
    await one.deleteManifest('snap-old');
    expect(await one.gc()).to.equal(4096);
    const w = two.writer();
    w.put(a!, page(71));
    await w.commit();
    await two.putManifest(testManifest('snap-new', [[0, a!]], 2));
    await w.release();
    expect(sha(await two.get(a!))).to.equal(a);
  });
  it('commits chunks of 32 KiB pages within etcd\'s request size limit', async () => {
    const s = await fresh();
    const big = Array.from({ length: 64 }, (_, i) => Buffer.concat(Array.from({ length: 8 }, (_, k) => page(1000 + i * 8 + k))));
    const hashes = await putChunks(s, big);
    expect((await s.stats()).chunks).to.equal(64);
    expect(sha(await s.get(hashes[63]!))).to.equal(hashes[63]);
  });

  it('commits a park of 300 pages in several transactions', async () => {
    const s = await fresh();
    const chunks = Array.from({ length: 300 }, (_, i) => page(2000 + i));
    const hashes = await putChunks(s, chunks);
    expect(await s.stats()).to.deep.equal({ bytes: 300 * 4096, chunks: 300 });
    const back = await s.getMany(hashes);
    expect(back.every((d, i) => sha(d) === hashes[i])).to.equal(true);
  });

  describe('leased task locks', () => {
    it('refuses a lock held through one client to another client, naming the holder, until the holder releases it', async () => {
      const one = await fresh();
      const two = await reopen();
      const lock = await one.lock('counter-1', 'middleware@a:1', 30_000);
      expect(await keys('locks/')).to.deep.equal(['locks/counter-1']);
      const e = await failure(two.lock('counter-1', 'middleware@b:2', 30_000));
      expect(e.code).to.equal(Code.ALREADY_EXISTS);
      expect(e.message).to.equal('task counter-1 is being moved by middleware@a:1');
      await lock.release();
      expect(await keys('locks/'), 'the lease is revoked with its key').to.deep.equal([]);
      const mine = await two.lock('counter-1', 'middleware@b:2', 30_000);
      expect((await failure(one.lock('counter-1', 'middleware@a:1', 30_000))).message).to.equal('task counter-1 is being moved by middleware@b:2');
      await mine.release();
    });

    it('frees the lock of a holder that died (killed, never released) once its 1 s lease expires', async function () {
      this.timeout(30_000);
      const two = await fresh();
      const holder = await holdEtcdLockInChild(etcd!.endpoint, 'counter-2', 'middleware@dead:1', 1000);
      const e = await failure(two.lock('counter-2', 'middleware@b:2', 1000));
      expect(e.message).to.equal('task counter-2 is being moved by middleware@dead:1');
      // No more keep-alives, and nobody revokes the lease: etcd expires it.
      await killProcess(holder, 'SIGKILL');
      const lock = await poll('the dead holder\'s lock to expire', async () => two.lock('counter-2', 'middleware@b:2', 1000), 15_000, 200);
      expect(await raw!.get('migvisor/locks/counter-2').string()).to.equal('middleware@b:2');
      await lock.release();
    });
  });

  describe('metadata that stays true', () => {
    /** etcd's current revision. */
    const revision = async (): Promise<number> => Number((await raw!.get('migvisor/').exec()).header.revision);

    it('writes a manifest and its page list (two parts) in one transaction: one revision', async () => {
      const s = await fresh();
      const [h] = await putChunks(s, [page(90)]);
      const before = await revision();
      await s.putManifest(testManifest('snap-one', Array.from({ length: 5000 }, (_, i) => [i, h!] as const), 1));
      expect(await revision()).to.equal(before + 1);
      expect(await keys('snapshot')).to.have.length(3);
      const del = await revision();
      await s.deleteManifest('snap-one');
      expect(await revision(), 'deleted in one transaction too').to.equal(del + 1);
      expect(await keys('snapshot')).to.deep.equal([]);
    });

    it('names its owner on a park marker, and drops the marker once the park is released', async () => {
      await raw!.delete().prefix('migvisor/');
      const s = await EtcdStore.open(etcd!.endpoint, undefined, { owner: 'middleware@test:42' });
      stores.push(s);
      const w = s.writer();
      w.put(sha(page(91)), page(91));
      await w.commit();
      const markers = Object.values(await raw!.getAll().prefix('migvisor/parks/').strings()).map((v) => JSON.parse(v) as { owner: string; pid: number });
      expect(markers.map((m) => m.owner)).to.deep.equal(['middleware@test:42']);
      expect(markers[0]!.pid).to.equal(process.pid);
      await w.release();
      expect(await keys('parks/')).to.deep.equal([]);
    });

    it('binds directory entries to its session lease: closed, they go at once; killed, they expire', async function () {
      this.timeout(30_000);
      const s = await fresh();
      await s.setLocation('t-closed', { node: 'a', address: '127.0.0.1:1', state: 'running', snapshot: '', updatedUnixMs: 1 });
      await s.close();
      expect(await keys('directory/')).to.deep.equal([]);
      const code = [
        `const { EtcdStore } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist', 'middleware', 'etcd-store.js')).href)});`,
        `const s = await EtcdStore.open(${JSON.stringify(etcd!.endpoint)}, undefined, { sessionTtlS: 1 });`,
        `await s.setLocation('t-killed', { node: 'a', address: '127.0.0.1:1', state: 'running', snapshot: '', updatedUnixMs: 1 });`,
        `process.stdout.write('set\\n');`,
        `setInterval(() => {}, 1000);`,
      ].join('\n');
      const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      const unregister = onCleanup(() => child.kill('SIGKILL'));
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (c) => reject(new Error(`the child exited (${c})`)));
        createInterface({ input: child.stdout! }).once('line', () => resolve());
      });
      expect(await keys('directory/')).to.deep.equal(['directory/t-killed']);
      await killProcess(child, 'SIGKILL');
      unregister();
      await poll('the dead middleware\'s directory entry to expire', async () => (await keys('directory/')).length === 0, 15_000, 200);
    });

    it('compacts etcd\'s history by itself after N revisions', async function () {
      this.timeout(20_000);
      await raw!.delete().prefix('migvisor/');
      const s = await EtcdStore.open(etcd!.endpoint, undefined, { compactAfterRevisions: 20, compactCheckMs: 100 });
      stores.push(s);
      const first = await revision();
      for (let i = 0; i < 25; i++) await s.setLocation(`t${i}`, { node: 'a', address: '127.0.0.1:1', state: 'running', snapshot: '', updatedUnixMs: i });
      // A read at a compacted revision fails: the history before it is gone.
      await poll('the history to be compacted', async () => (await raw!.get('migvisor/directory/t0').revision(first).string().then(() => false, (e: Error) => /compacted/.test(e.message))), 10_000, 100);
      expect(await s.getLocation('t24'), 'live keys stay').to.include({ node: 'a', updatedUnixMs: 24 });
    });

    it('says the largest chunk it stores: 1 MiB, below etcd\'s request limit', async () => {
      const s = await fresh();
      expect(s.maxChunkBytes).to.equal(1 << 20);
    });

    it('works again once a killed etcd is back: no circuit breaker stays open', async function () {
      this.timeout(40_000);
      const s = await fresh();
      await etcd!.kill();
      for (let i = 0; i < 5; i++) expect((await failure(s.stats())).code).to.equal(Code.UNAVAILABLE);
      await etcd!.restart();
      await poll('the store to answer again', async () => (await s.stats().catch(() => undefined)) !== undefined, 15_000, 200);
      expect(await s.stats()).to.deep.equal({ bytes: 0, chunks: 0 });
    });
  });

  it('fails to open with UNAVAILABLE naming the address when etcd does not answer', async function () {
    this.timeout(20_000);
    const port = await freePort();
    const e = await failure(EtcdStore.open(`127.0.0.1:${port}`));
    expect(e.code).to.equal(Code.UNAVAILABLE);
    expect(e.message).to.contain(`127.0.0.1:${port}`);
  });
});
