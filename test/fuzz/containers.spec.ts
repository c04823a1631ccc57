// Properties of the container decoder: structured mutants of a valid container
// (bit flips, truncation, field changes, relabelled, dropped or repeated chunks)
// are either loaded or refused with a typed error that is not INTERNAL; inspect
// never throws and agrees with load; and the node ticks on with no slot taken.
import { expect } from 'chai';
import fc from 'fast-check';
import { Code, MigvisorError } from '../../src/common/index.ts';
import type { Node } from '../../src/hypervisor/node.ts';
import { ContainerError, inspectContainer, type RawChunk } from '../../src/migtask/index.ts';
import { frame, partsOf, savedChunks, streamOf, withHeader, type Part } from '../support/containers.ts';
import { fuzzParameters } from '../support/fuzz.ts';
import { fixture, TestCluster } from '../support/node-harness.ts';

type Header = Parameters<Parameters<typeof withHeader>[1]>[0];
type Mutant = (valid: readonly RawChunk[]) => RawChunk[];

const KINDS: RawChunk['kind'][] = ['CHUNK_KIND_HEADER', 'CHUNK_KIND_PAGES', 'CHUNK_KIND_STATE', 'CHUNK_KIND_TRAILER', 'CHUNK_KIND_UNSPECIFIED'];

/** Odd values a field may be given. */
const oddValue = fc.oneof(
  fc.constantFrom<unknown>(0, 1, -1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 62, '', 'x', 'a\u0000b', 'bogus', null),
  fc.integer(),
  fc.string({ maxLength: 12 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
);

const HEADER_FIELDS = ['formatVersion', 'migrationId', 'taskId', 'program', 'partition', 'fingerprint', 'wordSize', 'endian', 'pageSize', 'pageCount', 'pageFlags', 'travelers', 'paused', 'sourceTick', 'createdUnixMs', 'gates', 'pagesToSend', 'sourceAddress', 'mode', 'settings'];
const TRAVELER_FIELDS = ['id', 'registers', 'pc', 'flags', 'status', 'priority', 'instructions', 'wait', 'fault', 'closedHandles', 'pendingConsole', 'exitCode'];
const WAITS = fc.record({
  kind: fc.constantFrom<unknown>('WAIT_KIND_SLEEP', 'WAIT_KIND_GATE_RECV', 'WAIT_KIND_GATE_SEND', 'WAIT_KIND_PAGE', 'WAIT_KIND_UNSPECIFIED', 42),
  gate: fc.constantFrom('inbox', 'files', 'nowhere', ''),
  until: fc.nat(),
  buf: fc.nat(),
  max: fc.nat(),
  data: fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
  page: fc.nat(100_000),
});
const SETTINGS_CHANGES = fc.constantFrom<(s: Record<string, unknown>) => void>(
  (s) => void (s['regions'] = []),
  (s) => void (s['regions'] = [{}]),
  (s) => void (s['providers'] = []),
  (s) => void (s['providers'] = [{}]),
  (s) => void (s['stackPerTraveler'] = null),
  (s) => void (s['maxTravelers'] = 0),
  (s) => void (s['name'] = 'other'),
);

const mutants: fc.Arbitrary<Mutant> = fc.oneof(
  // A bit flipped in one chunk, its digest left as it was (or framed again, so the damage reaches the decoders).
  fc.tuple(fc.nat(), fc.nat(), fc.nat(7), fc.boolean()).map(([c, b, bit, reframe]): Mutant => (valid) => {
    const i = c % valid.length;
    const payload = Buffer.from(valid[i]!.payload);
    if (payload.length > 0) payload[b % payload.length]! ^= 1 << bit;
    const chunks = valid.map((x, k) => (k === i ? { ...x, payload } : x));
    return reframe ? frame(partsOf(chunks)) : chunks;
  }),
  // Truncated: a payload cut short, or the stream ends early.
  fc.tuple(fc.nat(), fc.nat(), fc.boolean()).map(([c, n, cutStream]): Mutant => (valid) => {
    if (cutStream) return valid.slice(0, c % valid.length);
    const i = c % (valid.length - 1);
    const parts = partsOf(valid).map((p, k) => (k === i ? { ...p, payload: p.payload.subarray(0, n % Math.max(1, p.payload.length)) } : p));
    return frame(parts);
  }),
  // One header field changed.
  fc.tuple(fc.constantFrom(...HEADER_FIELDS), oddValue).map(([field, v]): Mutant => (valid) => withHeader(valid, (h) => void (h[field] = v))),
  // One traveler field changed, or a wait state given.
  fc.tuple(fc.constantFrom(...TRAVELER_FIELDS), oddValue, WAITS, fc.boolean()).map(([field, v, wait, waiting]): Mutant => (valid) =>
    withHeader(valid, (h: Header) => {
      const t = h.travelers[0] as unknown as Record<string, unknown>;
      if (waiting) {
        t['status'] = 'TRAVELER_STATUS_WAITING';
        t['wait'] = wait;
      } else t[field] = v;
    }),
  ),
  // The partition settings damaged.
  SETTINGS_CHANGES.map((change): Mutant => (valid) => withHeader(valid, (h) => change(h.settings as unknown as Record<string, unknown>))),
  // A chunk relabelled, dropped or repeated.
  fc.tuple(fc.nat(), fc.constantFrom(...KINDS), fc.constantFrom('relabel', 'drop', 'repeat', 'swap')).map(([c, kind, how]): Mutant => (valid) => {
    const parts: Part[] = partsOf(valid);
    const i = c % parts.length;
    if (how === 'relabel') parts[i] = { ...parts[i]!, kind };
    else if (how === 'drop') parts.splice(i, 1);
    else if (how === 'repeat') parts.splice(i, 0, parts[i]!);
    else if (parts.length > 1) [parts[0], parts[i]] = [parts[i]!, parts[0]!];
    return frame(parts);
  }),
);

describe('fuzz: containers', function () {
  let cluster: TestCluster;
  let sink: Node;
  let valid: RawChunk[];

  before(async () => {
    cluster = new TestCluster();
    const source = cluster.node('field-a');
    const task = source.startTask({ partition: 'ctrl', program: fixture('fill.s') });
    source.runTicks(5);
    valid = await savedChunks(source, task.id!);
    sink = cluster.node('solo');
  });

  after(() => cluster.cleanup());

  it('every mutant is loaded or refused with a typed error, and inspect agrees with load', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutants, async (mutate) => {
        let chunks: RawChunk[];
        try {
          chunks = mutate(valid);
        } catch {
          return; // a value protobuf cannot encode at all (not a container anyone can send)
        }
        const report = await inspectContainer(streamOf(chunks));
        let refusal: unknown;
        try {
          const r = await sink.migrations.sink.receive(streamOf(chunks), { activate: true });
          sink.kill(r.taskId);
        } catch (e: unknown) {
          refusal = e;
        }
        n++;
        if (refusal === undefined) {
          expect(report.valid, `inspect refused what load took: ${report.problems[0]}`).to.equal(true);
        } else {
          expect(refusal, String(refusal)).to.be.instanceOf(MigvisorError);
          const code = (refusal as MigvisorError).code;
          expect([Code.INTERNAL, Code.UNKNOWN], (refusal as Error).message).not.to.include(code);
          if (refusal instanceof ContainerError) {
            expect(report.valid, `inspect took what load refused: ${refusal.message}`).to.equal(false);
            expect(report.problems[0]).to.equal(refusal.message);
          }
        }
        if (!report.valid) expect(refusal, `load took what inspect refused: ${report.problems[0]}`).not.to.equal(undefined);
        expect(sink.slots.every((s) => s.state === 'MigSink' && !s.occupied), 'a slot stays taken').to.equal(true);
        sink.runTicks(4);
      }),
      fuzzParameters(100),
    );
    expect(n).to.be.greaterThan(0);
  });
});
