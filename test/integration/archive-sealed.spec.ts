/**
 * Encryption at rest, end to end (issue 14, item 6): node processes and
 * middleware processes started with `--key-file`, with MIGVISOR_ARCHIVE_KEY,
 * with another key and with none, on one filesystem store and then on etcd. The
 * paused counter is parked sealed (no chunk holds its text), a middleware without
 * the key or with another one refuses to restore it and leaves the target slot
 * free, the right key restores it with the parked memory hash, and a re-park of
 * the same memory stores nothing new (dedup under one key).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { unary } from '../../src/common/clients.ts';
import { cleanup, control, fixture, oneLineError, ps, runCli, slotStates, spawnCli, tempDir, type NodeProcess } from '../support/processes.ts';
import {
  filesUnder,
  forgetCluster,
  inspectOverGrpc,
  mwCli,
  mwJson,
  mwOk,
  privateCluster,
  requireEtcd,
  startEtcd,
  startMiddleware,
  startNodesApart,
  stopMiddlewares,
  type EtcdServer,
  type MiddlewareProcess,
  type SnapshotJson,
} from '../support/middleware-harness.ts';

type SealedJson = SnapshotJson & { sealed?: boolean; cipher?: string; keyId?: string };

describe('Archive encryption at rest (node and middleware processes, filesystem and etcd stores)', function () {
  let FIELD = '';
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let counter: string;
  let hash = '';
  let storeDir = '';
  let keyFile = '';
  const key = randomBytes(32).toString('hex');
  const otherKey = randomBytes(32).toString('hex');
  let snap: SealedJson;
  let etcd: EtcdServer | undefined;

  const hashOn = async (address: string): Promise<string> => (await ps(address, true)).find((t) => t.taskId === counter)?.memoryHash ?? '';
  const park = async (mw: MiddlewareProcess, node: string): Promise<SealedJson> =>
    (await mwJson<{ snapshot: SealedJson }>(mw, FIELD, ['snapshot', 'park', counter, '--node', node])).snapshot;
  const freeSlots = async (address: string): Promise<string[]> => slotStates(address, 'ctrl');

  before(async function () {
    this.timeout(40_000);
    FIELD = privateCluster(fixture('middleware-field.yaml'));
    const dir = tempDir('migvisor-sealed-');
    storeDir = path.join(dir, 'store');
    keyFile = path.join(dir, 'archive.key');
    fs.writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    nodes = await startNodesApart(FIELD, ['field-a', 'field-b']);
    [A, B] = [nodes['field-a']!.address, nodes['field-b']!.address];
    counter = (await ps(A)).find((t) => t.program === 'counter.s')!.taskId;
    const c = control(A);
    await unary(c.Pause, c, { taskId: counter }, `pause ${counter}`);
    hash = await hashOn(A);
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (FIELD) forgetCluster(FIELD);
    await etcd?.stop();
  });

  it('parks the counter sealed with --key-file: AES-256-GCM, the key id shown, no chunk holding its text', async function () {
    this.timeout(30_000);
    const mw = await startMiddleware(FIELD, `file://${storeDir}`, { args: ['--key-file', keyFile] });
    snap = await park(mw, 'field-a');
    expect(snap).to.include({ sealed: true, cipher: 'AES-256-GCM', state: 'SNAPSHOT_STATE_PARKED' });
    expect(snap.keyId).to.match(/^[0-9a-f]{16}$/);
    const shown = await mwOk(mw, FIELD, ['snapshot', 'inspect', snap.id]);
    expect(shown).to.include(`sealed: every chunk AES-256-GCM, data key wrapped by archive key ${snap.keyId}`).and.include('every chunk verifies');
    const bytes = filesUnder(storeDir).map((f) => fs.readFileSync(path.join(storeDir, f)));
    expect(bytes.length).to.be.above(0);
    expect(bytes.some((b) => b.includes(Buffer.from('counter '))), 'the counter\'s text in a store file').to.equal(false);
    expect(bytes.some((b) => b.includes(Buffer.from(key)) || b.includes(Buffer.from(key, 'hex'))), 'the key in a store file').to.equal(false);
    await stopMiddlewares();
  });

  it('refuses the restore without a key and with another key, naming the problem; the target slot stays free', async function () {
    this.timeout(30_000);
    const none = await startMiddleware(FIELD, `file://${storeDir}`);
    const r1 = await mwCli(none, FIELD, ['snapshot', 'restore', snap.id, '--node', 'field-b']);
    expect(oneLineError(r1)).to.equal(
      `migvisor: snapshot ${snap.id} is sealed (AES-256-GCM, archive key ${snap.keyId}) and this middleware has no archive key: start it with --key-file FILE or MIGVISOR_ARCHIVE_KEY`,
    );
    const insp = await inspectOverGrpc(none.address, snap.id);
    expect(insp.snapshot).to.include({ sealed: true, cipher: 'AES-256-GCM', keyId: snap.keyId });
    expect([insp.verified, insp.problems.length]).to.deep.equal([false, 1]);
    expect(insp.problems[0]).to.match(/^cannot verify: snapshot .* has no archive key/);
    await stopMiddlewares();

    const wrong = await startMiddleware(FIELD, `file://${storeDir}`, { env: { MIGVISOR_ARCHIVE_KEY: otherKey } });
    const r2 = await mwCli(wrong, FIELD, ['snapshot', 'restore', snap.id, '--node', 'field-b']);
    expect(oneLineError(r2)).to.match(new RegExp(`^migvisor: snapshot ${snap.id} is sealed under archive key ${snap.keyId}, this middleware holds key [0-9a-f]{16}: wrong archive key$`));
    // Export says the same: a wrong key is not damage; no file is written.
    const out = path.join(tempDir('migvisor-sealed-export-'), 'x.mvc');
    const r3 = await mwCli(wrong, FIELD, ['snapshot', 'export', snap.id, out]);
    expect(oneLineError(r3)).to.match(new RegExp(`^migvisor: snapshot ${snap.id} is sealed under archive key ${snap.keyId}, this middleware holds key [0-9a-f]{16}: wrong archive key$`));
    expect(fs.readdirSync(path.dirname(out)), 'no file, no temporary file').to.deep.equal([]);
    await stopMiddlewares();

    expect(await freeSlots(B)).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
    expect((await ps(B)).map((t) => t.taskId)).to.not.include(counter);
  });

  it('restores it with the right key (from the environment) with the parked memory hash; a re-park stores nothing new', async function () {
    this.timeout(30_000);
    const right = await startMiddleware(FIELD, `file://${storeDir}`, { env: { MIGVISOR_ARCHIVE_KEY: key } });
    // Exported with the right key: a plain container that verifies on its own (any node loads it).
    const file = path.join(tempDir('migvisor-sealed-export-'), 'counter.mvc');
    expect(await mwOk(right, FIELD, ['snapshot', 'export', snap.id, file])).to.match(/^exported .* \(\d+ bytes, verified\)\n$/);
    const inspected = await runCli(['inspect', file, '--json']);
    expect(inspected.code, inspected.stderr).to.equal(0);
    expect((JSON.parse(inspected.stdout) as { valid: boolean; header: { taskId: string } }).header.taskId).to.equal(counter);
    expect((await mwOk(right, FIELD, ['snapshot', 'restore', snap.id, '--node', 'field-b'])).trim()).to.equal(counter);
    expect(await hashOn(B)).to.equal(hash);
    const again = await park(right, 'field-b');
    expect(again).to.include({ sealed: true, keyId: snap.keyId, storedPages: snap.storedPages });
    expect(Number(again.newBytes), 'new bytes of a re-park of the same memory').to.equal(0);
    expect((await mwOk(right, FIELD, ['snapshot', 'restore', again.id, '--node', 'field-a'])).trim()).to.equal(counter);
    await stopMiddlewares();
  });

  it('refuses to start a middleware with a malformed key file (exit 2), replicas without --chunks or --chunks beside a file store (exit 1), one line each', async function () {
    this.timeout(30_000);
    const bad = path.join(path.dirname(keyFile), 'bad.key');
    fs.writeFileSync(bad, 'hunter2\n');
    const start = (args: readonly string[]) => runCli(['middleware', 'start', FIELD, '--listen', '127.0.0.1:0', ...args], { timeoutMs: 20_000 });
    const [k, r, c] = await Promise.all([
      start(['--store', `file://${storeDir}`, '--key-file', bad]),
      start(['--store', `file://${storeDir}`, '--chunk-replicas', '3']),
      start(['--store', `file://${storeDir}`, '--chunks', 'nats://127.0.0.1:4222']),
    ]);
    expect(oneLineError(k, 2)).to.equal(`migvisor: ${bad}: an archive key is 32 bytes written as 64 hex digits or base64 (e.g. openssl rand -hex 32)`);
    expect(oneLineError(r)).to.equal('migvisor: --chunk-replicas: give --chunks nats://HOST:PORT[,...] too (replicas are those of the chunk bucket)');
    expect(oneLineError(c)).to.equal(`migvisor: chunks nats://127.0.0.1:4222: a separate chunk engine needs an etcd:// store for its catalog, not file://${storeDir}`);
  });

  it('warns of a key file that other users can read, and not of one they cannot', async function () {
    this.timeout(30_000);
    const open = path.join(path.dirname(keyFile), 'open.key');
    fs.writeFileSync(open, `${key}\n`, { mode: 0o644 });
    fs.chmodSync(open, 0o644);
    const warned = (file: string): Promise<string> =>
      (async () => {
        const w = spawnCli(['middleware', 'start', FIELD, '--listen', '127.0.0.1:0', '--store', `file://${path.join(tempDir('migvisor-keymode-'), 'store')}`, '--key-file', file, '--log-format', 'json'], { timeoutMs: 20_000 });
        await w.waitForLine((l) => l.includes('"address"'), 15_000);
        w.child.kill('SIGTERM');
        return (await w.result).stderr;
      })();
    expect(await warned(open)).to.contain(`archive key file ${open} can be read by other users (mode 644); chmod 600 it`);
    expect(fs.statSync(keyFile).mode & 0o077, 'the suite\'s own key file is private').to.equal(0);
    expect(await warned(keyFile)).to.not.contain('can be read by other users');
  });

  it('on etcd too: sealed chunks in etcd (no text of the counter there), restored with the parked memory hash', async function () {
    this.timeout(40_000);
    etcd = await startEtcd(requireEtcd(this));
    const mw = await startMiddleware(FIELD, `etcd://${etcd.endpoint}`, { args: ['--key-file', keyFile] });
    const s = await park(mw, 'field-a');
    expect(s).to.include({ sealed: true, keyId: snap.keyId });
    const raw = new Etcd3({ hosts: `http://${etcd.endpoint}` });
    try {
      const values = Object.values(await raw.getAll().prefix('migvisor/').buffers());
      expect(values.length).to.be.above(Number(s.storedPages) - 1);
      expect(values.some((v) => v.includes(Buffer.from('counter '))), 'the counter\'s text in etcd').to.equal(false);
    } finally {
      raw.close();
    }
    expect((await mwOk(mw, FIELD, ['snapshot', 'restore', s.id, '--node', 'field-b'])).trim()).to.equal(counter);
    expect(await hashOn(B)).to.equal(hash);
  });
});
