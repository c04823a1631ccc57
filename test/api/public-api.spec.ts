/**
 * The command channel as a public API, as a client author meets it on a real
 * cluster (`migvisor cluster up`: three node processes and the middleware):
 * reflection that tells the truth, `buf curl` with the documented snake_case
 * names, requests validated at the edge, cluster membership, pagination, a Watch
 * that resumes without losing events, the commands a slot accepts, and the CLI's
 * `--json` being exactly the RPC's proto3 JSON.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { Code, clientStream, serverStream, unary } from '../../src/common/index.ts';
import type { MiddlewareClient } from '../../src/generated/migvisor/v1/Middleware.ts';
import { bufCurl, bufCurlError } from '../support/buf.ts';
import { clusterUp, type ClusterUp } from '../support/cluster-up.ts';
import { withMiddlewareClient } from '../support/middleware-harness.ts';
import { cleanup, cliJson, control, example, migTask, poll, rejection, ROOT, runCli } from '../support/processes.ts';
import { fileByFilename, listServices, type FileDescriptor } from '../support/reflection.ts';

const COUNTER = example('counter.s');

describe('The command channel as a public API (a real cluster)', function () {
  this.timeout(60_000);
  let cluster: ClusterUp;
  let a: string;
  let b: string;
  let c: string;
  let mw: string;

  before(async () => {
    cluster = await clusterUp();
    [a, b, c] = ['field-a', 'field-b', 'field-c'].map((n) => cluster.node(n)) as [string, string, string];
    mw = cluster.endpoints.middleware;
  });

  after(async () => {
    await cluster?.stop();
    await cleanup();
  });

  const cli = (args: readonly string[]) => runCli([...args, '--cluster', cluster.file]);

  describe('server reflection', function () {
    it('lists exactly the services each process serves, with health and reflection', async () => {
      const standard = ['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];
      expect(await listServices(a)).to.deep.equal([...standard, 'migvisor.v1.Cluster', 'migvisor.v1.Diagnostics', 'migvisor.v1.MigTask', 'migvisor.v1.NodeControl'].sort());
      expect(await listServices(mw)).to.deep.equal([...standard, 'migvisor.v1.Cluster', 'migvisor.v1.Diagnostics', 'migvisor.v1.MigTask', 'migvisor.v1.Middleware'].sort());
    });

    it('returns the real file migvisor/v1/migtask.proto: package, dependencies, snake_case fields with json names, comments', async () => {
      const files = await fileByFilename(a, 'migvisor/v1/migtask.proto');
      expect(files).to.be.an('array');
      const file = (files as FileDescriptor[])[0]!;
      expect(file.name).to.equal('migvisor/v1/migtask.proto');
      expect(file.package).to.equal('migvisor.v1');
      expect(file.dependency).to.include.members(['migvisor/v1/container.proto', 'migvisor/v1/types.proto']);
      const init = file.messageType.find((m) => m.name === 'InitializeRequest')!;
      const source = init.field.find((f) => f.number === 3)!;
      expect(source).to.include({ name: 'program_source', jsonName: 'programSource' });
      expect(file.service.map((s) => s.name)).to.deep.equal(['MigTask']);
      const comments = (file.sourceCodeInfo?.location ?? []).map((l) => l.leadingComments ?? '').join('\n');
      expect(comments, 'the .proto comments travel with the file').to.contain('MigSink -> MigSource: the first boot of a program');
    });

    it('keeps retired field numbers reserved (ContainerHeader 14) and every comment points into the repository', async () => {
      const files = (await fileByFilename(a, 'migvisor/v1/container.proto')) as FileDescriptor[];
      const header = files[0]!.messageType.find((m) => m.name === 'ContainerHeader')! as unknown as { reservedRange: { start: number; end: number }[] };
      expect(header.reservedRange.some((r) => r.start <= 14 && 14 < r.end), 'field 14 reserved').to.equal(true);
      const fs = await import('node:fs');
      for (const f of fs.readdirSync(path.join(ROOT, 'proto', 'migvisor', 'v1'))) {
        expect(fs.readFileSync(path.join(ROOT, 'proto', 'migvisor', 'v1', f), 'utf8'), f).to.not.contain('DESIGN.md');
      }
    });

    it('answers NOT_FOUND for a file it does not have (no synthetic migvisor_v1.proto any more)', async () => {
      const r = await fileByFilename(a, 'migvisor_v1.proto');
      expect(r).to.have.property('code', Code.NOT_FOUND);
    });
  });

  describe('buf curl, driven by reflection', function () {
    it('starts a task with the documented snake_case names; priority 0 is a value, not "default"', async () => {
      const reply = await bufCurl(b, 'migvisor.v1.MigTask/Initialize', {
        partition: 'ctrl',
        program_name: 'counter.s',
        program_source: (await import('node:fs')).readFileSync(COUNTER, 'utf8'),
        priority: 0,
      });
      const task = reply.task as { taskId: string; state: string };
      expect(task.state).to.equal('MIG_STATE_MIG_SOURCE');
      const ps = await bufCurl(b, 'migvisor.v1.NodeControl/Ps', {}, { emitDefaults: true });
      const mine = (ps.tasks as { taskId: string; travelers: { priority: number }[] }[]).find((t) => t.taskId === task.taskId)!;
      expect(mine.travelers[0]!.priority, 'the priority asked for').to.equal(0);
      await bufCurl(b, 'migvisor.v1.NodeControl/Kill', { task_id: task.taskId });
    });

    it('calls the middleware the same way; its Info says "no limit" by leaving slot_bytes out, not with a JavaScript artefact', async () => {
      const reply = await bufCurl(mw, 'migvisor.v1.Middleware/List', { page_size: 5 }, { emitDefaults: true });
      expect(reply.store).to.match(/^file:\/\//);
      const info = await bufCurl(mw, 'migvisor.v1.MigTask/Info', {});
      expect(info.archive).to.equal(true);
      expect(info.slot as Record<string, unknown>).to.not.have.property('slotBytes');
      expect(JSON.stringify(info)).to.not.contain('9007199254740991');
    });

    it('gets refusals with the gRPC code and the field named', async () => {
      expect(await bufCurlError(b, 'migvisor.v1.MigTask/Info', { partition: 'no-such' })).to.deep.include({ code: 'not_found' });
      const e = await bufCurlError(b, 'migvisor.v1.NodeControl/Pause', {});
      expect(e.code).to.equal('invalid_argument');
      expect(e.message).to.equal('task_id: required');
    });
  });

  describe('validation at the edge', function () {
    const cases: { what: string; call: () => Promise<unknown>; code: number; message: RegExp }[] = [];
    const node = () => control(b);
    const channel = () => migTask(b);
    before(() => {
      cases.push(
        { what: 'Pause without task_id', call: () => unary(node().Pause, node(), {}, 'pause'), code: Code.INVALID_ARGUMENT, message: /^task_id: required$/ },
        { what: 'Pause of an unknown task', call: () => unary(node().Pause, node(), { taskId: 'nope-000000' }, 'pause'), code: Code.NOT_FOUND, message: /task "nope-000000" not found/ },
        { what: 'Info of an unknown partition', call: () => unary(channel().Info, channel(), { partition: 'no-such' }, 'info'), code: Code.NOT_FOUND, message: /partition "no-such"/ },
        { what: 'Info of an unknown slot', call: () => unary(channel().Info, channel(), { slot: 'ctrl/9' }, 'info'), code: Code.NOT_FOUND, message: /slot "ctrl\/9"/ },
        { what: 'Initialize without a program', call: () => unary(channel().Initialize, channel(), { partition: 'ctrl' }, 'init'), code: Code.INVALID_ARGUMENT, message: /^program: required/ },
        {
          what: 'Initialize with priority 300',
          call: () => unary(channel().Initialize, channel(), { partition: 'ctrl', programSource: 'halt', priority: 300 }, 'init'),
          code: Code.INVALID_ARGUMENT,
          message: /^priority: must be 0\.\.255, got 300$/,
        },
        { what: 'Initialize with 9 travelers', call: () => unary(channel().Initialize, channel(), { partition: 'ctrl', programSource: 'halt', travelers: 9 }, 'init'), code: Code.INVALID_ARGUMENT, message: /^travelers: must be 1\.\.4/ },
        { what: 'Commit without migration_id', call: () => unary(channel().Commit, channel(), {}, 'commit'), code: Code.INVALID_ARGUMENT, message: /^migration_id: required$/ },
        { what: 'FetchPages without pages', call: () => unary(channel().FetchPages, channel(), { migrationId: 'x' }, 'fetch'), code: Code.INVALID_ARGUMENT, message: /^pages: 1\.\.1024/ },
        { what: 'GateSend to an unknown gate', call: () => unary(node().GateSend, node(), { gate: 'no-gate', message: Buffer.from('x') }, 'send'), code: Code.NOT_FOUND, message: /gate "no-gate"/ },
        {
          what: 'a task id of 100,000 characters',
          call: () => unary(node().Kill, node(), { taskId: 'x'.repeat(100_000) }, 'kill'),
          code: Code.INVALID_ARGUMENT,
          message: /^task_id: at most 256 characters, got 100000$/,
        },
        {
          what: 'StopAndTransfer without a sink',
          call: async () => {
            for await (const m of serverStream(channel().StopAndTransfer({ taskId: 'x' }), 'st')) void m;
          },
          code: Code.INVALID_ARGUMENT,
          message: /^sink: required$/,
        },
        {
          what: 'StopAndTransfer with a mode this build does not know',
          call: async () => {
            for await (const m of serverStream(channel().StopAndTransfer({ taskId: 'x', sink: '127.0.0.1:1', mode: 42 as never }), 'st')) void m;
          },
          code: Code.INVALID_ARGUMENT,
          message: /^mode: unknown value 42/,
        },
        {
          what: 'Watch of a kind this build does not know (it would wait forever)',
          call: async () => {
            for await (const m of serverStream(node().Watch({ kinds: [99 as never] }), 'watch')) void m;
          },
          code: Code.INVALID_ARGUMENT,
          message: /^kinds\[0\]: unknown value 99/,
        },
        {
          what: 'PushPages whose first message names no migration',
          call: () => clientStream(channel().PushPages, channel(), [{ chunk: { seq: 0 } }], 'push', 5000),
          code: Code.INVALID_ARGUMENT,
          message: /^migration_id: the first message/,
        },
        { what: 'Ps with a page token it never gave', call: () => unary(node().Ps, node(), { pageToken: 'garbage' }, 'ps'), code: Code.INVALID_ARGUMENT, message: /^page_token: not a token/ },
        { what: 'SettleMigration of a task that is not in doubt', call: () => unary(node().SettleMigration, node(), { taskId: 'nope-000000' }, 'settle'), code: Code.NOT_FOUND, message: /task "nope-000000"/ },
      );
    });

    it('refuses every bad request with INVALID_ARGUMENT or NOT_FOUND naming the field or the thing', async () => {
      const seen: string[] = [];
      for (const t of cases) {
        const e = await rejection(t.call());
        seen.push(`${t.what}: ${e.code} ${e.message}`);
        expect(e.code, t.what).to.equal(t.code);
        expect(e.message, t.what).to.match(t.message);
      }
      expect(seen).to.have.length(cases.length);
    });

    it('refuses bad middleware requests the same way', async () => {
      await withMiddlewareClient(mw, async (m: MiddlewareClient) => {
        const restore = await rejection((async () => {
          for await (const x of serverStream(m.Restore({ node: 'field-a' }), 'restore')) void x;
        })());
        expect(restore.code).to.equal(Code.INVALID_ARGUMENT);
        expect(restore.message).to.equal('snapshot_id: required');
        const park = await rejection((async () => {
          for await (const x of serverStream(m.Park({ taskId: 't', node: 'no-such-node' }), 'park')) void x;
        })());
        expect(park.code).to.equal(Code.NOT_FOUND);
        const list = await rejection(unary(m.List, m, { labels: [{ key: 'bad key', value: 'v' }] }, 'list'));
        expect(list.code).to.equal(Code.INVALID_ARGUMENT);
        expect(list.message).to.match(/^labels\[0\]\.key:/);
      });
    });

    it("answers the middleware's MigSink role with NOT_FOUND for a task, a slot or a migration it does not hold", async () => {
      const c = migTask(mw);
      const task = await rejection(unary(c.Info, c, { taskId: 'counter' }, 'Info'));
      expect(task.code).to.equal(Code.NOT_FOUND);
      expect(task.message).to.match(/^task "counter" not found on the middleware \(it stores tasks, it does not run them/);
      const slot = await rejection(unary(c.Info, c, { slot: 'ctrl/1' }, 'Info'));
      expect(slot.code).to.equal(Code.NOT_FOUND);
      expect(slot.message).to.match(/^slot "ctrl\/1" not found on the middleware/);
      const commit = await rejection(unary(c.Commit, c, { migrationId: 'no-such-park' }, 'Commit'));
      expect(commit.code).to.equal(Code.NOT_FOUND);
      expect(commit.message).to.equal('park "no-such-park" not found in the archive');
      // A free MigSink slot, asked for by partition, is what a parking source asks for: still answered.
      expect((await unary(c.Info, c, { partition: 'ctrl' }, 'Info')).archive).to.equal(true);
    });

    it('stays serving after the bad requests (the next call on the same channel answers)', async () => {
      const reply = await unary(control(b).Ps, control(b), {}, 'ps');
      expect(reply.node).to.equal('field-b');
    });
  });

  describe('cluster membership', function () {
    it('any node and the middleware list every node with its address, CPU, partitions and state', async () => {
      for (const at of [c, mw]) {
        const r = await bufCurl(at, 'migvisor.v1.Cluster/ListNodes', {}, { emitDefaults: true });
        const nodes = r.nodes as { name: string; address: string; wordSize: number; endian: string; state: string; partitions: string[] }[];
        expect(nodes.map((n) => n.name)).to.deep.equal(['field-a', 'field-b', 'field-c']);
        expect(nodes.map((n) => n.address)).to.deep.equal([a, b, c]);
        expect(nodes.map((n) => n.state)).to.deep.equal(['MEMBER_STATE_SERVING', 'MEMBER_STATE_SERVING', 'MEMBER_STATE_SERVING']);
        expect(nodes[2]).to.deep.include({ wordSize: 64, endian: 'ENDIAN_BIG', partitions: ['ctrl'] });
        expect(r.middleware).to.equal(mw);
        expect(r.middlewareState).to.equal('MEMBER_STATE_SERVING');
      }
    });
  });

  describe('pagination', function () {
    it('pages through Ps with page_size and next_page_token, every slot once', async () => {
      const all = (await unary(control(a).Ps, control(a), {}, 'ps')).tasks.map((t) => t.slot);
      const paged: string[] = [];
      let token = '';
      for (let i = 0; i < 10; i++) {
        const p = await unary(control(a).Ps, control(a), { pageSize: 1, pageToken: token }, 'ps');
        expect(p.tasks).to.have.length(1);
        paged.push(p.tasks[0]!.slot);
        token = p.nextPageToken;
        if (!token) break;
      }
      expect(paged).to.deep.equal(all);
      expect(all.length).to.be.greaterThan(1);
    });

    it('pages through the archive with List, newest first, with the total', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const task = (await unary(migTask(b).Initialize, migTask(b), { partition: 'ctrl', programName: 'counter.s', programSource: (await import('node:fs')).readFileSync(COUNTER, 'utf8') }, 'init')).task!.taskId;
        const out = await cliJson<{ snapshot: { id: string } }>(['snapshot', 'park', task, '--node', 'field-b', '--label', 'page=test', '--cluster', cluster.file]);
        ids.push(out.snapshot.id);
      }
      await withMiddlewareClient(mw, async (m) => {
        const first = await unary(m.List, m, { labels: [{ key: 'page', value: 'test' }], pageSize: 2 }, 'list');
        expect(first.total).to.equal(3);
        expect(first.snapshots.map((s) => s.id)).to.deep.equal([ids[2], ids[1]]);
        expect(first.nextPageToken).to.not.equal('');
        const second = await unary(m.List, m, { labels: [{ key: 'page', value: 'test' }], pageSize: 2, pageToken: first.nextPageToken }, 'list');
        expect(second.snapshots.map((s) => s.id)).to.deep.equal([ids[0]]);
        expect(second.nextPageToken).to.equal('');
        // The API speaks of its own fields, not of CLI flags.
        const refused = await rejection(unary(m.Delete, m, { snapshotId: ids[0]! }, 'delete'));
        expect(refused.code).to.equal(Code.FAILED_PRECONDITION);
        expect(refused.message).to.match(/set force/).and.not.match(/--/);
      });
    });
  });

  describe('Watch', function () {
    it('numbers every event; a watcher that resumes after the last number it saw misses nothing and repeats nothing', async () => {
      const first: number[] = [];
      const stream1 = control(a).Watch({});
      for await (const m of serverStream(stream1, 'watch')) {
        first.push(m.event!.seq);
        if (first.length === 12) break;
      }
      expect(first, 'numbers go up by one').to.deep.equal(first.map((_, i) => first[0]! + i));
      // Reconnect as a client would after a drop: resume after the 6th event it saw.
      const resumeAfter = first[5]!;
      const second: number[] = [];
      for await (const m of serverStream(control(a).Watch({ afterSeq: resumeAfter }), 'watch')) {
        second.push(m.event!.seq);
        if (second.length === 12) break;
      }
      expect(second, 'the replay starts right after the resume point, without a gap').to.deep.equal(second.map((_, i) => resumeAfter + 1 + i));
    });

    it('refuses a resume point past the last event with OUT_OF_RANGE (the node restarted?)', async () => {
      const e = await rejection((async () => {
        for await (const m of serverStream(control(a).Watch({ afterSeq: 1e12 }), 'watch')) void m;
      })());
      expect(e.code).to.equal(Code.OUT_OF_RANGE);
      expect(e.message).to.match(/after_seq: .* is past the last event of field-a/);
    });
  });

  describe('accepted commands', function () {
    it('a task lists every command it accepts, process management included; an empty slot its own', async () => {
      const counter = (await unary(control(a).Ps, control(a), {}, 'ps')).tasks.find((t) => t.program === 'counter.s')!;
      const running = await unary(migTask(a).Info, migTask(a), { taskId: counter.taskId }, 'info');
      expect(running.slot!.acceptedCommands).to.deep.equal(['COMMAND_INFO', 'COMMAND_STOP_AND_TRANSFER', 'COMMAND_KILL', 'COMMAND_PAUSE', 'COMMAND_RESUME', 'COMMAND_SAVE', 'COMMAND_COPY']);
      const empty = await unary(migTask(c).Info, migTask(c), { partition: 'ctrl' }, 'info');
      expect(empty.slot!.acceptedCommands).to.deep.equal(['COMMAND_INFO', 'COMMAND_INITIALIZE', 'COMMAND_RECEIVE']);
      expect(empty.tickUs, 'the length of a tick').to.equal(1000);
    });
  });

  describe('one JSON convention in the CLI', function () {
    const drop = (o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

    it('ps, info and snapshot list print the proto3 JSON of their RPC (as buf curl --emit-defaults does)', async () => {
      const pairs: [readonly string[], string, string, unknown, readonly string[]][] = [
        [['ps', '--node', 'field-c'], c, 'migvisor.v1.NodeControl/Ps', {}, ['tick']],
        [['info', '--node', 'field-c', '--partition', 'ctrl'], c, 'migvisor.v1.MigTask/Info', { partition: 'ctrl' }, ['tick']],
        [['snapshot', 'list', '--label', 'page=test'], mw, 'migvisor.v1.Middleware/List', { labels: [{ key: 'page', value: 'test' }] }, []],
      ];
      for (const [args, at, method, body, volatile] of pairs) {
        const r = await cli([...args, '--json']);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
        const fromCli = JSON.parse(r.stdout) as Record<string, unknown>;
        const fromRpc = await bufCurl(at, method, body, { emitDefaults: true });
        expect(drop(fromCli, volatile), args.join(' ')).to.deep.equal(drop(fromRpc, volatile));
      }
    });

    it('uses the same conventions in every command: lowerCamelCase names, enums by name, 64-bit integers as strings', async () => {
      const ps = await cliJson<{ node: string; tick: string; tasks: { taskId: string; state: string; instructions: string }[] }>(['ps', '--node', 'field-a', '--cluster', cluster.file]);
      expect(ps.tick).to.be.a('string').and.match(/^\d+$/);
      const counter = ps.tasks.find((t) => t.taskId.startsWith('counter-'))!;
      expect(counter.state).to.equal('MIG_STATE_MIG_SOURCE');
      const info = await cliJson<{ slot: { taskId: string; acceptedCommands: string[] } }>(['info', '--node', 'field-a', '--task', counter.taskId, '--cluster', cluster.file]);
      expect(info.slot.taskId).to.equal(counter.taskId);
    });
  });

  describe('every --json output', function () {
    it('is exactly the canonical proto3 JSON of a message of its response type', async () => {
      const { toProtoJson } = await import('../../src/common/index.ts');
      const { messageType } = await import('../../src/common/wire.ts');
      const canonical = (type: string, json: unknown): void => {
        const t = messageType(type);
        // Decoding the output as that type and printing it again gives the output back, to the letter.
        expect(toProtoJson(type, t.toObject(t.fromObject(json as Record<string, unknown>), { longs: Number, enums: String, bytes: Buffer } as never)), type).to.deep.equal(json);
      };
      const json = async (args: readonly string[]): Promise<unknown> => {
        const r = await cli([...args, '--json']);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
        return JSON.parse(r.stdout) as unknown;
      };
      const started = (await json(['task', 'start', '--node', 'field-b', '--partition', 'ctrl', '--program', COUNTER])) as { task: { taskId: string } };
      canonical('InitializeResponse', started);
      const task = started.task.taskId;
      canonical('PauseResponse', await json(['pause', task, '--node', 'field-b']));
      canonical('ResumeResponse', await json(['resume', task, '--node', 'field-b']));
      canonical('PsResponse', await json(['ps', '--node', 'field-b']));
      canonical('InfoResponse', await json(['info', '--node', 'field-b', '--task', task]));
      canonical('GateSendResponse', await json(['gate', 'send', 'inbox', 'hi', '--node', 'field-b']));
      const copy = (await json(['copy', task, '--node', 'field-b'])) as { task: { taskId: string } };
      canonical('CopyResponse', copy);
      canonical('KillResponse', await json(['kill', copy.task.taskId, '--node', 'field-b']));
      const moved = (await json(['migrate', task, '--from', 'field-b', '--to', 'field-a'])) as { stats: { status: string; downtimeMs: number; bytes: string } };
      canonical('StopAndTransferResponse', moved);
      expect(moved.stats.status).to.equal('MIGRATION_STATUS_COMPLETED');
      expect(moved.stats.downtimeMs).to.be.a('number');
      expect(moved.stats.bytes).to.be.a('string');
      const parked = (await json(['snapshot', 'park', task, '--node', 'field-a'])) as { snapshot: { id: string } };
      canonical('ParkResponse', parked);
      canonical('WhereResponse', await json(['where', task]));
      canonical('InspectResponse', await json(['snapshot', 'inspect', parked.snapshot.id]));
      canonical('RestoreResponse', await json(['snapshot', 'restore', parked.snapshot.id, '--node', 'field-b']));
      canonical('MoveResponse', await json(['move', task, '--to', 'field-a']));
      canonical('ListResponse', await json(['snapshot', 'list']));
      const lines = (await cli(['watch', '--node', 'field-a', '--count', '2', '--json'])).stdout.trim().split('\n');
      expect(lines).to.have.length(2);
      for (const l of lines) canonical('WatchResponse', JSON.parse(l));
      canonical('KillResponse', await json(['kill', task, '--node', 'field-a']));
    });
  });

  describe('a Python client generated from proto/ (grpcio)', function () {
    it('finds the cluster, starts the counter, watches it, moves it live and parks it', async function () {
      const python = await import('../support/python.ts');
      const interpreter = python.debianPython(this);
      const gen = python.generateStubs(interpreter);
      const r = await python.runPython(interpreter, [path.join(ROOT, 'examples', 'python', 'client.py'), '--node', c, '--program', COUNTER], gen);
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { before: number[]; after: number[]; status: string; mode: string; snapshot: string; where: string; source: string; sink: string };
      expect([out.source, out.sink]).to.deep.equal(['field-a', 'field-b']);
      expect(out.mode).to.equal('MIGRATION_MODE_PRECOPY');
      expect(out.status).to.equal('MIGRATION_STATUS_COMPLETED');
      const all = [...out.before, ...out.after];
      expect(out.after[0]!, 'the counter goes on after the move').to.be.greaterThan(out.before.at(-1)!);
      expect(all, 'no number twice').to.deep.equal([...new Set(all)]);
      expect(out.snapshot).to.match(/^snap-/);
      expect(out.where).to.equal('LOCATION_STATE_PARKED');
      await poll('the snapshot in the archive', async () => (await withMiddlewareClient(mw, (m) => unary(m.List, m, { labels: [{ key: 'client', value: 'python' }] }, 'list'))).snapshots.length === 1);
    });
  });
});
