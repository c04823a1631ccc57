/**
 * Chunk crypto on worker threads (chunk-workers.ts): a batch named and sealed
 * by the pool has the synchronous codec's bytes (addresses equal, sealed chunks
 * equal to AES-256-GCM under the codec's key with nonces of its counter, AAD the
 * address); opening through the pool gives the same pages and fails with the
 * same words; a worker that crashes fails the batches it held, clearly, and is
 * replaced; the archive applies batches in the order they came even when a later
 * one is sealed first, so the last copy of a page wins.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { expect } from 'chai';
import { MigvisorError } from '../../src/common/index.ts';
import type { Node } from '../../src/hypervisor/node.ts';
import { ArchiveKeys, ChunkWorkers, FileStore, PLAIN_CODEC, type ChunkCodec, type Manifest } from '../../src/middleware/index.ts';
import { ArchiveSink } from '../../src/middleware/archive-sink.ts';
import { openInline, sealInline } from '../../src/middleware/chunk-workers.ts';
import { ContainerError, decodeBatch } from '../../src/migtask/container-codec.ts';
import { encodePages } from '../../src/migtask/index.ts';
import { frame, partsOf, savedChunks, streamOf } from '../support/containers.ts';
import { testManifest } from '../support/middleware-harness.ts';
import { fixture, TestCluster } from '../support/node-harness.ts';
import { tempDir } from '../support/processes.ts';

const PAGE = 4096;

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e: unknown) {
    if (e instanceof Error) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

function syncFailure(f: () => unknown): string {
  try {
    f();
  } catch (e: unknown) {
    return (e as Error).message;
  }
  return '';
}

describe('Chunk workers: archive chunk crypto off the main thread', function () {
  this.timeout(30_000);
  const key = randomBytes(32);
  let workers: ChunkWorkers;
  let sealed: ChunkCodec;
  let m: Manifest;

  before(() => {
    const keys = new ArchiveKeys(key);
    keys.init([]);
    sealed = keys.forParks;
    m = { ...testManifest('snap-w', [], 1), sealed: sealed.sealed! };
  });
  beforeEach(() => {
    // Plain batches too, so the workers' SHA-256 path is checked as well.
    workers = new ChunkWorkers(2, 4, true);
  });
  afterEach(() => workers.close());

  it('names plain pages like the codec (SHA-256) and stores them as they are', async () => {
    const data = randomBytes(64 * PAGE);
    const r = await workers.seal(PLAIN_CODEC, data, PAGE);
    const s = sealInline(PLAIN_CODEC, data, PAGE);
    expect(r.addresses).to.deep.equal(s.addresses);
    r.chunks.forEach((c, k) => expect(Buffer.from(c).equals(Buffer.from(s.chunks[k]!))).to.equal(true));
    expect(workers.running).to.equal(2);
  });

  it('seals pages byte for byte as the codec does: keyed address, NONCE|ct|TAG, a nonce range of its counter', async () => {
    const data = randomBytes(64 * PAGE);
    const before = sealInline(sealed, data.subarray(0, PAGE), PAGE).chunks[0]!;
    const r = await workers.seal(sealed, data, PAGE);
    const after = sealInline(sealed, data.subarray(0, PAGE), PAGE).chunks[0]!;
    const job = sealed.job(0);
    if (job.mode !== 'sealed') throw new Error('a sealed job expected');
    const counterOf = (c: Uint8Array): number => Buffer.from(c).readUInt32BE(8);
    expect(r.chunks).to.have.length(64);
    r.chunks.forEach((c, k) => {
      const page = data.subarray(k * PAGE, (k + 1) * PAGE);
      expect(r.addresses[k]).to.equal(sealed.address(page));
      const nonce = Buffer.from(c.subarray(0, 12));
      expect(nonce.subarray(0, 8).equals(Buffer.from(before.subarray(0, 8)))).to.equal(true);
      expect(counterOf(c)).to.equal(counterOf(before) + 1 + k);
      const cipher = createCipheriv('aes-256-gcm', job.encKey, nonce).setAAD(Buffer.from(r.addresses[k]!, 'latin1'));
      const expected = Buffer.concat([nonce, cipher.update(page), cipher.final(), cipher.getAuthTag()]);
      expect(Buffer.from(c).equals(expected)).to.equal(true);
      expect(Buffer.from(sealed.open(m, k, r.addresses[k]!, c)).equals(page)).to.equal(true);
    });
    // The codec's own seals go on after the range the batch reserved: no nonce twice.
    expect(counterOf(after)).to.equal(counterOf(before) + 65);
  });

  it('opens and checks stored chunks like the codec, plain and sealed', async () => {
    const data = randomBytes(16 * PAGE);
    for (const codec of [PLAIN_CODEC, sealed]) {
      const s = sealInline(codec, data, PAGE);
      const pages = s.addresses.map((h, k) => [k + 100, h] as const);
      const opened = await workers.open(codec, m, pages, s.chunks);
      opened.forEach((p, k) => expect(Buffer.from(p).equals(data.subarray(k * PAGE, (k + 1) * PAGE))).to.equal(true));
      expect(openInline(codec, m, pages, s.chunks).map((p) => Buffer.from(p).toString('hex'))).to.deep.equal(opened.map((p) => Buffer.from(p).toString('hex')));
    }
  });

  it('fails a damaged, short or misaddressed chunk with the words of the codec, naming the first bad page', async () => {
    const data = randomBytes(8 * PAGE);
    for (const codec of [PLAIN_CODEC, sealed]) {
      const s = sealInline(codec, data, PAGE);
      const pages = s.addresses.map((h, k) => [k, h] as const);
      const damaged = s.chunks.map((c) => Buffer.from(c));
      damaged[5]![40] = damaged[5]![40]! ^ 1;
      damaged[6]![41] = damaged[6]![41]! ^ 1;
      const e = await rejection(workers.open(codec, m, pages, damaged));
      expect(e).to.be.instanceOf(ContainerError);
      expect(e.message).to.equal(syncFailure(() => openInline(codec, m, pages, damaged)));
      expect(e.message).to.match(/^snapshot snap-w is corrupted: page 5 \(chunk [0-9a-f]{16}\) fails its (SHA-256 check|AES-256-GCM authentication)$/);
    }
    const s = sealInline(sealed, data, PAGE);
    const short = s.chunks.map((c, k) => (k === 3 ? c.subarray(0, 20) : c));
    const pages = s.addresses.map((h, k) => [k, h] as const);
    expect((await rejection(workers.open(sealed, m, pages, short))).message).to.equal(syncFailure(() => openInline(sealed, m, pages, short)));
    // A chunk under another page's address: authentication fails (the address is the AAD).
    const swapped = pages.map(([p], k) => [p, pages[(k + 1) % pages.length]![1]] as const);
    expect((await rejection(workers.open(sealed, m, swapped, s.chunks))).message).to.equal(syncFailure(() => openInline(sealed, m, swapped, s.chunks)));
  });

  it('fails to open chunks sealed under another data key with the same words as the codec', async () => {
    const other = new ArchiveKeys(randomBytes(32));
    other.init([]);
    const data = randomBytes(8 * PAGE);
    const s = sealInline(sealed, data, PAGE);
    const pages = s.addresses.map((h, k) => [k, h] as const);
    const e = await rejection(workers.open(other.forParks, m, pages, s.chunks));
    expect(e).to.be.instanceOf(ContainerError);
    expect(e.message).to.equal(syncFailure(() => openInline(other.forParks, m, pages, s.chunks)));
    expect(e.message).to.match(/page 0 .* fails its AES-256-GCM authentication$/);
  });

  it('keeps small batches on the calling thread (no worker started)', async () => {
    const data = randomBytes(2 * PAGE);
    const r = await workers.seal(sealed, data, PAGE);
    expect(r.addresses).to.deep.equal(sealInline(PLAIN_CODEC, data, PAGE).addresses.map((_, k) => sealed.address(data.subarray(k * PAGE, (k + 1) * PAGE))));
    expect(workers.running).to.equal(0);
  });

  it('keeps plain batches on the calling thread unless told otherwise', async () => {
    const pool = new ChunkWorkers(2);
    try {
      const data = randomBytes(64 * PAGE);
      expect((await pool.seal(PLAIN_CODEC, data, PAGE)).addresses).to.deep.equal(sealInline(PLAIN_CODEC, data, PAGE).addresses);
      expect(pool.running).to.equal(0);
      await pool.seal(sealed, data, PAGE);
      expect(pool.running).to.equal(2);
    } finally {
      await pool.close();
    }
  });

  it('fails the batches a crashed worker held with a clear error, and replaces it', async () => {
    const one = new ChunkWorkers(1, 4, true);
    try {
      one.warm();
      const crashed = one.crashOne('injected fault');
      const lost = one.seal(sealed, randomBytes(16 * PAGE), PAGE);
      const e = await rejection(lost);
      await crashed;
      expect(e).to.be.instanceOf(MigvisorError);
      expect(e.message).to.match(/^chunk worker 0 crashed: .*injected fault/);
      const data = randomBytes(16 * PAGE);
      const again = await one.seal(PLAIN_CODEC, data, PAGE);
      expect(again.addresses).to.deep.equal(sealInline(PLAIN_CODEC, data, PAGE).addresses);
    } finally {
      await one.close();
    }
  });

  it('fails batches in flight when closed, then works on the calling thread', async () => {
    workers.warm();
    const inFlight = rejection(workers.seal(sealed, randomBytes(64 * PAGE), PAGE));
    await workers.close();
    expect((await inFlight).message).to.match(/chunk workers stopped/);
    const data = randomBytes(8 * PAGE);
    expect((await workers.seal(PLAIN_CODEC, data, PAGE)).addresses).to.deep.equal(sealInline(PLAIN_CODEC, data, PAGE).addresses);
    expect(workers.running).to.equal(0);
  });

  describe('in the archive', () => {
    let cluster: TestCluster;
    let source: Node;
    let dir: string;

    before(async () => {
      cluster = new TestCluster();
      source = cluster.node('field-a');
      dir = tempDir('migvisor-chunk-workers-');
    });
    after(() => cluster.cleanup());

    it('applies batches in the order they came: a page sent again in a later batch keeps its last copy', async () => {
      const task = source.startTask({ partition: 'ctrl', program: fixture('spin.s') });
      source.runTicks(3);
      const chunks = await savedChunks(source, task.id!);
      const parts = partsOf(chunks);
      const stored = new Map<number, Uint8Array>();
      for (const p of parts.filter((x) => x.kind === 'CHUNK_KIND_PAGES')) {
        const b = decodeBatch(p.payload);
        const size = b.data.length / b.index.length;
        b.index.forEach((i, k) => stored.set(i, b.data.subarray(k * size, (k + 1) * size)));
      }
      const page = [...stored.keys()][0]!;
      const pageSize = stored.get(page)!.length;
      // The page 4 times more in a batch for the workers, then once more alone (sealed on the main thread, so done first).
      const copies = [randomBytes(pageSize), randomBytes(pageSize), randomBytes(pageSize), randomBytes(pageSize)];
      const last = randomBytes(pageSize);
      const extra = [encodePages([page, page, page, page], pageSize, (_, k) => copies[k]!), encodePages([page], pageSize, () => last)];
      const trailerless = [...parts, ...extra.map((payload) => ({ kind: 'CHUNK_KIND_PAGES' as const, payload }))];
      const store = await FileStore.open(path.join(dir, 'store'));
      const archive = new ArchiveSink(store);
      archive.codec = sealed;
      archive.workers = new ChunkWorkers(2, 4);
      try {
        const manifest = await archive.importContainer(streamOf(frame(trailerless)));
        const k = manifest.pages.indexOf(page);
        expect(manifest.pages.entry(k)[1]).to.equal(sealed.address(last));
        expect(archive.workers.running).to.equal(2);
      } finally {
        archive.close();
        await archive.workers.close();
        await store.close();
      }
    });

    it('fails a park cleanly when a worker crashes under one of its batches: nothing is kept', async () => {
      const task = source.startTask({ partition: 'ctrl', program: fixture('spin.s') });
      source.runTicks(3);
      const chunks = await savedChunks(source, task.id!);
      const store = await FileStore.open(path.join(dir, 'crash-store'));
      const archive = new ArchiveSink(store);
      archive.codec = sealed;
      const pool = new ChunkWorkers(1, 1);
      archive.workers = pool;
      try {
        pool.warm();
        const crashed = pool.crashOne('injected fault');
        const e = await rejection(archive.importContainer(streamOf(chunks)));
        await crashed;
        expect(e.message).to.match(/^chunk worker 0 crashed: .*injected fault/);
        expect(await store.listManifests()).to.deep.equal([]);
        expect((await store.stats()).chunks).to.equal(0);
        // The worker was replaced: the next park goes through.
        const m = await archive.importContainer(streamOf(chunks));
        expect(m.pages.length).to.be.greaterThan(0);
        expect(pool.running).to.equal(1);
      } finally {
        archive.close();
        await pool.close();
        await store.close();
      }
    });
  });
});
