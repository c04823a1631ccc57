/**
 * Retention, prune, pin, export and import (README, "Retention and prune",
 * "Export and import"), from the CLI against real node and middleware processes,
 * on the filesystem store and on a real etcd. The cluster file's policy keeps the
 * newest two snapshots labelled keep=two of each task.
 *
 * The counter is parked three times (restored between parks): prune releases the
 * oldest, and what it reports freed is exactly what leaves the store (its code
 * page, shared with the kept snapshots, stays). A pinned snapshot is not
 * released. The newest snapshot is exported, loaded on another node with
 * `migvisor load`, and imported back: every page is deduplicated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { serverStream } from '../../src/common/clients.ts';
import { cleanup, fixture, oneLineError, ps, runCli, tempDir, type NodeProcess } from '../support/processes.ts';
import {
  forgetCluster,
  mwCli,
  mwJson,
  mwOk,
  privateCluster,
  requireEtcd,
  startEtcd,
  startMiddleware,
  startNodesApart,
  stopMiddlewares,
  withMiddlewareClient,
  type EtcdServer,
  type ListJson,
  type MiddlewareProcess,
  type SnapshotJson,
} from '../support/middleware-harness.ts';

interface PruneJson {
  released: SnapshotJson[];
  freedBytes: string;
  freedChunks: string;
  sharedChunks: string;
  kept: number;
  dryRun: boolean;
}

describe('Retention, prune, export and import (real node and middleware processes)', function () {
  let FILE = '';
  let nodes: Record<string, NodeProcess>;
  let counter = '';
  let etcd: EtcdServer | undefined;

  before(async function () {
    this.timeout(40_000);
    FILE = privateCluster(fixture('middleware-field.yaml'));
    nodes = await startNodesApart(FILE, ['field-a', 'field-b']);
    counter = (await ps(nodes['field-a']!.address)).find((t) => t.program === 'counter.s')!.taskId;
  });

  after(async () => {
    await stopMiddlewares();
    await cleanup();
    if (FILE) forgetCluster(FILE);
    await etcd?.stop();
  });

  /** Parks the counter from `node` over gRPC (set-up steps skip the CLI's start-up); resolves with the snapshot id. */
  const park = (mw: MiddlewareProcess, node: string, labels: Record<string, string> = {}): Promise<string> =>
    withMiddlewareClient(mw.address, async (c) => {
      let id = '';
      const req = { taskId: counter, node, labels: Object.entries(labels).map(([key, value]) => ({ key, value })) };
      for await (const m of serverStream(c.Park(req, { deadline: Date.now() + 30_000 }), 'park')) if (m.snapshot) id = m.snapshot.id;
      return id;
    });
  /** Restores a snapshot on `node` over gRPC. */
  const restore = (mw: MiddlewareProcess, id: string, node: string): Promise<void> =>
    withMiddlewareClient(mw.address, async (c) => {
      for await (const _ of serverStream(c.Restore({ snapshotId: id, node }, { deadline: Date.now() + 30_000 }), 'restore')) void _;
    });

  /** The whole story on one store; the counter starts and ends on field-a. `files`: export, load and import too. */
  async function story(mw: MiddlewareProcess, files: boolean): Promise<void> {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await park(mw, 'field-a', { keep: 'two' }));
      if (i < 2) await restore(mw, ids[i]!, 'field-a');
    }
    // Pinned, the oldest is kept; unpinned, it is what the policy releases.
    await mwOk(mw, FILE, ['snapshot', 'pin', ids[0]!]);
    expect((await mwJson<PruneJson>(mw, FILE, ['snapshot', 'prune', '--dry-run'])).released ?? []).to.deep.equal([]);
    await mwOk(mw, FILE, ['snapshot', 'unpin', ids[0]!]);
    const dry = await mwJson<PruneJson>(mw, FILE, ['snapshot', 'prune', '--dry-run']);
    expect(dry.released.map((s) => s.id)).to.deep.equal([ids[0]]);
    expect(dry.kept).to.equal(2);
    expect(Number(dry.freedBytes)).to.be.greaterThan(0);
    expect(Number(dry.sharedChunks), 'pages the kept snapshots share stay').to.be.greaterThan(0);

    const before = await mwJson<ListJson>(mw, FILE, ['snapshot', 'list']);
    const real = await mwJson<PruneJson>(mw, FILE, ['snapshot', 'prune']);
    const after = await mwJson<ListJson>(mw, FILE, ['snapshot', 'list']);
    expect(real.released.map((s) => s.id)).to.deep.equal([ids[0]]);
    expect([real.freedBytes, real.freedChunks], 'the dry run said exactly this').to.deep.equal([dry.freedBytes, dry.freedChunks]);
    expect(Number(before.storeBytes) - Number(after.storeBytes), 'bytes that left the store').to.equal(Number(real.freedBytes));
    expect(Number(before.chunks) - Number(after.chunks), 'chunks that left the store').to.equal(Number(real.freedChunks));
    expect(after.snapshots.map((s) => s.id).sort()).to.deep.equal([ids[1], ids[2]].sort());
    expect((await mwJson<PruneJson>(mw, FILE, ['snapshot', 'prune'])).released ?? [], 'nothing more to release').to.deep.equal([]);
    if (!files) {
      await restore(mw, ids[2]!, 'field-a');
      return;
    }

    // Export the parked snapshot, load the file on field-b: the counter runs there.
    const file = path.join(tempDir('migvisor-export-'), 'counter.mvc');
    const exported = JSON.parse(await mwOk(mw, FILE, ['snapshot', 'export', ids[2]!, file, '--json'])) as { file: string; bytes: string; taskId: string };
    expect(exported.taskId).to.equal(counter);
    const inspected = await runCli(['inspect', file, '--json']);
    expect(inspected.code, inspected.stderr).to.equal(0);
    expect((JSON.parse(inspected.stdout) as { valid: boolean }).valid).to.equal(true);
    const loaded = await runCli(['load', file, '--node', 'field-b', '--cluster', FILE]);
    expect(loaded.code, loaded.stderr).to.equal(0);
    expect(loaded.stdout.trim()).to.equal(counter);
    expect((await ps(nodes['field-b']!.address)).find((t) => t.taskId === counter)?.state).to.equal('MigSource');

    // Import it back: a new snapshot, every page already in the archive.
    const imported = await mwJson<{ snapshot: SnapshotJson; newBytes: string; deduplicatedBytes: string }>(mw, FILE, ['snapshot', 'import', file]);
    expect(imported.snapshot.taskId).to.equal(counter);
    expect(imported.snapshot.id).to.not.equal(ids[2]);
    expect(Number(imported.newBytes ?? 0)).to.equal(0);
    expect(Number(imported.deduplicatedBytes)).to.equal(Number(imported.snapshot.storedPages) * 4096);
    // A damaged file is an invalid input file, as for `load`: exit 2, one line naming it; nothing is stored.
    const cut = `${file}.cut`;
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, 200));
    const listed = (await mwJson<ListJson>(mw, FILE, ['snapshot', 'list'])).snapshots.length;
    const refused = await mwCli(mw, FILE, ['snapshot', 'import', cut]);
    expect(oneLineError(refused, 2).startsWith(`migvisor: ${cut}`), refused.stderr).to.equal(true);
    expect((await mwJson<ListJson>(mw, FILE, ['snapshot', 'list'])).snapshots.length, 'nothing stored').to.equal(listed);
    // The counter runs on field-b (loaded from the file): the import is a copy, not its only place.
    expect([imported.snapshot.state, imported.snapshot.restoredTo]).to.deep.equal(['SNAPSHOT_STATE_RESTORED', 'field-b']);
    const text = await mwOk(mw, FILE, ['snapshot', 'import', file]);
    expect(text).to.match(new RegExp(`^imported ${file} as snap-\\S+: 0 new bytes, \\d+ deduplicated; task ${counter} runs on field-b, so this one restores only with --as-copy\n$`));
    // Neither the import nor the snapshot the file came from starts a second counter.
    const again = async (id: string): Promise<string> => {
      const r = await runCli(['snapshot', 'restore', id, '--node', 'field-a', '--cluster', FILE, '--middleware', mw.address]);
      expect(r.code, r.stderr).to.equal(1);
      return r.stderr.trim();
    };
    expect(await again(imported.snapshot.id)).to.equal(
      `migvisor: snapshot ${imported.snapshot.id} was restored to field-b already (task ${counter} runs there); use --as-copy to start another one under a new id`,
    );
    expect(await again(ids[2]!), 'still "parked": the node says where the task is').to.equal(
      `migvisor: snapshot ${ids[2]}: task ${counter} runs on field-b; use --as-copy to start another one under a new id`,
    );
    expect((await ps(nodes['field-a']!.address)).some((t) => t.taskId === counter), 'no counter on field-a').to.equal(false);

    // Back to the start: the counter leaves field-b (into the archive) and runs on field-a.
    await restore(mw, await park(mw, 'field-b'), 'field-a');
  }

  it('on the filesystem store, with export, load on another node and import', async function () {
    this.timeout(90_000);
    const mw = await startMiddleware(FILE, `file://${path.join(tempDir('migvisor-ret-'), 'store')}`);
    await story(mw, true);
  });

  it('on etcd', async function () {
    this.timeout(90_000);
    const bin = requireEtcd(this);
    etcd = await startEtcd(bin);
    const mw = await startMiddleware(FILE, `etcd://${etcd.endpoint}`);
    await story(mw, false);
  });
});
