/**
 * The middleware's retention policies in the cluster file (README, "Retention
 * and prune"): loaded into rules, and each rule `config check` enforces reported
 * with its line, all at once.
 */
import { expect } from 'chai';
import { parseClusterText } from '../../src/config/load.ts';

const HEAD = `version: 1
partitions:
  app:
    regions:
      - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
      - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
nodes:
  - name: n1
    cpu: { word: 32, endian: little }
    memory: 1MiB
    partitions: [app]
    schedule: { major_frame: 10, windows: [{ partition: app, start: 0, duration: 6 }] }
middleware:
  store: file://store
  retention:
`;
/** Line of the first line after HEAD. */
const L = 16;

function load(body: string): ReturnType<typeof parseClusterText> {
  return parseClusterText(HEAD + body, 'c.yaml', { fileExists: () => true });
}

describe('retention policy checks', () => {
  it('loads label and task policies with keep_last and max_age (s, m, h, d, w or ms)', () => {
    const { config, problems } = load(`    - { label: env=test, keep_last: 2 }
    - { task: counter-1a2b3c4d, max_age: 7d }
    - { label: tier=gold, keep_last: 1, max_age: 90s }
    - { task: t2, max_age: 1500 }
`);
    expect(problems).to.deep.equal([]);
    const rules = config!.middleware!.retention;
    expect(rules.map((r) => [r.label, r.task, r.keepLast, r.maxAgeMs, r.line])).to.deep.equal([
      [{ key: 'env', value: 'test' }, undefined, 2, undefined, L],
      [undefined, 'counter-1a2b3c4d', undefined, 7 * 86_400_000, L + 1],
      [{ key: 'tier', value: 'gold' }, undefined, 1, 90_000, L + 2],
      [undefined, 't2', undefined, 1500, L + 3],
    ]);
  });

  it('defaults to no policy', () => {
    const { config, problems } = parseClusterText(HEAD.replace('  retention:\n', ''), 'c.yaml', { fileExists: () => true });
    expect(problems).to.deep.equal([]);
    expect(config!.middleware!.retention).to.deep.equal([]);
  });

  it('reports every policy that names neither or both selectors, or keeps nothing, with its line', () => {
    const found = load(`    - { keep_last: 2 }
    - { label: a=b, task: t1, keep_last: 1 }
    - { task: t1 }
`).problems.map((p) => p.message);
    expect(found).to.deep.equal([
      `c.yaml:${L}: middleware.retention[0]: names neither label nor task; a policy applies to one label (key=value) or one task`,
      `c.yaml:${L + 1}: middleware.retention[1]: names both label and task; a policy applies to one label (key=value) or one task`,
      `c.yaml:${L + 2}: middleware.retention[2]: keeps nothing; give keep_last, max_age or both`,
    ]);
  });

  it('refuses a label without "=" and an age without a unit it knows, at their lines', () => {
    const found = load(`    - { label: nolabel, keep_last: 1 }
    - { task: t1, max_age: 3 years }
`).problems.map((p) => p.line);
    expect(found).to.include(L).and.include(L + 1);
  });
});
