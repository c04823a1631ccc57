/**
 * One run of a scenario from its substituted, schema-checked data: defaults
 * applied, durations in ms, paths absolute, and every reference checked against
 * the cluster (nodes, partitions, endpoints, gates) and the scenario itself
 * (tasks). Problems are reported at a data path; the loader turns them into
 * FILE:LINE messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileProblem, SourceErrors, type CompressionChoice, type MigrationMode } from '../common/index.ts';
import {
  formatPath,
  MIDDLEWARE_ENDPOINT,
  parseBandwidth,
  parseDuration,
  parseFraction,
  UNSHAPED,
  type ClusterConfig,
  type CpuDef,
  type LinkDef,
  type LinkProfile,
  type Path,
  type PartitionDef,
} from '../config/index.ts';
import { assembleFor } from '../machine/index.ts';
import type { CutMode, FaultKind } from '../testbed/index.ts';
import { describeExpectation, describeStep } from './describe.ts';
import { applies, label, type MatrixCell } from './matrix.ts';
import { PHASES_OF, type Action, type Expectation, type FaultTarget, type MoveSpec, type Phase, type RunPlan, type Step, type TaskDef, type Trigger } from './model.ts';

/** The longest duration a scenario may give (a run, a wait, a step's time): a day. */
const MAX_DURATION_MS = 24 * 3600 * 1000;
/** Defaults of a run. */
export const DEFAULT_TIMEOUT_MS = 120_000;
/** How long a run goes on after its last step. */
export const DEFAULT_SETTLE_MS = 500;
/** Longest a step may take. */
export const DEFAULT_STEP_TIMEOUT_MS = 30_000;

type Raw = Record<string, unknown>;

/** An expectation before its text is written. */
type Untexted = Expectation extends unknown ? (Expectation extends infer E ? (E extends unknown ? Omit<E, 'text'> : never) : never) : never;

/** Where a problem is, and what. */
export interface RunProblem {
  readonly path: Path;
  readonly message: string;
}

/** The keys of a step that say what it does. */
const ACTIONS = ['migrate', 'park', 'restore', 'start', 'restart', 'evacuate', 'fault', 'link'] as const;

/** Which step keys each action takes (beyond at, after, wait, timeout, when, name). */
const ACTION_KEYS: Readonly<Record<(typeof ACTIONS)[number], readonly string[]>> = {
  migrate: ['to', 'mode', 'compression', 'deadline'],
  park: ['compression', 'labels'],
  restore: ['to'],
  start: [],
  restart: [],
  evacuate: ['mode'],
  fault: ['node', 'task', 'gate', 'between', 'from', 'to', 'bytes', 'chunk', 'by', 'for', 'mode', 'during'],
  link: ['between', 'bandwidth', 'unshaped', 'latency', 'jitter', 'loss', 'loss_mode', 'mode', 'for'],
};
const TIMING = ['at', 'after', 'wait', 'timeout', 'when', 'unless', 'name'];

function record(v: unknown): Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Where a run is built from: the folder of its scenario file, the cluster, the line of a data path, and where problems go. */
export interface RunContext {
  readonly dir: string;
  readonly cluster: ClusterConfig;
  readonly seed: number;
  readonly lineOf: (path: Path) => number;
  /** The line of the key at the end of a data path (of the path itself when it ends in no key). */
  readonly keyLineOf: (path: Path) => number;
  readonly report: (p: RunProblem) => void;
  /** Every matrix variable's values, as labels (to check `when` and `unless`). */
  readonly variables?: Readonly<Record<string, readonly string[]>>;
}

/** Builds run `cell` of a scenario from its substituted data. */
export function normaliseRun(data: unknown, cell: MatrixCell, ctx: RunContext): RunPlan {
  return new RunBuilder(record(data), cell, ctx).build(ctx.seed);
}

class RunBuilder {
  private readonly nodes: Set<string>;
  private readonly endpoints: Set<string>;
  private readonly tasks = new Map<string, TaskDef>();
  /** Programs assembled already (file, partition, word size, byte order). */
  private readonly programsChecked = new Set<string>();

  private readonly dir: string;
  private readonly cluster: ClusterConfig;
  private readonly lineOf: (path: Path) => number;
  private readonly keyLineOf: (path: Path) => number;
  private readonly report: (p: RunProblem) => void;
  private readonly variables: Readonly<Record<string, readonly string[]>>;

  constructor(
    private readonly root: Raw,
    private readonly cell: MatrixCell,
    ctx: RunContext,
  ) {
    this.dir = ctx.dir;
    this.cluster = ctx.cluster;
    this.lineOf = ctx.lineOf;
    this.keyLineOf = ctx.keyLineOf;
    this.report = ctx.report;
    this.variables = ctx.variables ?? {};
    this.nodes = new Set(this.cluster.nodes.map((n) => n.name));
    this.endpoints = new Set([...this.nodes, ...(this.cluster.middleware ? [MIDDLEWARE_ENDPOINT] : [])]);
  }

  build(seed: number): RunPlan {
    const started = new Set(list(this.root['steps']).map((s) => record(s)['start']).filter((t): t is string => typeof t === 'string'));
    list(this.root['tasks']).forEach((raw, i) => this.task(record(raw), ['tasks', i], started));
    const links = list(this.root['links']).map((raw, i) => this.link(record(raw), ['links', i]));
    const steps: Step[] = [];
    list(this.root['steps']).forEach((raw, i) => {
      const r = record(raw);
      this.conditions(r, ['steps', i]);
      if (!applies(r, this.cell.params)) return;
      const s = this.step(r, ['steps', i], i);
      if (s) steps.push(s);
    });
    const expect: Expectation[] = [];
    list(this.root['expect']).forEach((raw, i) => {
      const r = record(raw);
      this.conditions(r, ['expect', i]);
      if (!applies(r, this.cell.params)) return;
      const e = this.expectation(r, ['expect', i], i);
      if (e) expect.push(e);
    });
    return {
      name: this.cell.name,
      params: this.cell.params,
      seed,
      links: links.filter((l): l is LinkDef => l !== undefined),
      tasks: [...this.tasks.values()],
      steps,
      expect,
      stepsLine: this.keyLineOf(['steps']),
      timeoutMs: this.duration(this.root['timeout'], ['timeout']) ?? DEFAULT_TIMEOUT_MS,
      settleMs: this.duration(this.root['settle'], ['settle']) ?? DEFAULT_SETTLE_MS,
      bootTasks: this.root['boot_tasks'] === true,
    };
  }

  /**
   * A `when` or `unless` naming no matrix variable, or a value no variable has,
   * never holds: the entry would be left out of (or kept in) every run, silently.
   */
  private conditions(r: Raw, path: Path): void {
    const names = Object.keys(this.cell.params);
    for (const key of ['when', 'unless'] as const) {
      for (const [name, v] of Object.entries(record(r[key]))) {
        if (!names.includes(name)) {
          const known = names.length > 0 ? `variables: ${names.join(', ')}` : 'the scenario has no matrix';
          this.report({ path: [...path, key, name], message: `${formatPath([...path, key])}: no matrix variable "${name}" (${known})` });
          continue;
        }
        const values = this.variables[name] ?? [];
        for (const value of (Array.isArray(v) ? v : [v]).map(label)) {
          if (!values.includes(value)) this.report({ path: [...path, key, name], message: `${formatPath([...path, key, name])}: "${value}" is no value of ${name} (values: ${values.join(', ')})` });
        }
      }
    }
  }

  private problem(path: Path, message: string): void {
    this.report({ path, message: `${formatPath(path)}: ${message}` });
  }

  private duration(v: unknown, path: Path): number | undefined {
    if (v === undefined) return undefined;
    const ms = parseDuration(v);
    if (ms === undefined) this.problem(path, `${String(v)} is not a duration`);
    else if (ms > MAX_DURATION_MS) {
      this.problem(path, `${String(v)} is longer than a scenario may wait (at most a day, 1440min)`);
      return undefined;
    }
    return ms;
  }

  private node(name: unknown, path: Path, what = 'node'): string | undefined {
    if (typeof name !== 'string') return undefined;
    if (this.nodes.has(name)) return name;
    this.problem(path, `unknown ${what} "${name}" (nodes: ${[...this.nodes].join(', ')})`);
    return undefined;
  }

  private endpoint(name: unknown, path: Path): string | undefined {
    if (typeof name !== 'string') return undefined;
    if (this.endpoints.has(name)) return name;
    const hint = name === MIDDLEWARE_ENDPOINT ? 'the cluster has no middleware' : `endpoints: ${[...this.endpoints].join(', ')}`;
    this.problem(path, `unknown endpoint "${name}" (${hint})`);
    return undefined;
  }

  private pair(v: unknown, path: Path): readonly [string, string] | undefined {
    const [a, b] = list(v);
    const x = this.endpoint(a, [...path, 0]);
    const y = this.endpoint(b, [...path, 1]);
    if (x === undefined || y === undefined) return undefined;
    if (x === y) {
      this.problem(path, `joins ${x} to itself`);
      return undefined;
    }
    return [x, y];
  }

  private taskRef(name: unknown, path: Path): string | undefined {
    if (typeof name !== 'string') return undefined;
    if (this.tasks.has(name)) return name;
    this.problem(path, `unknown task "${name}" (tasks: ${[...this.tasks.keys()].join(', ') || 'none'})`);
    return undefined;
  }

  private task(r: Raw, path: Path, started: ReadonlySet<string>): void {
    const name = String(r['name']);
    if (this.tasks.has(name)) {
      this.problem([...path, 'name'], `task "${name}" is defined twice`);
      return;
    }
    const node = this.node(r['node'], [...path, 'node']);
    const def = this.cluster.nodes.find((n) => n.name === node);
    const partition = String(r['partition']);
    const part = def?.partitions.find((p) => p.name === partition);
    if (def && !part) this.problem([...path, 'partition'], `node ${def.name} has no partition "${partition}" (it has ${def.partitions.map((p) => p.name).join(', ')})`);
    else if (part && !part.migratable) this.problem([...path, 'partition'], `partition ${partition} is not a MigPartition (migratable: true)`);
    const travelers = typeof r['travelers'] === 'number' ? r['travelers'] : 1;
    if (part && travelers > part.maxTravelers) this.problem([...path, 'travelers'], `partition ${partition} runs at most ${part.maxTravelers} travelers per task`);
    const program = resolveIn(this.dir, String(r['program']));
    if (!isFile(program)) this.problem([...path, 'program'], `no program file ${program}`);
    else if (def && part?.migratable) this.checkProgram(program, String(r['program']), part, def.cpu, [...path, 'program']);
    this.tasks.set(name, {
      name,
      node: node ?? '',
      partition,
      program,
      travelers,
      priority: typeof r['priority'] === 'number' ? r['priority'] : 10,
      atBegin: !started.has(name),
      line: this.lineOf(path),
    });
  }

  /**
   * Assembles a task's program for the partition and CPU it starts on, as the
   * node will: a program that would not start fails the check with its first
   * FILE:LINE problem (and how many more), before any process runs.
   */
  private checkProgram(file: string, shown: string, part: PartitionDef, cpu: CpuDef, path: Path): void {
    const key = `${file}\0${part.name}\0${cpu.word}\0${cpu.endian}`;
    if (this.programsChecked.has(key)) return;
    this.programsChecked.add(key);
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch (e: unknown) {
      this.problem(path, `cannot read program file ${file}: ${fileProblem(e)}`);
      return;
    }
    try {
      assembleFor(source, shown, part, cpu);
    } catch (e: unknown) {
      if (!(e instanceof SourceErrors)) throw e;
      const [first] = e.problems;
      const more = e.problems.length - 1;
      if (first) this.problem(path, `does not assemble for ${part.name}: ${first.message}${more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'}: \`migvisor asm ${shown}\` lists them)` : ''}`);
    }
  }

  private profile(r: Raw, path: Path): Partial<LinkProfile> {
    const out: { -readonly [K in keyof LinkProfile]?: LinkProfile[K] } = {};
    if (r['unshaped'] === true) {
      if (r['bandwidth'] !== undefined) this.problem([...path, 'unshaped'], 'unshaped and bandwidth contradict each other');
      out.bandwidth = undefined;
    }
    if (r['bandwidth'] !== undefined) {
      const b = parseBandwidth(r['bandwidth']);
      if (b === undefined) this.problem([...path, 'bandwidth'], 'must be more than 0');
      else out.bandwidth = b;
    }
    const latency = this.duration(r['latency'], [...path, 'latency']);
    if (latency !== undefined) out.latencyMs = latency;
    const jitter = this.duration(r['jitter'], [...path, 'jitter']);
    if (jitter !== undefined) out.jitterMs = jitter;
    if (r['loss'] !== undefined) {
      const loss = parseFraction(r['loss']);
      if (loss === undefined) this.problem([...path, 'loss'], 'must be at most 100%');
      else out.loss = loss;
    }
    if (r['loss_mode'] === 'stall' || r['loss_mode'] === 'drop') out.lossMode = r['loss_mode'];
    return out;
  }

  private link(r: Raw, path: Path): LinkDef | undefined {
    const between = this.pair(r['between'], [...path, 'between']);
    const p = { ...UNSHAPED, ...this.profile(r, path) };
    if (p.jitterMs > p.latencyMs) this.problem([...path, 'jitter'], `jitter (${p.jitterMs} ms) must not exceed latency (${p.latencyMs} ms)`);
    return between ? { ...p, between, line: this.lineOf(path) } : undefined;
  }

  private trigger(text: string, path: Path): Trigger | undefined {
    const m = /^(migrated|parked|restored|moved|failed|running|settled|console) (\S+)(?: \/(.*)\/)?$/.exec(text);
    if (!m) return undefined;
    const task = this.taskRef(m[2], path);
    if (!task) return undefined;
    if (m[1] === 'console') {
      if (m[3] === undefined) {
        this.problem(path, 'console needs a /REGEX/ after the task');
        return undefined;
      }
      const pattern = this.regex(m[3], path);
      return pattern ? { kind: 'console', task, pattern } : undefined;
    }
    if (m[3] !== undefined) this.problem(path, `a /REGEX/ goes with console only`);
    return { kind: m[1] as Exclude<Trigger['kind'], 'console'>, task };
  }

  private regex(source: string, path: Path): RegExp | undefined {
    try {
      return new RegExp(source);
    } catch (e: unknown) {
      this.problem(path, `not a regular expression: ${(e as Error).message}`);
      return undefined;
    }
  }

  private move(kind: 'migrate' | 'park' | 'restore', r: Raw, path: Path): MoveSpec | undefined {
    const task = this.taskRef(r[kind], [...path, kind]);
    const to = kind === 'park' ? undefined : r['to'] === undefined ? undefined : this.node(r['to'], [...path, 'to']);
    if (kind !== 'park' && r['to'] === undefined) this.problem(path, `${kind} needs "to" (the target node)`);
    let mode: MigrationMode = 'full';
    if (kind === 'migrate' && r['mode'] !== undefined) {
      if (r['mode'] === 'full' || r['mode'] === 'precopy' || r['mode'] === 'lazy') mode = r['mode'];
      else this.problem([...path, 'mode'], `a migration's mode is full, precopy or lazy, not ${String(r['mode'])}`);
    }
    const deadlineMs = this.duration(r['deadline'], [...path, 'deadline']);
    if (task === undefined || (kind !== 'park' && to === undefined)) return undefined;
    return {
      kind: kind === 'migrate' ? mode : kind,
      task,
      ...(to ? { to } : {}),
      compression: (typeof r['compression'] === 'string' ? r['compression'] : 'auto') as CompressionChoice,
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    };
  }

  private step(r: Raw, path: Path, index: number): Step | undefined {
    const actions = ACTIONS.filter((a) => r[a] !== undefined);
    if (actions.length > 1) {
      this.problem(path, `one action per step, found ${actions.join(' and ')}`);
      return undefined;
    }
    const action = actions[0];
    const allowed = new Set([...TIMING, ...(action ? [action, ...ACTION_KEYS[action]] : [])]);
    for (const k of Object.keys(r)) {
      if (!allowed.has(k)) this.problem([...path, k], action ? `does not apply to a ${action} step` : 'applies to an action (migrate, park, restore, start, restart, evacuate, fault, link)');
    }
    if (!action && r['wait'] === undefined && r['at'] === undefined && r['after'] === undefined) this.problem(path, 'an empty step: give an action, or at, after or wait');
    const atMs = this.duration(r['at'], [...path, 'at']);
    const after = typeof r['after'] === 'string' ? this.trigger(r['after'], [...path, 'after']) : undefined;
    const step: Omit<Step, 'text'> = {
      index,
      line: this.lineOf(path),
      ...(atMs !== undefined ? { atMs } : {}),
      ...(after ? { after } : {}),
      waitMs: this.duration(r['wait'], [...path, 'wait']) ?? 0,
      timeoutMs: this.duration(r['timeout'], [...path, 'timeout']) ?? DEFAULT_STEP_TIMEOUT_MS,
      ...(action ? this.action(action, r, path) : {}),
    };
    return { ...step, text: describeStep(step) };
  }

  private action(kind: (typeof ACTIONS)[number], r: Raw, path: Path): { action?: Action } {
    switch (kind) {
      case 'migrate':
      case 'park':
      case 'restore': {
        const move = this.move(kind, r, path);
        return move ? { action: { type: 'move', move } } : {};
      }
      case 'start':
      case 'restart': {
        const task = this.taskRef(r[kind], [...path, kind]);
        return task ? { action: { type: kind, task } } : {};
      }
      case 'evacuate': {
        const node = this.node(r['evacuate'], [...path, 'evacuate']);
        if (!this.cluster.middleware) this.problem([...path, 'evacuate'], 'evacuation goes through the middleware, and the cluster has none');
        const mode = r['mode'] === 'precopy' || r['mode'] === 'lazy' ? r['mode'] : 'full';
        if (r['mode'] !== undefined && r['mode'] !== mode) this.problem([...path, 'mode'], `an evacuation's mode is full, precopy or lazy, not ${String(r['mode'])}`);
        return node ? { action: { type: 'evacuate', node, mode } } : {};
      }
      case 'link': {
        const change = r['link'] as 'set' | 'cut' | 'heal';
        const between = this.pair(r['between'], [...path, 'between']);
        if (r['between'] === undefined) this.problem(path, 'a link step needs "between"');
        const profile = change === 'set' ? this.profile(r, path) : {};
        if (change === 'set' && Object.keys(profile).length === 0) this.problem(path, 'link set changes nothing: give bandwidth, unshaped, latency, jitter, loss or loss_mode');
        if (change !== 'set') for (const k of ['bandwidth', 'unshaped', 'latency', 'jitter', 'loss', 'loss_mode']) if (r[k] !== undefined) this.problem([...path, k], `applies to link set, not link ${change}`);
        if (change !== 'cut') for (const k of ['mode', 'for']) if (r[k] !== undefined) this.problem([...path, k], `applies to link cut, not link ${change}`);
        const mode = this.cutMode(r, path);
        const forMs = this.duration(r['for'], [...path, 'for']) ?? 0;
        return between ? { action: { type: 'link', change, between, profile, mode, forMs } } : {};
      }
      case 'fault':
        return this.fault(r, path);
    }
  }

  private cutMode(r: Raw, path: Path): CutMode {
    if (r['mode'] === undefined || r['mode'] === 'reset') return 'reset';
    if (r['mode'] === 'blackhole') return 'blackhole';
    this.problem([...path, 'mode'], `a cut's mode is reset or blackhole, not ${String(r['mode'])}`);
    return 'reset';
  }

  private fault(r: Raw, path: Path): { action?: Action } {
    const fault = r['fault'] as FaultKind;
    const needs: Readonly<Record<FaultKind, readonly string[]>> = {
      'kill-node': ['node'],
      'restart-node': ['node'],
      'kill-middleware': [],
      'restart-middleware': [],
      freeze: ['node'],
      thaw: ['node'],
      cut: ['between'],
      heal: ['between'],
      corrupt: ['from', 'to'],
      delay: ['from', 'to', 'by'],
      'fill-gate': ['node', 'gate'],
      'expire-deadline': [],
    };
    const takes: Readonly<Record<FaultKind, readonly string[]>> = {
      'kill-node': ['node', 'for'],
      'restart-node': ['node'],
      'kill-middleware': ['for'],
      'restart-middleware': [],
      freeze: ['node', 'for'],
      thaw: ['node'],
      cut: ['between', 'mode', 'for'],
      heal: ['between'],
      corrupt: ['from', 'to', 'bytes', 'chunk'],
      delay: ['from', 'to', 'by'],
      'fill-gate': ['node', 'gate'],
      'expire-deadline': ['task'],
    };
    let ok = true;
    for (const k of needs[fault]) {
      if (r[k] === undefined) {
        this.problem(path, `fault ${fault} needs "${k}"`);
        ok = false;
      }
    }
    for (const k of ACTION_KEYS.fault) if (k !== 'during' && r[k] !== undefined && !takes[fault].includes(k)) this.problem([...path, k], `does not apply to fault ${fault}`);
    const target: { -readonly [K in keyof FaultTarget]?: FaultTarget[K] } = {};
    if (r['node'] !== undefined) {
      const process = fault === 'freeze' || fault === 'thaw' ? this.endpoint(r['node'], [...path, 'node']) : this.node(r['node'], [...path, 'node']);
      if (process) target.process = process;
      else ok = false;
    }
    if ((fault === 'kill-middleware' || fault === 'restart-middleware') && !this.cluster.middleware) {
      this.problem([...path, 'fault'], 'the cluster has no middleware');
      ok = false;
    }
    if (fault === 'kill-middleware' || fault === 'restart-middleware') target.process = MIDDLEWARE_ENDPOINT;
    if (r['between'] !== undefined) {
      const between = this.pair(r['between'], [...path, 'between']);
      if (between) target.between = between;
      else ok = false;
    }
    for (const k of ['from', 'to'] as const) {
      if (r[k] === undefined) continue;
      const e = this.endpoint(r[k], [...path, k]);
      if (e) target[k] = e;
      else ok = false;
    }
    if (fault === 'corrupt') {
      if ((r['bytes'] === undefined) === (r['chunk'] !== true)) {
        this.problem(path, 'fault corrupt needs bytes: N or chunk: true (one of them)');
        ok = false;
      } else target.corrupt = r['chunk'] === true ? { chunk: true } : { bytes: Number(r['bytes']) };
    }
    if (fault === 'cut') target.mode = this.cutMode(r, path);
    const byMs = this.duration(r['by'], [...path, 'by']);
    if (byMs !== undefined) target.byMs = Math.max(1, Math.round(byMs));
    const forMs = this.duration(r['for'], [...path, 'for']);
    if (forMs !== undefined) target.forMs = forMs;
    if (r['gate'] !== undefined) {
      const gate = String(r['gate']);
      const provider = this.cluster.providers.get(gate);
      if (!provider || provider.kind !== 'gate') {
        this.problem([...path, 'gate'], `no gate provider "${gate}" in the cluster file`);
        ok = false;
      } else target.gate = gate;
    }
    if (r['task'] !== undefined) {
      const task = this.taskRef(r['task'], [...path, 'task']);
      if (task) target.task = task;
      else ok = false;
    }
    let during: { move: MoveSpec; phase: Phase } | undefined;
    if (r['during'] !== undefined) {
      const d = record(r['during']);
      const dPath = [...path, 'during'];
      const kinds = (['migrate', 'park', 'restore'] as const).filter((k) => d[k] !== undefined);
      if (kinds.length !== 1) {
        this.problem(dPath, 'during names one move: migrate, park or restore');
        ok = false;
      } else {
        const move = this.move(kinds[0]!, d, dPath);
        const phase = d['phase'] as Phase;
        if (move && !PHASES_OF[move.kind].includes(phase)) {
          this.problem([...dPath, 'phase'], `a ${move.kind === 'park' || move.kind === 'restore' ? move.kind : `${move.kind} migration`} has no phase ${phase} (it has ${PHASES_OF[move.kind].join(', ')})`);
          ok = false;
        }
        if (move) during = { move, phase };
        else ok = false;
      }
    }
    if (fault === 'expire-deadline' && r['during'] === undefined && r['task'] === undefined) {
      this.problem(path, 'fault expire-deadline needs "task" or "during" (the migration it hits)');
      ok = false;
    }
    if (fault === 'expire-deadline' && during?.move.kind === 'restore') {
      this.problem([...path, 'during'], 'a restore is driven by the middleware and has no deadline to expire');
      ok = false;
    }
    if (!ok) return {};
    return { action: { type: 'fault', fault, target, ...(during ? { during } : {}) } };
  }

  private expectation(r: Raw, path: Path, index: number): Expectation | undefined {
    const kinds = Object.keys(r).filter((k) => k !== 'when' && k !== 'unless');
    if (kinds.length !== 1) {
      this.problem(path, kinds.length === 0 ? 'an empty expectation' : `one expectation per entry, found ${kinds.join(' and ')}`);
      return undefined;
    }
    const kind = kinds[0]!;
    const v = r[kind];
    const p = [...path, kind];
    const base = { index, line: this.lineOf(path) };
    let e: Untexted | undefined;
    switch (kind) {
      case 'continuity': {
        const o = typeof v === 'string' ? { task: v } : record(v);
        const task = this.taskRef(o['task'], typeof v === 'string' ? p : [...p, 'task']);
        let pattern: RegExp | undefined;
        if (typeof o['pattern'] === 'string') {
          pattern = this.regex(o['pattern'], [...p, 'pattern']);
          if (pattern && !/\((?!\?)/.test(o['pattern'])) this.problem([...p, 'pattern'], 'needs a group: the number is its group 1, e.g. "counter (\\d+)"');
        }
        if (task) e = { ...base, kind, task, ...(pattern ? { pattern } : {}), minLines: typeof o['min_lines'] === 'number' ? o['min_lines'] : 1 };
        break;
      }
      case 'transparent':
      case 'runs_once':
      case 'intact':
      case 'lost': {
        const task = this.taskRef(v, p);
        if (task) e = { ...base, kind, task };
        break;
      }
      case 'ends_on': {
        const o = record(v);
        const task = this.taskRef(o['task'], [...p, 'task']);
        const node = this.node(o['node'], [...p, 'node']);
        if (task && node) e = { ...base, kind, task, node };
        break;
      }
      case 'downtime_ms':
      case 'total_ms': {
        const o = record(v);
        const task = this.taskRef(o['task'], [...p, 'task']);
        if (task) e = { ...base, kind, task, max: Number(o['max']) };
        break;
      }
      case 'migration_fails': {
        const o = typeof v === 'string' ? { task: v } : record(v);
        const task = this.taskRef(o['task'], typeof v === 'string' ? p : [...p, 'task']);
        if (task) e = { ...base, kind, task, ...(typeof o['code'] === 'string' ? { code: o['code'] } : {}) };
        break;
      }
    }
    return e ? ({ ...e, text: describeExpectation(e as Expectation) } as Expectation) : undefined;
  }
}

function resolveIn(dir: string, file: string): string {
  return path.resolve(dir, file);
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
