/**
 * The scenario loader: one test per problem it reports, each with its line and
 * message, then what a loaded scenario holds (runs, defaults, units, texts), then
 * the shipped scenarios, so none of them can rot. No process is started.
 *
 * The scenarios are checked as if they were config/scenarios/t.yaml, so
 * `../cluster.yaml` and `../programs/counter.s` resolve as in the shipped ones.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { expect } from 'chai';
import { parse as parseYamlText } from 'yaml';
import { checkScenarioFile, parseScenarioText, SCENARIO_SCHEMA_FILE } from '../../src/scenario/load.ts';
import { expandMatrix, substitute, type MatrixProblem } from '../../src/scenario/matrix.ts';
import type { Action, RunPlan, Scenario } from '../../src/scenario/model.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const DIR = path.join(ROOT, 'config', 'scenarios');
const FILE = path.join(DIR, 't.yaml');

/** Strips the indentation of a template literal so line 1 is the line after the backtick. */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = Math.min(...text.split('\n').filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

/** Every problem as FILE:LINE: message, the file as t.yaml and the repository's folder as <repo>. */
function check(text: string): string[] {
  return parseScenarioText(text, FILE).problems.map((p) => p.message.replace(FILE, 't.yaml').replaceAll(ROOT, '<repo>'));
}

/** The scenario of `text`, which must have no problem. */
function load(text: string, options: { seed?: number } = {}): Scenario {
  const { scenario, problems } = parseScenarioText(text, FILE, options);
  expect(problems.map((p) => p.message)).to.deep.equal([]);
  return scenario!;
}

/** The only run of `text`. */
function run(text: string): RunPlan {
  const runs = load(text).runs;
  expect(runs).to.have.length(1);
  return runs[0]!;
}

/** Four lines: version, cluster, one task `c` on field-a. */
const HEAD = yaml`
  version: 1
  cluster: ../cluster.yaml
  tasks:
    - { name: c, node: field-a, partition: ctrl, program: ../programs/counter.s }
`;

/** HEAD and these steps, one a line: `steps:` is line 5, the first step line 6. */
function withSteps(...steps: string[]): string {
  return `${HEAD}steps:\n${steps.map((s) => `  - ${s}\n`).join('')}`;
}

/** HEAD and these expectations, one a line: `expect:` is line 5, the first line 6. */
function withExpect(...items: string[]): string {
  return `${HEAD}expect:\n${items.map((s) => `  - ${s}\n`).join('')}`;
}

describe('scenario loading', () => {
  describe('the file as a whole', () => {
    it('reports a YAML syntax error at its line, and nothing else', () => {
      const text = yaml`
        version: 1
        cluster: ../cluster.yaml
        tasks: [ { name: c, node: field-a
      `;
      expect(check(text)).to.deep.equal(['t.yaml:4: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }']);
    });

    it('refuses a file that is not a mapping', () => {
      const notAMapping = 't.yaml:1: a scenario holds a YAML mapping with at least version, cluster and tasks';
      expect(check('hello\n')).to.deep.equal([notAMapping]);
      expect(check('- version: 1\n- cluster: ../cluster.yaml\n')).to.deep.equal([notAMapping]);
      expect(check('')).to.deep.equal([notAMapping]);
    });

    it('names each missing required key', () => {
      expect(check('name: nothing much\n')).to.deep.equal([
        't.yaml:1: missing required property "cluster"',
        't.yaml:1: missing required property "tasks"',
        't.yaml:1: missing required property "version"',
      ]);
    });

    it('wants version 1 and at least one task', () => {
      expect(check('version: 2\ncluster: ../cluster.yaml\ntasks: []\n')).to.deep.equal(['t.yaml:1: version: must be 1', 't.yaml:3: tasks: must have at least 1 item']);
    });

    it('names an unknown key at its line, with the key it probably meant', () => {
      const text = yaml`
        version: 1
        cluster: ../cluster.yaml
        task:
          - { name: c, node: field-a, partition: ctrl, program: ../programs/counter.s }
        stepz: []
      `;
      expect(check(text)).to.deep.equal([
        't.yaml:1: missing required property "tasks"',
        't.yaml:3: unknown property "task" (did you mean "tasks"?)',
        't.yaml:5: unknown property "stepz" (did you mean "steps"?)',
      ]);
      expect(check(withSteps('{ migrate: c, too: field-b }'))).to.deep.equal(['t.yaml:6: steps[0]: unknown property "too" (did you mean "to"?)']);
      expect(check(withExpect('{ runs_twice: c }'))).to.deep.equal(['t.yaml:6: expect[0]: unknown property "runs_twice"']);
    });

    it('reports a key given twice with both lines', () => {
      const text = yaml`
        version: 1
        cluster: ../cluster.yaml
        tasks:
          - { name: c, node: field-a, partition: ctrl, program: ../programs/counter.s, name: d }
      `;
      expect(check(text)).to.deep.equal(['t.yaml:4: tasks[0]: duplicate key "name" (first at line 4)']);
      expect(check(`${HEAD}version: 1\n`)).to.deep.equal(['t.yaml:5: duplicate key "version" (first at line 1)']);
    });
  });

  describe('values', () => {
    it('refuses a duration it cannot read', () => {
      expect(check(`${HEAD}timeout: 5 seconds\nsettle: 2s\n`)).to.deep.equal([
        't.yaml:5: timeout: must be a duration: a number of milliseconds, or a string such as 250us, 5ms, 1.5s, 2m',
      ]);
      expect(check(withSteps('{ at: soon, park: c }'))).to.deep.equal([
        't.yaml:6: steps[0].at: must be a duration: a number of milliseconds, or a string such as 250us, 5ms, 1.5s, 2m',
      ]);
    });

    it('refuses a duration longer than a day (a timer cannot wait that long: it would fire at once)', () => {
      expect(check(withSteps('{ wait: 2600000000ms }'))).to.deep.equal(['t.yaml:6: steps[0].wait: 2600000000ms is longer than a scenario may wait (at most a day, 1440min)']);
      expect(check(withSteps('{ at: 99999999999999999ms, park: c }'))).to.deep.equal(['t.yaml:6: steps[0].at: 99999999999999999ms is longer than a scenario may wait (at most a day, 1440min)']);
      expect(check(`${HEAD}timeout: 1441min\n`)).to.deep.equal(['t.yaml:5: timeout: 1441min is longer than a scenario may wait (at most a day, 1440min)']);
      expect(check(withSteps('{ wait: 24h }')), 'not a unit').to.have.length(1);
      expect(check(withSteps('{ wait: 1440min }')), 'a day is fine').to.deep.equal([]);
    });

    it('refuses a bandwidth it cannot read, or of nothing', () => {
      const link = (profile: string): string => `${HEAD}links:\n  - { between: [field-a, field-b], ${profile} }\n`;
      expect(check(link('bandwidth: 10Mbits'))).to.deep.equal(['t.yaml:6: links[0].bandwidth: must be a bandwidth such as 64kbit, 10Mbit, 1Gbit or 2MiB/s']);
      expect(check(link('bandwidth: 0Mbit'))).to.deep.equal(['t.yaml:6: links[0].bandwidth: must be more than 0']);
    });

    it('refuses a loss over 100% and a jitter over the latency', () => {
      const link = (profile: string): string => `${HEAD}links:\n  - { between: [field-a, field-b], ${profile} }\n`;
      expect(check(link('loss: 150%'))).to.deep.equal(['t.yaml:6: links[0].loss: must be at most 100%']);
      expect(check(link('latency: 1ms, jitter: 2ms'))).to.deep.equal(['t.yaml:6: links[0].jitter: jitter (2 ms) must not exceed latency (1 ms)']);
    });

    it('refuses a link between unknown endpoints, or from an endpoint to itself', () => {
      expect(check(`${HEAD}links:\n  - { between: [field-a, field-z], latency: 1ms }\n  - { between: [field-b, field-b], latency: 1ms }\n`)).to.deep.equal([
        't.yaml:6: links[0].between[1]: unknown endpoint "field-z" (endpoints: field-a, field-b, field-c, middleware)',
        't.yaml:7: links[1].between: joins field-b to itself',
      ]);
    });
  });

  describe('the cluster and the tasks', () => {
    let tmp: string;
    before(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-scenario-load-'));
      fs.writeFileSync(path.join(tmp, 'broken.yaml'), 'version: 1\nnodes: 5\n');
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('reports a cluster file it cannot read at the cluster line', () => {
      const text = HEAD.replace('../cluster.yaml', 'nothere.yaml');
      expect(check(text)).to.deep.equal(['t.yaml:2: cluster: cannot read <repo>/config/scenarios/nothere.yaml: no such file']);
    });

    it('reports a broken cluster file at the cluster line, with its first problem', () => {
      const broken = path.join(tmp, 'broken.yaml');
      const text = HEAD.replace('../cluster.yaml', broken);
      expect(check(text)).to.deep.equal([`t.yaml:2: cluster: ${broken} has 1 problem(s), the first: ${broken}:2: nodes: must be a list`]);
    });

    it('checks each task against the cluster and the disk', () => {
      const text = yaml`
        version: 1
        cluster: ../cluster.yaml
        tasks:
          - { name: a, node: field-x, partition: ctrl, program: ../programs/counter.s }
          - { name: b, node: field-a, partition: app, program: ../programs/counter.s }
          - { name: c, node: field-a, partition: sensor, program: ../programs/counter.s }
          - { name: d, node: field-a, partition: ctrl, program: ../programs/nothere.s }
          - { name: e, node: field-a, partition: ctrl, program: ../programs/counter.s, travelers: 5 }
          - { name: a, node: field-b, partition: ctrl, program: ../programs/counter.s }
      `;
      expect(check(text)).to.deep.equal([
        't.yaml:4: tasks[0].node: unknown node "field-x" (nodes: field-a, field-b, field-c)',
        't.yaml:5: tasks[1].partition: node field-a has no partition "app" (it has ctrl, sensor)',
        't.yaml:6: tasks[2].partition: partition sensor is not a MigPartition (migratable: true)',
        't.yaml:7: tasks[3].program: no program file <repo>/config/programs/nothere.s',
        't.yaml:8: tasks[4].travelers: partition ctrl runs at most 4 travelers per task',
        't.yaml:9: tasks[5].name: task "a" is defined twice',
      ]);
    });

    it('assembles the program of each task for its node, as the node would, and names the first problem', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-scenario-prog-'));
      try {
        const bad = path.join(dir, 'bad.s');
        fs.writeFileSync(bad, '.text\nstart:\n  frobnicate r1\n  b nowhere\n  li r1, 1\n');
        const binary = path.join(dir, 'binary.s');
        fs.writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x0a, 0x00, 0x01]));
        const text = yaml`
          version: 1
          cluster: ../cluster.yaml
          tasks:
            - { name: a, node: field-a, partition: ctrl, program: ${bad} }
            - { name: b, node: field-b, partition: ctrl, program: ${bad} }
            - { name: c, node: field-a, partition: ctrl, program: ${binary} }
            - { name: d, node: field-a, partition: ctrl, program: ../programs/counter.s }
        `;
        expect(check(text)).to.deep.equal([
          `t.yaml:4: tasks[0].program: does not assemble for ctrl: ${bad}:3: unknown instruction "frobnicate" (and 1 more problem: \`migvisor asm ${bad}\` lists them)`,
          `t.yaml:6: tasks[2].program: does not assemble for ctrl: ${binary}:2: a NUL byte: this is not assembly source text (a binary file?)`,
        ]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('steps', () => {
    it('takes one action per step', () => {
      expect(check(withSteps('{ migrate: c, park: c }'))).to.deep.equal(['t.yaml:6: steps[0]: one action per step, found migrate and park']);
    });

    it('refuses keys that do not apply to the action', () => {
      expect(check(withSteps('{ start: c, to: field-b }', '{ park: c, to: field-b }', '{ migrate: c, to: field-b, labels: { a: b } }'))).to.deep.equal([
        't.yaml:6: steps[0].to: does not apply to a start step',
        't.yaml:7: steps[1].to: does not apply to a park step',
        't.yaml:8: steps[2].labels: does not apply to a migrate step',
      ]);
      expect(check(withSteps('{ to: field-b }'))).to.deep.equal([
        't.yaml:6: steps[0].to: applies to an action (migrate, park, restore, start, restart, evacuate, fault, link)',
        't.yaml:6: steps[0]: an empty step: give an action, or at, after or wait',
      ]);
    });

    it('refuses an empty step', () => {
      expect(check(withSteps('{ name: nothing }'))).to.deep.equal(['t.yaml:6: steps[0]: an empty step: give an action, or at, after or wait']);
    });

    it('wants a target for a migration and a restore', () => {
      expect(check(withSteps('{ migrate: c }', '{ restore: c }'))).to.deep.equal([
        't.yaml:6: steps[0]: migrate needs "to" (the target node)',
        't.yaml:7: steps[1]: restore needs "to" (the target node)',
      ]);
    });

    it('refuses a mode the action does not have', () => {
      expect(check(withSteps('{ migrate: c, to: field-b, mode: fast }'))).to.deep.equal(['t.yaml:6: steps[0].mode: must be full, precopy, lazy, reset or blackhole']);
      expect(check(withSteps('{ migrate: c, to: field-b, mode: blackhole }'))).to.deep.equal([
        "t.yaml:6: steps[0].mode: a migration's mode is full, precopy or lazy, not blackhole",
      ]);
      expect(check(withSteps('{ evacuate: field-a, mode: reset }'))).to.deep.equal(["t.yaml:6: steps[0].mode: an evacuation's mode is full, precopy or lazy, not reset"]);
      expect(check(withSteps('{ link: cut, between: [field-a, field-b], mode: lazy }'))).to.deep.equal(["t.yaml:6: steps[0].mode: a cut's mode is reset or blackhole, not lazy"]);
    });

    it('names unknown tasks, nodes and endpoints with the ones there are', () => {
      expect(check(withSteps('{ migrate: x, to: field-z }', '{ start: q }', '{ link: heal, between: [field-a, field-z] }', '{ fault: freeze, node: nowhere }'))).to.deep.equal([
        't.yaml:6: steps[0].migrate: unknown task "x" (tasks: c)',
        't.yaml:6: steps[0].to: unknown node "field-z" (nodes: field-a, field-b, field-c)',
        't.yaml:7: steps[1].start: unknown task "q" (tasks: c)',
        't.yaml:8: steps[2].between[1]: unknown endpoint "field-z" (endpoints: field-a, field-b, field-c, middleware)',
        't.yaml:9: steps[3].node: unknown endpoint "nowhere" (endpoints: field-a, field-b, field-c, middleware)',
      ]);
      // A kill hits a node process; the middleware is killed with kill-middleware.
      expect(check(withSteps('{ fault: kill-node, node: middleware }'))).to.deep.equal(['t.yaml:6: steps[0].node: unknown node "middleware" (nodes: field-a, field-b, field-c)']);
    });

    it('knows when the cluster has no middleware', () => {
      const text = (step: string): string => withSteps(step).replace('../cluster.yaml', '../../test/fixtures/cluster-field.yaml');
      expect(check(text('{ evacuate: field-a }'))).to.deep.equal(['t.yaml:6: steps[0].evacuate: evacuation goes through the middleware, and the cluster has none']);
      expect(check(text('{ fault: kill-middleware }'))).to.deep.equal(['t.yaml:6: steps[0].fault: the cluster has no middleware']);
      expect(check(text('{ fault: freeze, node: middleware }'))).to.deep.equal(['t.yaml:6: steps[0].node: unknown endpoint "middleware" (the cluster has no middleware)']);
    });

    it('refuses a link step without its link, a link set that changes nothing, and keys of another change', () => {
      expect(check(withSteps('{ link: cut }'))).to.deep.equal(['t.yaml:6: steps[0]: a link step needs "between"']);
      expect(check(withSteps('{ link: set, between: [field-a, field-b] }'))).to.deep.equal([
        't.yaml:6: steps[0]: link set changes nothing: give bandwidth, unshaped, latency, jitter, loss or loss_mode',
      ]);
      expect(check(withSteps('{ link: cut, between: [field-a, field-b], bandwidth: 1Mbit }', '{ link: heal, between: [field-a, field-b], for: 1s }'))).to.deep.equal([
        't.yaml:6: steps[0].bandwidth: applies to link set, not link cut',
        't.yaml:7: steps[1].for: applies to link cut, not link heal',
      ]);
      expect(check(withSteps('{ link: set, between: [field-a, field-b], unshaped: true, bandwidth: 1Mbit }'))).to.deep.equal([
        't.yaml:6: steps[0].unshaped: unshaped and bandwidth contradict each other',
      ]);
    });
  });

  describe('faults', () => {
    const needs: [string, string[]][] = [
      ['kill-node', ['node']],
      ['restart-node', ['node']],
      ['freeze', ['node']],
      ['thaw', ['node']],
      ['cut', ['between']],
      ['heal', ['between']],
      ['delay', ['by', 'from', 'to']],
      ['fill-gate', ['gate', 'node']],
    ];
    for (const [kind, keys] of needs) {
      it(`wants ${keys.join(', ')} for fault ${kind}`, () => {
        expect(check(withSteps(`{ fault: ${kind} }`))).to.deep.equal(keys.map((k) => `t.yaml:6: steps[0]: fault ${kind} needs "${k}"`));
      });
    }

    it('wants from, to and exactly one of bytes and chunk for fault corrupt', () => {
      const oneOf = 't.yaml:6: steps[0]: fault corrupt needs bytes: N or chunk: true (one of them)';
      expect(check(withSteps('{ fault: corrupt }'))).to.deep.equal(['t.yaml:6: steps[0]: fault corrupt needs "from"', 't.yaml:6: steps[0]: fault corrupt needs "to"', oneOf]);
      expect(check(withSteps('{ fault: corrupt, from: field-a, to: field-b }'))).to.deep.equal([oneOf]);
      expect(check(withSteps('{ fault: corrupt, from: field-a, to: field-b, chunk: false }'))).to.deep.equal([oneOf]);
      expect(check(withSteps('{ fault: corrupt, from: field-a, to: field-b, bytes: 4, chunk: true }'))).to.deep.equal([oneOf]);
    });

    it('wants the migration an expire-deadline hits', () => {
      expect(check(withSteps('{ fault: expire-deadline }'))).to.deep.equal(['t.yaml:6: steps[0]: fault expire-deadline needs "task" or "during" (the migration it hits)']);
      // A task it does not know is that, not a missing task.
      expect(check(withSteps('{ fault: expire-deadline, task: z }'))).to.deep.equal(['t.yaml:6: steps[0].task: unknown task "z" (tasks: c)']);
      expect(check(withSteps('{ fault: expire-deadline, during: { migrate: z, to: field-b, phase: stop } }'))).to.deep.equal([
        't.yaml:6: steps[0].during.migrate: unknown task "z" (tasks: c)',
      ]);
    });

    it('refuses keys the fault kind does not take', () => {
      expect(check(withSteps('{ fault: kill-node, node: field-a, gate: inbox, by: 1s }', '{ fault: restart-middleware, for: 1s }'))).to.deep.equal([
        't.yaml:6: steps[0].by: does not apply to fault kill-node',
        't.yaml:6: steps[0].gate: does not apply to fault kill-node',
        't.yaml:7: steps[1].for: does not apply to fault restart-middleware',
      ]);
    });

    it('wants a gate the cluster provides', () => {
      expect(check(withSteps('{ fault: fill-gate, node: field-a, gate: nope }', '{ fault: fill-gate, node: field-a, gate: logs }'))).to.deep.equal([
        't.yaml:6: steps[0].gate: no gate provider "nope" in the cluster file',
        't.yaml:7: steps[1].gate: no gate provider "logs" in the cluster file',
      ]);
    });

    it('wants `during` to name one move, with its target', () => {
      const one = 't.yaml:6: steps[0].during: during names one move: migrate, park or restore';
      expect(check(withSteps('{ fault: kill-node, node: field-b, during: { phase: stop } }'))).to.deep.equal([one]);
      expect(check(withSteps('{ fault: kill-node, node: field-b, during: { migrate: c, park: c, to: field-b, phase: stop } }'))).to.deep.equal([one]);
      expect(check(withSteps('{ fault: kill-node, node: field-b, during: { migrate: c, phase: stop } }'))).to.deep.equal([
        't.yaml:6: steps[0].during: migrate needs "to" (the target node)',
      ]);
    });

    it('refuses a phase the move does not go through', () => {
      const during = (move: string, phase: string): string[] => check(withSteps(`{ fault: kill-node, node: field-b, during: { ${move}, phase: ${phase} } }`));
      expect(during('migrate: c, to: field-b', 'postcopy')).to.deep.equal([
        't.yaml:6: steps[0].during.phase: a full migration has no phase postcopy (it has negotiate, stop, transfer, commit)',
      ]);
      expect(during('migrate: c, to: field-b, mode: lazy', 'precopy')).to.deep.equal([
        't.yaml:6: steps[0].during.phase: a lazy migration has no phase precopy (it has negotiate, stop, transfer, commit, postcopy)',
      ]);
      expect(during('park: c', 'postcopy')).to.deep.equal(['t.yaml:6: steps[0].during.phase: a park has no phase postcopy (it has negotiate, stop, transfer, commit)']);
      expect(during('restore: c, to: field-b', 'stop')).to.deep.equal(['t.yaml:6: steps[0].during.phase: a restore has no phase stop (it has restore)']);
      expect(during('migrate: c, to: field-b', 'done')).to.deep.equal([
        't.yaml:6: steps[0].during.phase: must be negotiate, precopy, stop, transfer, commit, release, postcopy or restore',
      ]);
      // And takes the phases each kind has.
      expect(during('migrate: c, to: field-b, mode: precopy', 'precopy')).to.deep.equal([]);
      expect(during('migrate: c, to: field-b, mode: lazy', 'postcopy')).to.deep.equal([]);
    });

    it('refuses to expire the deadline of a restore', () => {
      expect(check(withSteps('{ fault: expire-deadline, during: { restore: c, to: field-b, phase: restore } }'))).to.deep.equal([
        't.yaml:6: steps[0].during: a restore is driven by the middleware and has no deadline to expire',
      ]);
    });
  });

  describe('triggers', () => {
    it('refuses a trigger it cannot read', () => {
      expect(check(withSteps('{ after: arrived c }'))).to.deep.equal([
        't.yaml:6: steps[0].after: must be text matching ^(migrated|parked|restored|moved|failed|running|settled|console) \\S+( /.*/)?$',
      ]);
    });

    it('wants a regular expression with console, and only there', () => {
      expect(check(withSteps('{ after: console c }'))).to.deep.equal(['t.yaml:6: steps[0].after: console needs a /REGEX/ after the task']);
      expect(check(withSteps('{ after: migrated c /x/ }'))).to.deep.equal(['t.yaml:6: steps[0].after: a /REGEX/ goes with console only']);
      expect(check(withSteps('{ after: console c /(/ }'))).to.deep.equal([
        't.yaml:6: steps[0].after: not a regular expression: Invalid regular expression: /(/: Unterminated group',
      ]);
    });

    it('names an unknown task', () => {
      expect(check(withSteps('{ after: console x /a/ }', '{ after: settled y }'))).to.deep.equal([
        't.yaml:6: steps[0].after: unknown task "x" (tasks: c)',
        't.yaml:7: steps[1].after: unknown task "y" (tasks: c)',
      ]);
    });
  });

  describe('expectations', () => {
    it('takes one kind per entry', () => {
      expect(check(withExpect('{ continuity: c, runs_once: c }'))).to.deep.equal(['t.yaml:6: expect[0]: one expectation per entry, found continuity and runs_once']);
    });

    it('refuses an empty one', () => {
      expect(check(withExpect('{}'))).to.deep.equal(['t.yaml:6: expect[0]: must not be empty']);
      const text = `${HEAD}matrix:\n  mode: [full]\nexpect:\n  - { when: { mode: full } }\n`;
      expect(check(text)).to.deep.equal(['t.yaml:8: expect[0]: an empty expectation']);
    });

    it('wants a continuity pattern with a group for the number', () => {
      const pattern = (p: string): string[] => check(withExpect(`{ continuity: { task: c, pattern: "${p}" } }`));
      const needsGroup = 't.yaml:6: expect[0].continuity.pattern: needs a group: the number is its group 1, e.g. "counter (\\d+)"';
      expect(pattern('counter \\\\d+')).to.deep.equal([needsGroup]);
      expect(pattern('counter (?:\\\\d+)')).to.deep.equal([needsGroup]);
      expect(pattern('counter (\\\\d+')).to.deep.equal([
        't.yaml:6: expect[0].continuity.pattern: not a regular expression: Invalid regular expression: /counter (\\d+/: Unterminated group',
      ]);
      expect(pattern('counter (\\\\d+)')).to.deep.equal([]);
    });

    it('names an unknown task in every kind', () => {
      expect(
        check(
          withExpect(
            '{ continuity: x }',
            '{ transparent: x }',
            '{ runs_once: x }',
            '{ lost: x }',
            '{ intact: x }',
            '{ ends_on: { task: x, node: field-z } }',
            '{ downtime_ms: { task: x, max: 5 } }',
            '{ total_ms: { task: x, max: 5 } }',
            '{ migration_fails: x }',
            '{ migration_fails: { task: x, code: ABORTED } }',
            '{ continuity: { task: x } }',
          ),
        ),
      ).to.deep.equal([
        't.yaml:6: expect[0].continuity: unknown task "x" (tasks: c)',
        't.yaml:7: expect[1].transparent: unknown task "x" (tasks: c)',
        't.yaml:8: expect[2].runs_once: unknown task "x" (tasks: c)',
        't.yaml:9: expect[3].lost: unknown task "x" (tasks: c)',
        't.yaml:10: expect[4].intact: unknown task "x" (tasks: c)',
        't.yaml:11: expect[5].ends_on.node: unknown node "field-z" (nodes: field-a, field-b, field-c)',
        't.yaml:11: expect[5].ends_on.task: unknown task "x" (tasks: c)',
        't.yaml:12: expect[6].downtime_ms.task: unknown task "x" (tasks: c)',
        't.yaml:13: expect[7].total_ms.task: unknown task "x" (tasks: c)',
        't.yaml:14: expect[8].migration_fails: unknown task "x" (tasks: c)',
        't.yaml:15: expect[9].migration_fails.task: unknown task "x" (tasks: c)',
        't.yaml:16: expect[10].continuity.task: unknown task "x" (tasks: c)',
      ]);
    });

    it('says what is wrong inside the long form of continuity and migration_fails', () => {
      expect(check(withExpect('{ continuity: { task: c, patern: "counter (\\\\d+)" } }', '{ continuity: { min_lines: 2 } }'))).to.deep.equal([
        't.yaml:6: expect[0].continuity: unknown property "patern" (did you mean "pattern"?)',
        't.yaml:7: expect[1].continuity: missing required property "task"',
      ]);
      expect(check(withExpect('{ migration_fails: { task: c, code: NOPE } }'))).to.deep.equal([
        't.yaml:6: expect[0].migration_fails.code: must be CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS or UNAUTHENTICATED',
      ]);
      expect(check(withExpect('{ continuity: 5 }'))).to.deep.equal(['t.yaml:6: expect[0].continuity: must be a name or an object']);
    });

    it('wants the budget of a time expectation', () => {
      expect(check(withExpect('{ total_ms: { task: c } }'))).to.deep.equal(['t.yaml:6: expect[0].total_ms: missing required property "max"']);
    });
  });

  describe('the matrix', () => {
    it('names an unknown variable, and the ones there are', () => {
      expect(check(`${HEAD}matrix:\n  mode: [full, lazy]\nsteps:\n  - { at: 1s, park: c, name: '\${mod}' }\n`)).to.deep.equal([
        't.yaml:8: steps[0].name: unknown matrix variable "mod" (variables: mode)',
      ]);
      expect(check(withSteps("{ at: 1s, park: c, name: 'x ${target}' }"))).to.deep.equal(['t.yaml:6: steps[0].name: unknown matrix variable "target" (the scenario has no matrix)']);
    });

    it('refuses a mapping or a list inside a string', () => {
      const text = HEAD + yaml`
        matrix:
          fault:
            - { name: k, fault: kill-node, node: field-b }
          pair:
            - [field-a, field-b]
        steps:
          - { at: 1s, name: 'x \${fault}', fault: kill-node, node: field-b }
          - { at: 1s, name: 'x \${pair}', fault: heal, between: [field-a, field-b] }
      `;
      expect(check(text)).to.deep.equal([
        't.yaml:11: steps[0].name: "${fault}" is a mapping; it can only be a whole value, not part of a string',
        't.yaml:12: steps[1].name: "${pair}" is a list; it can only be a whole value, not part of a string',
      ]);
    });

    it('merges only a mapping with `use`', () => {
      const text = `${HEAD}matrix:\n  mode: [full, lazy]\nsteps:\n  - { at: 1s, use: mode }\n  - { at: 1s, use: nope }\n  - { at: 1s, use: 5 }\n`;
      expect(check(text)).to.deep.equal([
        't.yaml:8: steps[0].use: matrix variable "mode" is not a mapping, so it cannot be merged',
        't.yaml:9: steps[1].use: unknown matrix variable "nope" (variables: mode)',
        't.yaml:10: steps[2].use: must name a matrix variable',
      ]);
    });

    it('refuses a when or unless naming a value the variable does not have (a misspelt value would never match)', () => {
      const text = `${HEAD}matrix:\n  mode: [full, lazy]\nsteps:\n  - { wait: 1s, when: { mode: lazzy } }\n  - { wait: 1s, unless: { mode: [full, warp] } }\n  - { wait: 1s, when: { mode: [full, lazy] } }\n`;
      expect(check(text)).to.deep.equal([
        't.yaml:8: steps[0].when.mode: "lazzy" is no value of mode (values: full, lazy)',
        't.yaml:9: steps[1].unless.mode: "warp" is no value of mode (values: full, lazy)',
      ]);
    });

    it('refuses an exclude naming an unknown variable', () => {
      const text = `${HEAD}matrix:\n  mode: [full, lazy]\n  exclude:\n    - { mod: full }\n`;
      expect(check(text)).to.deep.equal(['t.yaml:8: matrix.exclude[0]: no matrix variable "mod" (variables: mode)']);
    });

    it('refuses a when or unless naming an unknown variable (the entry would be left out of every run)', () => {
      const text = `${HEAD}matrix:\n  mode: [full, lazy]\nsteps:\n  - { wait: 1s, when: { mdoe: lazy } }\nexpect:\n  - { runs_once: c, unless: { phase: commit, mode: full } }\n`;
      expect(check(text)).to.deep.equal([
        't.yaml:8: steps[0].when: no matrix variable "mdoe" (variables: mode)',
        't.yaml:10: expect[0].unless: no matrix variable "phase" (variables: mode)',
      ]);
      expect(check(withSteps('{ wait: 1s, when: { mode: lazy } }'))).to.deep.equal(['t.yaml:6: steps[0].when: no matrix variable "mode" (the scenario has no matrix)']);
    });

    it('wants each variable a list of values', () => {
      expect(check(`${HEAD}matrix:\n  mode: []\n  x: 5\n`)).to.deep.equal(['t.yaml:6: matrix.mode: must have at least 1 item', 't.yaml:7: matrix.x: must be a list']);
    });

    it('refuses more than 1000 combinations, and takes 1000', () => {
      const values = (n: number): string => `[${Array.from({ length: n }, (_, i) => i + 1).join(', ')}]`;
      expect(check(`${HEAD}matrix:\n  a: ${values(10)}\n  b: ${values(10)}\n  c: ${values(11)}\n`)).to.deep.equal([
        't.yaml:6: matrix: 1100 combinations, at most 1000 runs per scenario',
      ]);
      expect(load(`${HEAD}matrix:\n  a: ${values(10)}\n  b: ${values(10)}\n  c: ${values(10)}\n`).runs).to.have.length(1000);
    });

    it('names the run of a problem that occurs in some runs only', () => {
      const text = `${HEAD}matrix:\n  mode: [full, precopy, lazy]\nsteps:\n  - { fault: kill-node, node: field-b, during: { migrate: c, to: field-b, mode: '\${mode}', phase: postcopy } }\n`;
      expect(check(text)).to.deep.equal([
        't.yaml:8: steps[0].during.phase: a full migration has no phase postcopy (it has negotiate, stop, transfer, commit) (in run mode=full)',
        't.yaml:8: steps[0].during.phase: a precopy migration has no phase postcopy (it has negotiate, precopy, stop, transfer, commit) (in run mode=precopy)',
      ]);
      const some = `${HEAD}matrix:\n  mode: [full, precopy, lazy]\nsteps:\n  - { migrate: c, mode: '\${mode}', unless: { mode: lazy } }\n`;
      expect(check(some)).to.deep.equal(['t.yaml:8: steps[0]: migrate needs "to" (the target node) (in run mode=full and 1 more)']);
      // A problem of every run names none.
      const all = `${HEAD}matrix:\n  mode: [full, precopy, lazy]\nsteps:\n  - { migrate: c, mode: '\${mode}' }\n`;
      expect(check(all)).to.deep.equal(['t.yaml:8: steps[0]: migrate needs "to" (the target node)']);
    });
  });

  describe('a loaded scenario', () => {
    it('without a matrix has one run, named run', () => {
      const s = load(HEAD);
      expect(s.runs.map((r) => [r.name, r.params])).to.deep.equal([['run', {}]]);
      expect(s.name).to.equal('t');
      expect(s.clusterFile).to.equal(path.join(ROOT, 'config', 'cluster.yaml'));
      expect(s.cluster.nodes.map((n) => n.name)).to.deep.equal(['field-a', 'field-b', 'field-c']);
    });

    it('takes its name and seed from the file, the seed overridden by the option', () => {
      expect(load(`${HEAD}name: a test\nseed: 7\n`).name).to.equal('a test');
      expect(load(`${HEAD}seed: 7\n`).runs[0]!.seed).to.equal(7);
      expect(load(`${HEAD}seed: 7\n`, { seed: 9 }).runs[0]!.seed).to.equal(9);
      expect(load(HEAD).runs[0]!.seed).to.equal(1);
    });

    it('applies the defaults', () => {
      const r = run(withSteps('{ migrate: c, to: field-b }'));
      expect({ timeout: r.timeoutMs, settle: r.settleMs, boot: r.bootTasks, links: r.links }).to.deep.equal({ timeout: 120_000, settle: 500, boot: false, links: [] });
      const step = r.steps[0]!;
      expect({ timeout: step.timeoutMs, wait: step.waitMs, at: step.atMs, after: step.after }).to.deep.equal({ timeout: 30_000, wait: 0, at: undefined, after: undefined });
      expect(step.action).to.deep.equal({ type: 'move', move: { kind: 'full', task: 'c', to: 'field-b', compression: 'auto' } });
      expect(r.tasks[0]).to.deep.include({ travelers: 1, priority: 10, atBegin: true, program: path.join(ROOT, 'config', 'programs', 'counter.s'), line: 4 });
    });

    it('holds every duration in ms', () => {
      const r = run(`${withSteps('{ at: 1.5s, wait: 250us, timeout: 2m, migrate: c, to: field-b, deadline: 800ms }', '{ wait: 40 }')}timeout: 40s\nsettle: 200ms\nboot_tasks: true\n`);
      expect({ timeout: r.timeoutMs, settle: r.settleMs, boot: r.bootTasks }).to.deep.equal({ timeout: 40_000, settle: 200, boot: true });
      expect(r.steps.map((s) => [s.atMs, s.waitMs, s.timeoutMs])).to.deep.equal([
        [1500, 0.25, 120_000],
        [undefined, 40, 30_000],
      ]);
      expect((r.steps[0]!.action as Extract<Action, { type: 'move' }>).move.deadlineMs).to.equal(800);
    });

    it('reads bandwidths as decimal bits or binary bytes', () => {
      const text = HEAD + yaml`
        links:
          - { between: [field-a, field-b], bandwidth: 10Mbit, latency: 5ms, jitter: 1ms, loss: 0.5%, loss_mode: drop }
          - { between: [field-a, middleware], bandwidth: 2MiB/s }
        steps:
          - { link: set, between: [field-a, field-b], bandwidth: 512KiB/s }
          - { link: set, between: [field-a, field-b], unshaped: true, loss: 0 }
      `;
      const r = run(text);
      expect(r.links).to.deep.equal([
        { between: ['field-a', 'field-b'], bandwidth: 1_250_000, latencyMs: 5, jitterMs: 1, loss: 0.005, lossMode: 'drop', line: 6 },
        { between: ['field-a', 'middleware'], bandwidth: 2 * 1024 * 1024, latencyMs: 0, jitterMs: 0, loss: 0, lossMode: 'stall', line: 7 },
      ]);
      const profiles = r.steps.map((s) => (s.action as Extract<Action, { type: 'link' }>).profile);
      expect(profiles[0]).to.deep.equal({ bandwidth: 512 * 1024 });
      // Unshaped: the bandwidth is there, and undefined.
      expect(profiles[1]).to.have.property('bandwidth', undefined);
      expect(profiles[1]).to.deep.equal({ bandwidth: undefined, loss: 0 });
    });

    it('points the implicit expectation "every step did what it said" at the steps key', () => {
      expect(run(withSteps('{ wait: 1s }', '{ park: c }')).stepsLine).to.equal(5);
      expect(run(`${HEAD}steps: [{ wait: 1s }]\n`).stepsLine).to.equal(5);
    });

    it('starts a task when the run begins unless a step starts it', () => {
      const text = yaml`
        version: 1
        cluster: ../cluster.yaml
        tasks:
          - { name: c, node: field-a, partition: ctrl, program: ../programs/counter.s }
          - { name: d, node: field-b, partition: ctrl, program: ../programs/counter.s, travelers: 2, priority: 20 }
        steps:
          - { at: 1s, start: d }
      `;
      expect(run(text).tasks.map((t) => [t.name, t.atBegin, t.travelers, t.priority])).to.deep.equal([
        ['c', true, 1, 10],
        ['d', false, 2, 20],
      ]);
    });

    it('expands a matrix in the order of its variables, naming each run by its values', () => {
      const text = HEAD + yaml`
        matrix:
          mode: [full, lazy]
          fault:
            - { name: x, fault: kill-node, node: field-b }
            - { fault: cut, between: [field-a, field-b] }
      `;
      const s = load(text);
      expect(s.runs.map((r) => r.name)).to.deep.equal([
        'mode=full fault=x',
        'mode=full fault=fault=cut,between=field-a+field-b',
        'mode=lazy fault=x',
        'mode=lazy fault=fault=cut,between=field-a+field-b',
      ]);
      expect(s.runs[0]!.params).to.deep.equal({ mode: 'full', fault: 'x' });
    });

    it('leaves out the combinations `exclude` names', () => {
      const text = HEAD + yaml`
        matrix:
          mode: [full, precopy, lazy]
          phase: [transfer, precopy, postcopy]
          exclude:
            - { mode: [full, lazy], phase: precopy }
            - { mode: [full, precopy], phase: postcopy }
      `;
      expect(load(text).runs.map((r) => r.name)).to.deep.equal([
        'mode=full phase=transfer',
        'mode=precopy phase=transfer',
        'mode=precopy phase=precopy',
        'mode=lazy phase=transfer',
        'mode=lazy phase=postcopy',
      ]);
    });

    it('substitutes values into strings, and whole values of any type', () => {
      const text = HEAD + yaml`
        matrix:
          mode: [precopy]
          pair:
            - [field-a, middleware]
        steps:
          - { at: 1s, migrate: c, to: field-b, mode: '\${mode}', name: 'migrate in \${mode}' }
          - { link: cut, between: '\${pair}' }
      `;
      const r = load(text).runs[0]!;
      expect(r.name).to.equal('mode=precopy pair=field-a+middleware');
      expect(r.steps.map((s) => s.text)).to.deep.equal(['at 1s: migrate c to field-b (precopy)', 'link cut field-a<->middleware']);
    });

    it('keeps the steps and expectations whose when holds and whose unless does not', () => {
      const text = HEAD + yaml`
        matrix:
          mode: [full, precopy, lazy]
        steps:
          - { at: 1s, migrate: c, to: field-b, mode: '\${mode}' }
          - { wait: 1s, when: { mode: lazy } }
          - { wait: 2s, unless: { mode: [full, precopy] } }
          - { wait: 3s, when: { mode: [full, lazy] }, unless: { mode: lazy } }
        expect:
          - { continuity: c, unless: { mode: lazy } }
          - { lost: c, when: { mode: lazy } }
          - { runs_once: c }
      `;
      const runs = load(text).runs;
      expect(runs.map((r) => [r.name, r.steps.map((s) => s.index), r.expect.map((e) => `${e.index}:${e.kind}`)])).to.deep.equal([
        ['mode=full', [0, 3], ['0:continuity', '2:runs_once']],
        ['mode=precopy', [0], ['0:continuity', '2:runs_once']],
        ['mode=lazy', [0, 1, 2], ['1:lost', '2:runs_once']],
      ]);
      // The lines stay those of the file.
      expect(runs[2]!.steps.map((s) => s.line)).to.deep.equal([8, 9, 10]);
      expect(runs[2]!.expect.map((e) => e.line)).to.deep.equal([14, 15]);
    });

    it('merges a mapping value with `use`, without its name; the entry\'s own keys win', () => {
      const text = HEAD + yaml`
        matrix:
          move:
            - { name: to-b, migrate: c, to: field-b, mode: lazy }
          fault:
            - { name: sink, fault: kill-node, node: field-b, for: 500ms }
        steps:
          - { at: 1s, use: fault, for: 1s, during: { use: move, phase: postcopy } }
      `;
      const r = load(text).runs[0]!;
      expect(r.name).to.equal('move=to-b fault=sink');
      expect(r.steps[0]!.action).to.deep.equal({
        type: 'fault',
        fault: 'kill-node',
        target: { process: 'field-b', forMs: 1000 },
        during: { move: { kind: 'lazy', task: 'c', to: 'field-b', compression: 'auto' }, phase: 'postcopy' },
      });
    });

    it('describes each step as the reports show it', () => {
      const text = yaml`
        version: 1
        cluster: ../cluster.yaml
        tasks:
          - { name: c, node: field-a, partition: ctrl, program: ../programs/counter.s }
          - { name: d, node: field-a, partition: ctrl, program: ../programs/counter.s }
        steps:
          - { at: 2s, migrate: c, to: field-b, mode: precopy }
          - { after: migrated c, wait: 200ms }
          - { park: c }
          - { restore: c, to: field-a }
          - { after: console c /counter 5/, restart: c }
          - { start: d }
          - { evacuate: field-a, mode: lazy }
          - { wait: 1s }
          - { link: set, between: [field-a, field-b], bandwidth: 10Mbit, latency: 5ms, jitter: 250us, loss: 1%, loss_mode: drop }
          - { link: set, between: [field-a, field-b], unshaped: true }
          - { link: cut, between: [field-a, field-b], mode: blackhole, for: 300ms }
          - { link: heal, between: [field-a, field-b] }
          - { fault: kill-node, node: field-b, for: 500ms, during: { migrate: c, to: field-b, mode: lazy, phase: postcopy } }
          - { fault: corrupt, from: field-a, to: field-b, chunk: true }
          - { fault: corrupt, from: middleware, to: field-b, bytes: 16 }
          - { fault: delay, from: field-a, to: middleware, by: 20ms }
          - { fault: cut, between: [field-a, middleware], mode: blackhole, for: 1.5s }
          - { fault: fill-gate, node: field-a, gate: inbox }
          - { fault: expire-deadline, task: c }
          - { fault: kill-middleware }
          - { fault: freeze, node: middleware }
          - { fault: expire-deadline, during: { park: c, phase: transfer } }
      `;
      expect(run(text).steps.map((s) => s.text)).to.deep.equal([
        'at 2s: migrate c to field-b (precopy)',
        'after migrated c, wait 200ms',
        'park c',
        'restore c to field-a',
        'after console c /counter 5/: cold-restart c',
        'start d',
        'evacuate field-a (lazy)',
        'wait 1s',
        'link set field-a<->field-b 10Mbit latency 5ms jitter 250us loss 1% (drop)',
        'link set field-a<->field-b unshaped',
        'link cut field-a<->field-b (blackhole) for 300ms',
        'link heal field-a<->field-b',
        'kill-node field-b (for 500ms) during migrate c to field-b (lazy) at postcopy',
        'corrupt field-a->field-b (next chunk)',
        'corrupt middleware->field-b (16 bytes)',
        'delay field-a->middleware (by 20ms)',
        'cut field-a<->middleware (blackhole, for 1.5s)',
        'fill-gate field-a (gate inbox)',
        'expire-deadline c',
        'kill-middleware middleware',
        'freeze middleware',
        'expire-deadline during park c at transfer',
      ]);
    });

    it('describes each expectation as the reports show it', () => {
      const r = run(
        withExpect(
          '{ continuity: c }',
          '{ continuity: { task: c, pattern: "counter (\\\\d+)", min_lines: 3 } }',
          '{ transparent: c }',
          '{ runs_once: c }',
          '{ lost: c }',
          '{ intact: c }',
          '{ ends_on: { task: c, node: field-b } }',
          '{ downtime_ms: { task: c, max: 50 } }',
          '{ total_ms: { task: c, max: 2000 } }',
          '{ migration_fails: c }',
          '{ migration_fails: { task: c, code: ABORTED } }',
        ),
      );
      expect(r.expect.map((e) => e.text)).to.deep.equal([
        'continuity of c',
        'continuity of c (/counter (\\d+)/)',
        'c runs as it would without the steps',
        'c ends in exactly one place',
        'c is reported lost',
        'c is never duplicated nor silently lost',
        'c ends on field-b',
        'downtime of c at most 50 ms',
        'every move of c within 2000 ms',
        'a move of c fails cleanly',
        'a move of c fails cleanly with ABORTED',
      ]);
      expect(r.expect[1]).to.deep.include({ kind: 'continuity', task: 'c', minLines: 3, line: 7 });
      expect(r.expect[0]).to.deep.include({ minLines: 1 });
      expect(r.expect[10]).to.deep.include({ kind: 'migration_fails', code: 'ABORTED' });
    });
  });

  describe('the shipped scenarios', () => {
    const shipped = [
      ...fs
        .readdirSync(DIR)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => path.join(DIR, f)),
      path.join(ROOT, 'test', 'fixtures', 'scenarios', 'must-fail.yaml'),
    ];

    it('are there', () => {
      expect(shipped.length).to.be.greaterThan(4);
    });

    for (const file of shipped) {
      it(`${path.relative(ROOT, file)} loads without a problem, and each of its runs expects something`, () => {
        const { scenario, problems } = checkScenarioFile(file);
        expect(problems.map((p) => p.message)).to.deep.equal([]);
        expect(scenario!.runs.length).to.be.greaterThan(0);
        for (const r of scenario!.runs) expect(r.expect.length, r.name).to.be.greaterThan(0);
      });
    }

    it('are valid under config/scenario.schema.json, a valid draft-07 schema, in each run of their matrix', () => {
      const schema = JSON.parse(fs.readFileSync(SCENARIO_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
      expect(schema['$schema']).to.equal('http://json-schema.org/draft-07/schema#');
      const ajv = new Ajv({ allErrors: true, strict: true });
      expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).to.equal(true);
      const validate = ajv.compile(schema);
      for (const file of shipped) {
        const { matrix, ...rest } = parseYamlText(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
        const problems: MatrixProblem[] = [];
        for (const cell of expandMatrix(matrix, problems)) {
          const data = { ...(substitute(rest, cell, problems) as object), ...(matrix === undefined ? {} : { matrix }) };
          expect(validate(data), `${path.basename(file)} ${cell.name}: ${JSON.stringify(validate.errors)}`).to.equal(true);
        }
        expect(problems).to.deep.equal([]);
      }
    });
  });
});
