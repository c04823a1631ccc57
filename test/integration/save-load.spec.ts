/**
 * Containers on disk (like CRIU's dump, crit and restore): save a task on one
 * node, inspect the file, load it on another node, where it continues. Damaged
 * files are refused with a clear error and leave nothing half-restored behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { decodeHeader, encodeChunkDelimited, FILE_MAGIC, readContainerFile, type RawChunk } from '../../src/migtask/index.ts';
import {
  cleanup,
  cliJson,
  cliOk,
  consecutive,
  EventLog,
  fixture,
  info,
  migTask,
  oneLineError,
  ps,
  runCli,
  sleep,
  slotStates,
  startNodes,
  stateOf,
  tempDir,
  type NodeProcess,
} from '../support/processes.ts';
import { frame, partsOf, plainPayload, withHeader } from '../support/containers.ts';
import { Code, MigvisorError, unary } from '../../src/common/index.ts';

type Header = Parameters<Parameters<typeof withHeader>[1]>[0];

const FIELD = fixture('cluster-field.yaml');
const COUNTER = 'counter ';

interface InspectJson {
  file: string;
  header: { formatVersion: number; taskId: string; program: string; sourceNode: string; partition: string; fingerprint: string; wordSize: number; endian: string; pageSize: number; pageCount: number; mode: string };
  travelers: { id: number; status: string; pc: string; registers: string[] }[];
  regions: { name: string; pages: number; present: number; zero: number; sent: number }[];
  sizes: { chunks: number; pagesSent: number };
  checksums: { chunksOk: number; chunksBad: number; container: string };
  valid: boolean;
  problems: string[];
}

async function readChunks(file: string): Promise<RawChunk[]> {
  const out: RawChunk[] = [];
  for await (const c of readContainerFile(file)) out.push(c);
  return out;
}

function writeChunks(file: string, chunks: readonly RawChunk[]): void {
  fs.writeFileSync(file, Buffer.concat([FILE_MAGIC, ...chunks.map((c) => Buffer.from(encodeChunkDelimited(c)))]));
}

describe('Save, inspect and load', function () {
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let counter: string;
  let logA: EventLog;
  let logB: EventLog;
  let dir: string;
  let saved: string;

  before(async function () {
    this.timeout(30_000);
    nodes = await startNodes(FIELD, ['field-a', 'field-b']);
    A = nodes['field-a']!.address;
    B = nodes['field-b']!.address;
    counter = (await ps(A)).find((t) => t.program === 'counter.s')!.taskId;
    logA = await EventLog.open(A, { task: counter });
    logB = new EventLog(B, { task: counter });
    dir = tempDir();
    saved = path.join(dir, 'counter.mvc');
  });

  after(cleanup);

  it('save writes the container and stops the task on the source', async () => {
    // `save --json`: sizes as strings (uint64), the save's migration id, and the ConfirmSaveResponse (the slot, a MigSink now).
    const result = await cliJson<{ file: string; bytes: string; pages: string; migrationId: string; stopped: boolean; confirmSave: { task: { slot: string; state: string } } | null }>([
      'save', counter, saved, '--node', A,
    ]);
    expect(result).to.include({ file: saved, stopped: true });
    expect(result.confirmSave?.task).to.include({ slot: 'ctrl/0', state: 'MIG_STATE_MIG_SINK' });
    // The output names the save by its migration id; the container it wrote holds the counter under that id.
    const header = decodeHeader((await readChunks(saved))[0]!.payload);
    expect(header).to.include({ taskId: counter, migrationId: result.migrationId });
    expect(fs.statSync(saved).size).to.equal(Number(result.bytes));
    expect(Number(result.pages)).to.be.greaterThan(0);
    expect(await slotStates(A, 'ctrl')).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
    const n = logA.numbers(counter, COUNTER).length;
    await sleep(200);
    expect(logA.numbers(counter, COUNTER), 'lines after the save').to.have.length(n);
  });

  it('inspect --json decodes and verifies it: header, source, fingerprint, travelers, page map, checksums', async () => {
    const r = await cliJson<InspectJson>(['inspect', saved]);
    const fingerprint = (await info(A, { partition: 'ctrl' })).slot?.fingerprint;
    expect(r.valid, r.problems.join('; ')).to.equal(true);
    expect(r.header).to.include({ formatVersion: 2, taskId: counter, program: 'counter.s', sourceNode: 'field-a', partition: 'ctrl', fingerprint, wordSize: 32, endian: 'little', pageSize: 4096, pageCount: 96, mode: 'save' });
    expect(r.travelers).to.have.length(1);
    expect(r.travelers[0]!.registers).to.have.length(16);
    expect(r.travelers[0]!.pc).to.match(/^0x1[0-9a-f]{4}$/);
    expect(r.regions.map((m) => [m.name, m.pages])).to.deep.equal([
      ['code', 16],
      ['data', 64],
      ['stack', 16],
    ]);
    expect(r.regions.reduce((n, m) => n + m.sent, 0)).to.equal(r.sizes.pagesSent);
    expect(r.regions.reduce((n, m) => n + m.zero, 0), 'zero pages elided').to.be.greaterThan(0);
    expect(r.checksums).to.deep.equal({ chunksOk: r.sizes.chunks, chunksBad: 0, container: 'ok' });
  });

  it('load on field-b restores the task under its id and the counter continues at N+1', async () => {
    const id = (await cliOk(['load', saved, '--node', B])).trim();
    expect(id).to.equal(counter);
    const last = logA.numbers(counter, COUNTER).at(-1)!;
    await logB.waitForNumber(counter, COUNTER, last + 3, 5000);
    expect(logB.numbers(counter, COUNTER)[0]).to.equal(last + 1);
    expect(consecutive([...logA.numbers(counter, COUNTER), ...logB.numbers(counter, COUNTER)])).to.equal(undefined);
  });

  it('save --leave-running keeps the task running on the source', async () => {
    const file = path.join(dir, 'running.mvc');
    const result = await cliJson<{ stopped: boolean }>(['save', counter, file, '--node', B, '--leave-running', '--compress', 'brotli']);
    expect(result.stopped).to.equal(false);
    const last = logB.numbers(counter, COUNTER).at(-1)!;
    await logB.waitForNumber(counter, COUNTER, last + 3, 5000);
    expect(consecutive(logB.numbers(counter, COUNTER))).to.equal(undefined);
    expect(await stateOf(B, counter)).to.equal('MigSource');
  });

  it('save into a missing folder, onto a folder or onto a device: one line naming the file, before the task stops; nothing left behind', async () => {
    const before = logB.numbers(counter, COUNTER).length;
    const cases: [string, string][] = [
      [path.join(dir, 'nodir', 'x.mvc'), `cannot write ${path.join(dir, 'nodir', 'x.mvc')}: its folder ${path.join(dir, 'nodir')}: no such file`],
      [dir, `cannot write ${dir}: it is a folder`],
      ['/dev/null', 'cannot write /dev/null: it is not a regular file (a device, a pipe or a socket is never replaced)'],
    ];
    for (const [target, message] of cases) {
      const r = await runCli(['save', counter, target, '--node', B]);
      expect(oneLineError(r)).to.equal(`migvisor: ${message}`);
    }
    expect(fs.statSync('/dev/null').isCharacterDevice(), '/dev/null is still a device').to.equal(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), 'temporary files').to.deep.equal([]);
    expect(await stateOf(B, counter)).to.equal('MigSource');
    await logB.waitForNumber(counter, COUNTER, logB.numbers(counter, COUNTER).at(-1)! + 2, 5000);
    expect(logB.numbers(counter, COUNTER).length).to.be.greaterThan(before);
  });

  it('refuses to load a container whose task already runs on the node (ALREADY_EXISTS)', async () => {
    const r = await runCli(['load', saved, '--node', B]);
    expect(oneLineError(r)).to.match(new RegExp(`^migvisor: task ${counter} already exists on field-b \\(ctrl/0, MigSource\\)$`));
    expect(await slotStates(B, 'ctrl')).to.deep.equal([`ctrl/0 MigSource ${counter}`, 'ctrl/1 MigSink']);
  });

  it('a container with a flipped byte in a page chunk fails inspect (exit 2, naming the chunk) and load, leaving the sink as it was', async () => {
    const chunks = await readChunks(saved);
    const i = chunks.findIndex((c) => c.kind === 'CHUNK_KIND_PAGES');
    const page = chunks[i]!;
    const payload = Buffer.from(page.payload);
    payload[payload.length >> 1]! ^= 0x40;
    const bad = path.join(dir, 'flipped.mvc');
    writeChunks(bad, chunks.map((c, k) => (k === i ? { ...c, payload } : c)));

    const r = await runCli(['inspect', bad]);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.contain(`problem     chunk ${page.seq} (pages): SHA-256 mismatch`);
    expect(r.stdout).to.match(/verdict\s+INVALID/);

    // An invalid input file: exit 2, one line naming the file and the problem.
    const load = await runCli(['load', bad, '--node', A]);
    expect(oneLineError(load, 2)).to.equal(`migvisor: ${bad}: chunk ${page.seq} (pages) fails its SHA-256 check`);
    expect(await slotStates(A, 'ctrl'), 'nothing half-restored').to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);

    // A damaged header leaves nothing to describe: inspect says why in one line naming the file.
    const header = Buffer.from(chunks[0]!.payload);
    header[header.length >> 1]! ^= 0x40;
    const badHeader = path.join(dir, 'bad-header.mvc');
    writeChunks(badHeader, chunks.map((c, k) => (k === 0 ? { ...c, payload: header } : c)));
    expect(oneLineError(await runCli(['inspect', badHeader]), 2)).to.equal(`migvisor: ${badHeader}: chunk 0 (header) fails its SHA-256 check`);
  });

  it('a truncated container fails inspect and load with a clear error, leaving the sink as it was', async () => {
    const bytes = fs.readFileSync(saved);
    const cut = path.join(dir, 'truncated.mvc');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));

    const r = await runCli(['inspect', cut, '--json']);
    expect(r.code).to.equal(2);
    const report = JSON.parse(r.stdout) as InspectJson;
    expect(report.valid).to.equal(false);
    expect(report.problems.join('\n')).to.match(/truncated|incomplete/);

    const load = await runCli(['load', cut, '--node', A]);
    expect(oneLineError(load, 2)).to.match(/truncated|ended before its trailer/);
    expect(await slotStates(A, 'ctrl'), 'nothing half-restored').to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
  });

  it('a traveler restored waiting in gate_sendw with 100 bytes on inbox (receive rights only): refused by load (exit 2) and inspect alike; the node runs on', async () => {
    const forged = path.join(dir, 'gate-sendw.mvc');
    writeChunks(forged, withHeader(await readChunks(saved), (h) => {
      const t = h.travelers[0]!;
      t.status = 'TRAVELER_STATUS_WAITING' as never;
      t.wait = { kind: 'WAIT_KIND_GATE_SEND', gate: 'inbox', data: Buffer.alloc(100, 7) } as never;
    }));
    const problem = 'traveler 0: waits to send on gate inbox, but partition ctrl may not send on it';
    const load = await runCli(['load', forged, '--node', A]);
    expect(oneLineError(load, 2)).to.equal(`migvisor: ${forged}: ${problem}`);
    const r = await runCli(['inspect', forged, '--json']);
    expect(r.code).to.equal(2);
    expect((JSON.parse(r.stdout) as InspectJson).problems[0]).to.equal(problem);
    // The node is alive and ticking, the slot free.
    await sleep(100);
    expect(await slotStates(A, 'ctrl')).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
    expect(nodes['field-a']!.child.exitCode).to.equal(null);
    expect(nodes['field-a']!.stderr.join(''), 'no internal error or stack in the node log').not.to.match(/internal error|\n\s+at /);
  });

  it('inspect of a creation time of 2^62 or settings with regions: [{}]: a clear problem, exit 2, no internal error', async () => {
    for (const [name, change, problem] of [
      ['created.mvc', (h: Header) => void (h.createdUnixMs = 2 ** 62), /created_unix_ms 4611686018427388000 is not a time/],
      ['regions.mvc', (h: Header) => void (h.settings!.regions = [{}] as never), /settings\.regions\[0\]\.name is empty/],
    ] as const) {
      const file = path.join(dir, name);
      writeChunks(file, withHeader(await readChunks(saved), change));
      const r = await runCli(['inspect', file]);
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stdout).to.match(/verdict\s+INVALID/);
      expect(r.stdout).to.match(problem);
      expect(r.stderr).to.equal('');
      expect(oneLineError(await runCli(['load', file, '--node', A]), 2)).to.match(problem);
    }
    expect(await slotStates(A, 'ctrl')).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
  });

  it('a damaged object file: task start exits 2 naming it; the node refuses the same bytes with INVALID_ARGUMENT', async () => {
    const obj = path.join(dir, 'short.mvx');
    fs.writeFileSync(obj, 'MVX1');
    const r = await runCli(['task', 'start', '--node', A, '--partition', 'ctrl', '--program', obj]);
    expect(oneLineError(r, 2)).to.equal(`migvisor: ${obj}: object is 4 bytes, too short for its header length`);
    const c = migTask(A);
    const refused = await unary(c.Initialize, c, { partition: 'ctrl', programName: 'short.mvx', programObject: Buffer.from('MVX1') }, 'initialize').catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(MigvisorError);
    expect((refused as MigvisorError).code).to.equal(Code.INVALID_ARGUMENT);
    expect((refused as Error).message).to.match(/short\.mvx: object is 4 bytes/);
    expect(await slotStates(A, 'ctrl')).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
  });

  it('a page chunk relabelled as a state chunk: refused, and no slot is left taken', async () => {
    // As the fuzz campaign did: uncompressed, so only its kind is wrong.
    const parts = partsOf(await readChunks(saved)).map((p) => (p.kind === 'CHUNK_KIND_PAGES' ? { kind: 'CHUNK_KIND_STATE' as const, compression: 'none' as const, payload: plainPayload(p) } : p));
    const relabelled = path.join(dir, 'relabelled.mvc');
    writeChunks(relabelled, frame(parts));
    const load = await runCli(['load', relabelled, '--node', A]);
    expect(oneLineError(load, 2)).to.match(/a state chunk in a container that is neither a pre-copy nor a full migration/);
    expect((await runCli(['inspect', relabelled])).code).to.equal(2);
    expect(await slotStates(A, 'ctrl')).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
  });
});
