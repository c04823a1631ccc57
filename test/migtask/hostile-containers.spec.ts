// Hostile containers (issue "Hostile input", classes 1, 3, 4 and 5): every damaged
// or forged container is refused by load with a ContainerError (INVALID_ARGUMENT)
// naming the field, before anything of it runs; the slot it was received into is
// free again; the node keeps ticking; and inspect finds the very same problem.
import { expect } from 'chai';
import { Code, InvalidArgumentError } from '../../src/common/index.ts';
import type { Node } from '../../src/hypervisor/node.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerError, encodeChunkDelimited, FILE_MAGIC, inspectContainer, readContainerFile, type RawChunk } from '../../src/migtask/index.ts';
import { frame, headerOf, partsOf, savedChunks, streamOf, withBatch, withHeader } from '../support/containers.ts';
import { fixture, TestCluster } from '../support/node-harness.ts';

type Header = Parameters<Parameters<typeof withHeader>[1]>[0];
type Traveler = Header['travelers'][number];

const traveler = (change: (t: Record<string, unknown> & Traveler) => void) => (h: Header): void => change(h.travelers[0] as Record<string, unknown> & Traveler);

describe('Hostile containers: refused at load, no slot left behind, inspect agrees', function () {
  let cluster: TestCluster;
  let source: Node;
  let sink: Node;
  let valid: RawChunk[];

  before(async () => {
    cluster = new TestCluster();
    source = cluster.node('field-a');
    const task = source.startTask({ partition: 'ctrl', program: fixture('spin.s') });
    source.runTicks(3);
    valid = await savedChunks(source, task.id!);
    sink = cluster.node('solo');
  });

  after(() => cluster.cleanup());

  /** Loads `chunks` into the sink node; answers the error it refused them with (or undefined). */
  async function load(chunks: RawChunk[]): Promise<ContainerError | undefined> {
    try {
      const r = await sink.migrations.sink.receive(streamOf(chunks), { activate: true });
      sink.kill(r.taskId);
      return undefined;
    } catch (e: unknown) {
      if (!(e instanceof ContainerError)) throw e;
      return e;
    }
  }

  /** Load refuses with INVALID_ARGUMENT naming `what`; every slot is free and the node ticks on; inspect says the same. */
  async function refused(chunks: RawChunk[], what: RegExp): Promise<void> {
    const e = await load(chunks);
    expect(e, 'load must refuse the container').to.be.instanceOf(ContainerError);
    expect(e!.message).to.match(what);
    expect(e!.code).to.equal(Code.INVALID_ARGUMENT);
    expect(sink.slots.map((s) => `${s.slotName} ${s.state} ${String(s.id)}`)).to.deep.equal(['ctrl/0 MigSink undefined', 'ctrl/1 MigSink undefined']);
    expect(() => sink.runTicks(8)).not.to.throw();
    const report = await inspectContainer(streamOf(chunks));
    expect(report.valid, 'inspect must call it invalid').to.equal(false);
    expect(report.problems[0]).to.equal(e!.message);
  }

  it('a valid container loads, runs, and inspect calls it valid', async () => {
    // (Under migration ids of their own: the mutants below keep the original's.)
    expect(await load(withHeader(valid, (h) => void (h.migrationId = 'valid-1')))).to.equal(undefined);
    expect((await inspectContainer(streamOf(valid))).valid).to.equal(true);
    expect(await load(withHeader(valid, (h) => void (h.migrationId = 'valid-2')))).to.equal(undefined);
  });

  describe('class 1: restored wait states are checked against the partition', () => {
    const waiting = (wait: Record<string, unknown>) => traveler((t) => {
      t.status = 'TRAVELER_STATUS_WAITING' as never;
      t.wait = wait as never;
    });

    it('gate_sendw of 100 bytes on inbox (the partition may only receive there, limit 16)', async () => {
      await refused(withHeader(valid, waiting({ kind: 'WAIT_KIND_GATE_SEND', gate: 'inbox', data: Buffer.alloc(100, 1) })), /traveler 0: waits to send on gate inbox, but partition ctrl may not send on it/);
    });

    it('gate_sendw of 8 bytes on inbox: also refused (no send rights), never delivered', async () => {
      await refused(withHeader(valid, waiting({ kind: 'WAIT_KIND_GATE_SEND', gate: 'inbox', data: Buffer.alloc(8, 1) })), /may not send on it/);
      expect(sink.gate('inbox')!.length).to.equal(0);
    });

    it('a wait on a gate the partition does not have', async () => {
      await refused(withHeader(valid, waiting({ kind: 'WAIT_KIND_GATE_RECV', gate: 'nowhere', buf: 0x100000, max: 8 })), /waits on gate "nowhere", which partition ctrl does not have/);
    });

    it('waiting for a page outside the address space, and waiting without a wait', async () => {
      await refused(withHeader(valid, waiting({ kind: 'WAIT_KIND_PAGE', page: 1 << 20 })), /waits for page 1048576 outside the \d+ pages/);
      await refused(withHeader(valid, traveler((t) => void (t.status = 'TRAVELER_STATUS_WAITING' as never))), /traveler 0: waiting without a wait state/);
    });

    it('bad handles, registers, priority and pc', async () => {
      await refused(withHeader(valid, traveler((t) => void (t.closedHandles = [0]))), /closed handles must be 3\.\.2\^31/);
      await refused(withHeader(valid, traveler((t) => void (t.closedHandles = Array.from({ length: 2000 }, (_, i) => i + 3)))), /2000 closed handles \(limit 1024\)/);
      await refused(withHeader(valid, traveler((t) => void (t.priority = 1000))), /priority 1000 is not 0\.\.255/);
      await refused(withHeader(valid, traveler((t) => void (t.pc = 2 ** 40))), /pc 1099511627776 is not a 32-bit address/);
    });
  });

  describe('class 3: a failed load leaves no zombie slot; ids are checked', () => {
    it('a page chunk relabelled as a state chunk', async () => {
      const parts = partsOf(valid).map((p) => (p.kind === 'CHUNK_KIND_PAGES' ? { ...p, kind: 'CHUNK_KIND_STATE' as const } : p));
      await refused(frame(parts), /a state chunk in a container that is neither a pre-copy nor a full migration/);
      // In a pre-copy container the state must be a whole header of the same task.
      const precopy = partsOf(withHeader(valid, (h) => void (h.mode = 'CONTAINER_MODE_PRECOPY' as never)));
      await refused(frame(precopy.map((p) => (p.kind === 'CHUNK_KIND_PAGES' ? { ...p, kind: 'CHUNK_KIND_STATE' as const } : p))), /state chunk|malformed container header/);
    });

    it('a task id with a NUL byte, an empty one, and one of 200 characters', async () => {
      await refused(withHeader(valid, (h) => void (h.taskId = 'spin\u0000x')), /task_id "spin\\u0000x" may only hold letters, digits/);
      await refused(withHeader(valid, (h) => void (h.taskId = '')), /task_id is empty/);
      await refused(withHeader(valid, (h) => void (h.taskId = 'a'.repeat(200))), /task_id is 200 characters long \(limit 128\)/);
    });
  });

  it('a task whose program has a name of 200 characters gets an id within the limit, and saves and loads', async () => {
    const long = `${'p'.repeat(200)}.s`;
    const task = source.startTask({ partition: 'ctrl', program: fixture('spin.s') });
    const program = { ...(await import('../../src/machine/index.ts')).assemble('  .text\nstart: b start\n', { word: 32, endian: 'little', textBase: 0x10000, dataBase: 0x100000, file: long }) };
    source.kill(task.id!);
    const t = source.startTask({ partition: 'ctrl', assembled: { program, name: long } });
    expect(t.id!.length).to.be.at.most(128);
    const chunks = await savedChunks(source, t.id!);
    source.kill(t.id!);
    expect(await load(chunks)).to.equal(undefined);
    // A program name no container could carry is refused when the task starts.
    const occupied = source.slots.filter((s) => s.occupied).length;
    expect(() => source.startTask({ partition: 'ctrl', assembled: { program, name: 'q'.repeat(300) } })).to.throw(InvalidArgumentError, /program_name is 300 characters long \(limit 255\)/);
    expect(source.slots.filter((s) => s.occupied)).to.have.length(occupied);
  });

  describe('class 4: malformed fields are typed errors naming the field', () => {
    it('traveler status unspecified or unknown', async () => {
      await refused(withHeader(valid, traveler((t) => void (t.status = 'TRAVELER_STATUS_UNSPECIFIED' as never))), /traveler 0: unknown status/);
      await refused(withHeader(valid, traveler((t) => void (t.status = 77 as never))), /traveler 0: unknown status 77/);
    });

    it('register bytes of the wrong size', async () => {
      await refused(withHeader(valid, traveler((t) => void (t.registers = Buffer.alloc(64)))), /traveler 0: 64 register bytes, expected 128/);
    });

    it('an unknown wait kind', async () => {
      await refused(
        withHeader(valid, traveler((t) => {
          t.status = 'TRAVELER_STATUS_WAITING' as never;
          t.wait = { kind: 42, gate: '', until: 0, buf: 0, max: 0, data: Buffer.alloc(0), page: 0 } as never;
        })),
        /traveler 0: unknown wait kind 42/,
      );
    });

    it('settings without regions or providers, regions: [{}], null stack size, none at all', async () => {
      await refused(withHeader(valid, (h) => void (h.settings!.regions = [])), /settings\.regions is empty/);
      await refused(withHeader(valid, (h) => void (h.settings!.regions = [{}] as never)), /settings\.regions\[0\]\.name is empty/);
      await refused(withHeader(valid, (h) => void (h.settings!.providers = [{}] as never)), /settings\.providers\[0\]\.name is empty/);
      await refused(withHeader(valid, (h) => void ((h.settings as unknown as Record<string, unknown>).stackPerTraveler = null)), /settings\.stack_per_traveler 0 is not a positive size/);
      await refused(withHeader(valid, (h) => void (h.settings = null)), /settings are missing/);
      await refused(withHeader(valid, (h) => void (h.settings!.providers = [])), /fingerprint .* is not the SHA-256 of the container's settings/);
    });

    it('an unknown chunk kind, also as a number in a file', async () => {
      const parts = partsOf(valid).map((p, i) => (i === 1 ? { ...p, kind: 'CHUNK_KIND_UNSPECIFIED' as const } : p));
      await refused(frame(parts), /chunk 1: unknown kind/);
      const file = join(cluster.dir, 'kind9.mvc');
      const chunks = frame(partsOf(valid));
      writeFileSync(file, Buffer.concat([FILE_MAGIC, ...chunks.map((c, i) => Buffer.from(encodeChunkDelimited(i === 1 ? { ...c, kind: 9 as never } : c)))]));
      const read: RawChunk[] = [];
      for await (const c of readContainerFile(file)) read.push(c);
      await refused(read, /chunk 1: unknown kind CHUNK_KIND_UNSPECIFIED/);
    });
  });

  describe('class 5: what inspect accepts, load accepts', () => {
    it('format version 0, creation time 2^62, a second header', async () => {
      await refused(withHeader(valid, (h) => void (h.formatVersion = 0)), /container format version 0 is not supported/);
      await refused(withHeader(valid, (h) => void (h.createdUnixMs = 2 ** 62)), /created_unix_ms 4611686018427388000 is not a time/);
      const parts = partsOf(valid);
      await refused(frame([parts[0]!, parts[0]!, ...parts.slice(1)]), /a second header chunk/);
    });

    it('a batch of the wrong size, a page out of range, a page missing', async () => {
      const h = headerOf(valid);
      const pages = partsOf(valid).filter((p) => p.kind === 'CHUNK_KIND_PAGES');
      expect(pages.length).to.be.greaterThan(0);
      const short = withBatch(pages[0]!.payload, (b) => void (b.data = b.data.subarray(0, b.data.length - 1)));
      const outside = withBatch(pages[0]!.payload, (b) => void (b.index[0] = h.pageCount + 5));
      const others = partsOf(valid).filter((p) => p.kind !== 'CHUNK_KIND_PAGES');
      await refused(frame([others[0]!, { kind: 'CHUNK_KIND_PAGES', payload: short! }, ...pages.slice(1)]), /chunk 1: \d+ bytes for \d+ pages of 4096/);
      await refused(frame([others[0]!, { kind: 'CHUNK_KIND_PAGES', payload: outside! }, ...pages.slice(1)]), /chunk 1: page \d+ outside the \d+ pages/);
      await refused(frame([others[0]!, ...pages.slice(1)]), /page \d+ is neither in the container nor marked zero/);
      const empty = withBatch(pages[0]!.payload, (b) => {
        b.index = [];
        b.zero = [];
        b.data = new Uint8Array();
      });
      await refused(frame([others[0]!, { kind: 'CHUNK_KIND_PAGES', payload: empty }, ...pages]), /chunk 1: 0 pages in one chunk \(1\.\.1024\)/);
    });
  });
});
