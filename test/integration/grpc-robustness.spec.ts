/**
 * gRPC robustness against a real node process: every method of every service the
 * node lists by reflection, called with garbage bytes, hostile values (ids of
 * 100,000 characters, empty strings, NUL bytes, negative and huge numbers) and
 * broken client streams (cancelled, silent, out of order). Every call gets an
 * answer that is not INTERNAL; afterwards the node is alive, SERVING, its boot
 * task still runs and no slot is stuck receiving. And one StreamTo of 2^29 bytes
 * does not lift the node's peak memory by hundreds of MB. README "## Limits".
 */
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import fc from 'fast-check';
import { serverStream, unary } from '../../src/common/clients.ts';
import { CHANNEL_OPTIONS, packageDefinition, wire } from '../../src/common/wire.ts';
import { ChunkEncoder, decodeHeader } from '../../src/migtask/index.ts';
import { toWireChunk } from '../../src/migtask/container-codec.ts';
import type { ContainerHeader } from '../../src/generated/migvisor/v1/ContainerHeader.ts';
import { fuzzSeed } from '../support/fuzz.ts';
import { listServices } from '../support/reflection.ts';
import { cleanup, control, healthStatus, pidAlive, poll, ps, sleep, startNode, type NodeProcess } from '../support/processes.ts';

const IDLE_MS = 400;
const identity = (b: Buffer): Buffer => b;

interface Method {
  readonly service: string;
  readonly name: string;
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly serialize: (v: unknown) => Buffer;
  /** Fields of the request message: name (camelCase) and protobuf type. */
  readonly fields: readonly { name: string; type: string; repeated: boolean }[];
}

/** The methods of the services a node lists, with their request fields, from the wire descriptor. */
function methodsOf(services: readonly string[]): Method[] {
  const def = packageDefinition();
  const out: Method[] = [];
  for (const service of services) {
    const s = def[service] as grpc.ServiceDefinition | undefined;
    if (!s) continue;
    for (const [name, md] of Object.entries(s)) {
      const type = (md as unknown as { requestType: { type: { field: { name: string; type: string; label: string }[] } } }).requestType.type;
      out.push({
        service,
        name,
        path: md.path,
        requestStream: md.requestStream,
        responseStream: md.responseStream,
        serialize: md.requestSerialize as (v: unknown) => Buffer,
        fields: type.field.map((f) => ({ name: f.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), type: f.type, repeated: f.label === 'LABEL_REPEATED' })),
      });
    }
  }
  return out;
}

/** Hostile values for one field by its protobuf type. */
function hostileValues(type: string, repeated: boolean): unknown[] {
  const one = ((): unknown[] => {
    switch (type) {
      case 'TYPE_STRING':
        return ['', 'x'.repeat(100_000), 'a\u0000b', '\u0000', '../../etc/passwd', 'é'.repeat(300), ' :0', '[::1]:99999'];
      case 'TYPE_BYTES':
        return [Buffer.alloc(0), Buffer.alloc(1 << 20, 0xff), Buffer.from('MVX1')];
      case 'TYPE_BOOL':
        return [true];
      case 'TYPE_ENUM':
        return [99, -1];
      case 'TYPE_MESSAGE':
        return [{}];
      default:
        return [-1, 0, 2 ** 31 - 1, 2 ** 32 - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    }
  })();
  return repeated ? [[], ...one.slice(0, 3).map((v) => Array.from({ length: 3000 }, () => v))] : one;
}

type Answer = { code: number; details: string };

/** One call with raw request bytes (a stream writes each message, then ends or `breakOff`s). */
function call(client: grpc.Client, m: Method, messages: readonly Buffer[], breakOff: 'end' | 'cancel' | 'silent' = 'end', ms = 6000): Promise<Answer> {
  return new Promise<Answer>((resolve) => {
    const opts: grpc.CallOptions = { deadline: Date.now() + ms };
    const done = (e: grpc.ServiceError | null): void => resolve(e ? { code: e.code, details: e.details } : { code: grpc.status.OK, details: '' });
    if (!m.requestStream && !m.responseStream) {
      client.makeUnaryRequest(m.path, identity, identity, messages[0] ?? Buffer.alloc(0), opts, done);
    } else if (!m.requestStream) {
      const s = client.makeServerStreamRequest(m.path, identity, identity, messages[0] ?? Buffer.alloc(0), opts);
      // A stream that answers, or stays open without failing (Watch waits for events), is alive: stop it.
      s.on('data', () => s.cancel());
      setTimeout(() => s.cancel(), 1000);
      s.on('error', (e: grpc.ServiceError) => done(e.code === grpc.status.CANCELLED ? null : e));
      s.on('end', () => done(null));
    } else {
      const s = client.makeClientStreamRequest(m.path, identity, identity, opts, done);
      for (const b of messages) s.write(b);
      if (breakOff === 'end') s.end();
      else if (breakOff === 'cancel') setTimeout(() => s.cancel(), 20);
    }
  });
}

/** Runs `jobs` `width` at a time. */
async function inBatches<T>(jobs: readonly (() => Promise<T>)[], width = 24): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += width) out.push(...(await Promise.all(jobs.slice(i, i + width).map((j) => j()))));
  return out;
}

/** Peak resident memory of a process, MiB (Linux). */
function peakMiB(pid: number): number {
  return Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

describe('gRPC robustness of a real node', function () {
  this.timeout(40_000);
  let node: NodeProcess;
  let methods: Method[];
  let client: grpc.Client;
  let header: ContainerHeader;
  let bootTask: string;
  let freeBefore: number;

  before(async () => {
    node = await startNode('config/cluster.yaml', 'field-a', { args: ['--stream-idle-timeout', `${IDLE_MS}ms`] });
    methods = methodsOf((await listServices(node.address)).filter((s) => s.startsWith('migvisor.')));
    client = new grpc.Client(node.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const slots = await ps(node.address);
    bootTask = slots.find((t) => t.program === 'counter.s')!.taskId;
    freeBefore = slots.filter((t) => t.state === 'MigSink').length;
    // A real container header (of a save left running), renamed so that it is not the running task.
    const c = control(node.address);
    let first: Uint8Array | undefined;
    let migrationId = '';
    for await (const m of serverStream(c.Save({ taskId: bootTask, leaveRunning: true }), 'save')) {
      first ??= m.chunk!.payload;
      if (!migrationId) migrationId = decodeHeader(first).migrationId;
    }
    await unary(c.CancelSave, c, { migrationId }, 'cancel save').catch(() => undefined);
    header = { ...(decodeHeader(first!) as unknown as ContainerHeader), taskId: 'hostile-task', migrationId: 'hostile-migration' };
  });

  after(async () => {
    client?.close();
    await cleanup();
  });

  it('answers every method, whatever it is sent, and never with INTERNAL', async () => {
    expect(methods.map((m) => m.service)).to.include.members(['migvisor.v1.MigTask', 'migvisor.v1.NodeControl', 'migvisor.v1.Cluster', 'migvisor.v1.Diagnostics']);
    const garbage = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 300 }), { seed: fuzzSeed, numRuns: 6 }).map((b) => Buffer.from(b));
    const jobs: (() => Promise<[string, Answer]>)[] = [];
    for (const m of methods) {
      for (const g of garbage) jobs.push(async () => [`${m.name} garbage`, await call(client, m, [g, g])]);
      for (const f of m.fields) {
        for (const v of hostileValues(f.type, f.repeated)) {
          let bytes: Buffer;
          try {
            bytes = m.serialize({ [f.name]: v });
          } catch {
            continue; // not encodable: nothing to send
          }
          jobs.push(async () => [`${m.name} ${f.name}=${JSON.stringify(v)?.slice(0, 30)}`, await call(client, m, [bytes])]);
        }
      }
    }
    const answers = await inBatches(jobs);
    expect(answers.length).to.be.greaterThan(300);
    const bad = answers.filter(([, a]) => a.code === grpc.status.INTERNAL || a.code === grpc.status.UNKNOWN || a.code === grpc.status.DEADLINE_EXCEEDED);
    if (process.env.DEBUG_ROBUST) console.log(bad.map(([what, a]) => `${what}: ${a.code} ${a.details}`).join('\n'));
    expect(bad.map(([what, a]) => `${what}: ${a.code} ${a.details}`)).to.deep.equal([]);
  });

  it('frees what broken client streams took, and answers the sender', async () => {
    const streams = methods.filter((m) => m.requestStream);
    expect(streams.map((m) => m.name).sort()).to.deep.equal(['Discard', 'Load', 'PushPages', 'Receive', 'ReceiveStream']);
    const good = (m: Method, name: string): Buffer =>
      // Each stream's own message shape carrying a real header chunk (PushPages reads it as its first message).
      m.serialize({ chunk: toWireChunk(new ChunkEncoder().header({ ...header, taskId: `hostile-${name}`, migrationId: `hostile-${name}` })) });
    const jobs: (() => Promise<[string, Answer]>)[] = [];
    for (const m of streams) {
      for (const how of ['cancel', 'end'] as const) {
        jobs.push(async () => [`${m.name} ${how}`, await call(client, m, [good(m, `${m.name}-${how}`)], how)]);
        jobs.push(async () => [`${m.name} twice ${how}`, await call(client, m, [good(m, `${m.name}-twice-${how}`), good(m, `${m.name}-twice-${how}`)], how)]);
        jobs.push(async () => [`${m.name} garbage ${how}`, await call(client, m, [good(m, `${m.name}-g-${how}`), Buffer.from([0x0a, 0xff, 0xff])], how)]);
      }
      jobs.push(async () => [`${m.name} empty`, await call(client, m, [])]);
    }
    const answers = await inBatches(jobs);
    for (const [what, a] of answers) expect(a.code, `${what}: ${a.details}`).to.not.be.oneOf([grpc.status.INTERNAL, grpc.status.UNKNOWN, grpc.status.DEADLINE_EXCEEDED]);
    // A stream that takes a slot with its header and then goes quiet is failed after the idle timeout, with a reason.
    for (const m of streams.filter((x) => x.name !== 'PushPages' && x.name !== 'ReceiveStream')) {
      const a = await call(client, m, [good(m, `${m.name}-silent`)], 'silent');
      expect(a, m.name).to.deep.equal({ code: grpc.status.DEADLINE_EXCEEDED, details: `${m.name}: no message for ${IDLE_MS} ms (the stream idle timeout); the stream is closed` });
    }
    // PushPages names its migration first, and one that is not here is refused at once, silent or not.
    const push = streams.find((x) => x.name === 'PushPages')!;
    expect((await call(client, push, [push.serialize({ migrationId: 'hostile-push' })], 'silent')).code).to.equal(grpc.status.NOT_FOUND);
    // So does a side stream of a container (ReceiveStream) whose migration is not here.
    const side = streams.find((x) => x.name === 'ReceiveStream')!;
    const lone = await call(client, side, [side.serialize({ migrationId: 'hostile-side', stream: 1 })], 'silent');
    expect(lone.code, lone.details).to.be.oneOf([grpc.status.NOT_FOUND, grpc.status.INVALID_ARGUMENT, grpc.status.FAILED_PRECONDITION]);
    const free = (await ps(node.address)).filter((t) => t.state === 'MigSink').length;
    expect(free, 'the silent streams left their slots').to.equal(freeBefore);
  });

  it('is alive and SERVING afterwards, its boot task runs, and no slot is stuck', async () => {
    await sleep(IDLE_MS);
    expect(pidAlive(node.pid)).to.equal(true);
    expect(await healthStatus(node.address)).to.equal('SERVING');
    const tasks = await poll('every slot settled', async () => {
      const t = await ps(node.address);
      return t.every((s) => s.state === 'MigSink' || s.taskId === bootTask) ? t : undefined;
    }, 5000);
    expect(tasks.find((t) => t.taskId === bootTask)!.state).to.equal('MigSource');
    expect(tasks.filter((t) => t.state === 'MigSink').length, 'free slots').to.equal(freeBefore);
    expect(node.stderr.filter((l) => /^\s+at |ERR_STREAM_PREMATURE_CLOSE|internal error/.test(l)), 'no stacks in the node log').to.deep.equal([]);
  });

  it('streams 2^29 bytes through StreamTo without lifting its peak memory by hundreds of MB', async () => {
    // A node with the default stream limits, streaming to itself at the largest chunk size.
    const other = await startNode('config/cluster.yaml', 'field-b', { boot: false });
    const before = peakMiB(other.pid);
    const d = new (wire().Diagnostics)(other.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    try {
      const r = await unary(d.StreamTo, d, { target: other.address, bytes: 2 ** 29, chunkBytes: 4 << 20 }, 'stream to', 30_000);
      expect(r.bytes).to.equal(2 ** 29);
    } finally {
      d.close();
    }
    expect(peakMiB(other.pid) - before, 'peak memory growth, MiB').to.be.below(200);
  });
});
