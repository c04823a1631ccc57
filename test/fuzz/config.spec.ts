// Properties of the cluster-file checker: whatever the text (the test cluster
// with lines dropped, repeated or swapped, values replaced by odd ones, noise
// inserted), checking gives a config or problems, each `FILE:LINE: message` with
// a line of the file, and never throws; a config it accepts boots.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { parseClusterText } from '../../src/config/load.ts';
import { Node } from '../../src/hypervisor/node.ts';
import { fuzzParameters } from '../support/fuzz.ts';
import { testClusterYaml } from '../support/node-harness.ts';

const BASE = testClusterYaml();
const LINES = BASE.split('\n');

const oddValue = fc.oneof(
  fc.constantFrom('0', '-1', '9007199254740991', '1e308', '1000GiB', '1GiB', '64KiB', '0x0', '0xFFFFFFFFFFFF', 'null', '~', '[]', '{}', "''", 'true', '"x\\u0000y"', '&a', '*a', '<<: *a', 'nan', '.inf'),
  fc.integer().map(String),
  fc.string({ maxLength: 10 }),
);

/** The test cluster with one change. */
const mutated = fc.oneof(
  fc.nat().map((i) => LINES.filter((_, k) => k !== i % LINES.length)),
  fc.nat().map((i) => LINES.flatMap((l, k) => (k === i % LINES.length ? [l, l] : [l]))),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => {
    const out = [...LINES];
    const [i, j] = [a % out.length, b % out.length];
    [out[i], out[j]] = [out[j]!, out[i]!];
    return out;
  }),
  // A value (after "key: ") replaced.
  fc.tuple(fc.nat(), oddValue).map(([i, v]) => {
    const out = [...LINES];
    const k = i % out.length;
    out[k] = out[k]!.replace(/(:\s*)([^,{}[\]\s][^,{}[\]]*)/, (_, sep: string) => `${sep}${v}`);
    return out;
  }),
  // Noise inserted anywhere.
  fc.tuple(fc.nat(), fc.nat(), fc.string({ maxLength: 6 })).map(([i, at, noise]) => {
    const out = [...LINES];
    const k = i % out.length;
    const line = out[k]!;
    const p = at % (line.length + 1);
    out[k] = line.slice(0, p) + noise + line.slice(p);
    return out;
  }),
  fc.array(fc.string({ maxLength: 30 }), { maxLength: 10 }),
).map((lines) => lines.join('\n'));

describe('fuzz: cluster files', () => {
  // The file lives in a folder of its own: the providers' folders a booted node creates land there.
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'migvisor-fuzz-config-'));
    file = join(dir, 'c.yaml');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('give a config or FILE:LINE problems, never a throw; an accepted config boots', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        const lines = text.split('\n').length;
        const { config, problems } = parseClusterText(text, file);
        for (const p of problems) {
          expect(p.message.startsWith(`${file}:${p.line}: `), p.message).to.equal(true);
          expect(p.line, p.message).to.be.within(1, lines + 1);
        }
        if (!config) {
          expect(problems).to.not.have.length(0);
          return;
        }
        expect(problems).to.have.length(0);
        for (const def of config.nodes) {
          // Boots without throwing (memory is allocated; the limit keeps it at most 1 GiB).
          if (def.memory > 64 << 20) continue;
          const node = new Node(def, config);
          node.runTicks(2);
          node.shutdown();
        }
      }),
      fuzzParameters(80),
    );
  });
});
