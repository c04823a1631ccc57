/**
 * Schedule plans in the cluster file (README, "Schedule plans"): the old
 * `schedule:` form is the plan `default`, `plans:` adds named plans, and each
 * rule `config check` enforces on every plan is reported with its line.
 */
import { expect } from 'chai';
import { parseClusterText } from '../../src/config/load.ts';

const HEAD = `version: 1
partitions:
  app:
    regions:
      - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
      - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
  io:
    regions:
      - { name: code,  vaddr: 0x10000, paddr: 0x40000, size: 4KiB, rights: rx }
      - { name: stack, vaddr: 0x20000, paddr: 0x50000, size: 16KiB, rights: rw }
nodes:
  - name: n1
    cpu: { word: 32, endian: little }
    memory: 1MiB
    partitions: [app, io]
`;
/** Line of the first line after HEAD. */
const L = 16;

function load(body: string): ReturnType<typeof parseClusterText> {
  return parseClusterText(HEAD + body, 'c.yaml', { fileExists: () => true });
}

function problems(body: string): string[] {
  return load(body).problems.map((p) => p.message);
}

describe('schedule plan checks', () => {
  it('loads the old schedule form as the plan default', () => {
    const { config, problems: found } = load(`    schedule:
      major_frame: 10
      windows:
        - { partition: app, start: 0, duration: 6 }
`);
    expect(found).to.deep.equal([]);
    const node = config!.nodes[0]!;
    expect(node.initialPlan).to.equal('default');
    expect(node.plans?.map((p) => [p.name, p.majorFrame, p.windows.length])).to.deep.equal([['default', 10, 1]]);
    expect(node.schedule.majorFrame).to.equal(10);
  });

  it('loads named plans beside the default one, and boots the initial plan', () => {
    const { config, problems: found } = load(`    schedule: { major_frame: 10, windows: [{ partition: app, start: 0, duration: 6 }] }
    plans:
      fast: { major_frame: 4, windows: [{ partition: io, start: 0, duration: 2 }] }
    initial_plan: fast
`);
    expect(found).to.deep.equal([]);
    const node = config!.nodes[0]!;
    expect(node.plans?.map((p) => p.name)).to.deep.equal(['default', 'fast']);
    expect(node.initialPlan).to.equal('fast');
    expect(node.schedule.majorFrame).to.equal(4);
  });

  it('boots the first plan of a node without schedule', () => {
    const { config, problems: found } = load(`    plans:
      day: { major_frame: 5, windows: [] }
      night: { major_frame: 7, windows: [] }
`);
    expect(found).to.deep.equal([]);
    expect(config!.nodes[0]!.initialPlan).to.equal('day');
    expect(config!.nodes[0]!.schedule.majorFrame).to.equal(5);
  });

  it('refuses a node with neither schedule nor plans', () => {
    expect(problems('    tasks: []\n')).to.deep.equal(['c.yaml:12: node n1 has no schedule (give schedule, or plans, or both)']);
  });

  it('refuses a plan window past the frame, an overlap and an unknown partition, in every plan at once', () => {
    expect(
      problems(`    schedule:
      major_frame: 10
      windows:
        - { partition: app, start: 8, duration: 4 }
    plans:
      fast:
        major_frame: 4
        windows:
          - { partition: app, start: 0, duration: 3 }
          - { partition: io, start: 2, duration: 2 }
      slow:
        major_frame: 20
        windows:
          - { partition: nope, start: 0, duration: 5 }
`),
    ).to.deep.equal([
      `c.yaml:${L + 3}: node n1: window for app [8, 12) overruns the major frame of 10 ticks`,
      `c.yaml:${L + 9}: node n1: plan fast: window for io [2, 4) overlaps the window for app [0, 3) at line ${L + 8}`,
      `c.yaml:${L + 13}: node n1: plan slow: window for unknown partition "nope"`,
    ]);
  });

  it('refuses an unknown initial plan', () => {
    expect(
      problems(`    plans:
      day: { major_frame: 5, windows: [] }
    initial_plan: dusk
`),
    ).to.deep.equal([`c.yaml:${L + 2}: node n1: initial_plan names unknown plan "dusk" (plans: day)`]);
  });

  it('refuses the plan default given twice', () => {
    expect(
      problems(`    schedule: { major_frame: 10, windows: [] }
    plans:
      default: { major_frame: 5, windows: [] }
`),
    ).to.deep.equal([`c.yaml:${L + 2}: node n1: plan default is given twice, by schedule (line ${L}) and by plans`]);
  });

  it('refuses a required plan no node has, and a boot task on a node without its plan', () => {
    const text = `version: 1
partitions:
  app:
    requires_plan: fast
    regions:
      - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
      - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
  io:
    requires_plan: turbo
    regions:
      - { name: code,  vaddr: 0x10000, paddr: 0x40000, size: 4KiB, rights: rx }
      - { name: stack, vaddr: 0x20000, paddr: 0x50000, size: 16KiB, rights: rw }
nodes:
  - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app, io], schedule: { major_frame: 1, windows: [] }, tasks: [{ partition: app, program: ok.s }] }
  - { name: n2, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], plans: { fast: { major_frame: 1, windows: [] } } }
`;
    expect(parseClusterText(text, 'c.yaml', { fileExists: () => true }).problems.map((p) => p.message)).to.deep.equal([
      'c.yaml:9: partition io: requires_plan names plan "turbo", which no node has',
      'c.yaml:14: node n1: task in app needs plan fast, which the node does not have',
    ]);
  });
});
