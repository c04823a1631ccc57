/**
 * Turns schema-checked cluster data into the normalised model of config-model.ts:
 * defaults filled in, sizes in bytes, paths absolute, partition names on nodes
 * resolved. Parts that failed the schema are left out (and remembered by name, so
 * the semantic checks neither crash on them nor report them a second time).
 */
import { resolve } from 'node:path';
import type {
  AccessDef,
  BootTaskDef,
  CertKeyDef,
  LinkDef,
  ClusterConfig,
  Compression,
  CpuDef,
  Endian,
  MiddlewareDef,
  RetentionRule,
  NodeDef,
  PartitionDef,
  ProviderDef,
  ProviderGrant,
  RegionDef,
  SchedulePlanDef,
  Role,
  TlsDef,
  WindowDef,
  WordSize,
} from './model.ts';
import { DEFAULT_MAX_CLUSTER, DEFAULT_MAX_OUTBOUND, DEFAULT_PLAN } from './model.ts';
import { formatPath, isWithin } from './source.ts';
import type { Path, Problem, YamlSource } from './source.ts';
import { parseAge, parseBandwidth, parseDuration, parseFraction, parseSize } from './units.ts';
import type { HmAction, HmEvent, HmLevel, HmRule } from './hm-vocabulary.ts';

/** Defaults of keys a cluster file may leave out. */
export const DEFAULT_LISTEN = '127.0.0.1:0';
/** Default store URI. */
export const DEFAULT_STORE = 'file://var/store';
/** Default page size (bytes). */
export const DEFAULT_PAGE_SIZE = 4096;
/** Default compressions a node supports. */
export const DEFAULT_COMPRESSION: readonly Compression[] = ['none', 'deflate', 'brotli'];

/** One entry of a node's `partitions` list, as written. */
export interface PartitionRef {
  readonly name: string;
  /** Path of the list entry. */
  readonly path: Path;
  /** The definition it resolves to; undefined when unknown or when it failed the schema. */
  readonly def: PartitionDef | undefined;
  readonly inline: boolean;
}

/** Names whose definitions failed the schema: references to them are not reported again. */
export interface BrokenNames {
  readonly providers: ReadonlySet<string>;
  readonly partitions: ReadonlySet<string>;
  readonly nodes: ReadonlySet<string>;
}

/** Finds the line of a model object, or of a field below it, in the YAML. */
export interface Locator {
  /** Line of the value at `sub` below `obj` (or of the nearest part that exists). */
  line(obj: object, ...sub: (string | number)[]): number;
  /** Line of the key at `sub` below `obj`. */
  keyLine(obj: object, ...sub: (string | number)[]): number;
  /** Line of the value at a path of the file's data. */
  lineAt(path: Path): number;
  pathOf(obj: object): Path;
}

/** The cluster with every default applied and every reference resolved, before the cross checks. */
export interface NormalisedCluster {
  /** The model; complete only when the whole file passed the schema. */
  readonly config: ClusterConfig;
  readonly refs: ReadonlyMap<NodeDef, readonly PartitionRef[]>;
  /** Partitions defined inline on a node, in file order. */
  readonly inline: readonly { readonly node: NodeDef; readonly def: PartitionDef }[];
  readonly broken: BrokenNames;
  readonly locate: Locator;
  /** Values the schema accepts but the model cannot hold (sizes beyond 2^53, zero sizes). */
  readonly problems: readonly Problem[];
}

type Raw = Record<string, unknown>;

/**
 * Normalises `data`, skipping every part at or below a path in `invalid` (where
 * the schema found problems).
 */
export function normaliseCluster(data: unknown, invalid: readonly Path[], file: string, source: YamlSource): NormalisedCluster {
  return new Normaliser(data, invalid, file, source).run();
}

class Normaliser {
  private readonly paths = new WeakMap<object, Path>();
  private readonly problems: Problem[] = [];
  private readonly brokenProviders = new Set<string>();
  private readonly brokenPartitions = new Set<string>();
  private readonly brokenNodes = new Set<string>();
  private readonly refs = new Map<NodeDef, PartitionRef[]>();
  private readonly inline: { node: NodeDef; def: PartitionDef }[] = [];
  private readonly dir: string;
  /** Cleared when a value of the unit being normalised cannot be used. */
  private unitOk = true;

  constructor(
    private readonly data: unknown,
    private readonly invalid: readonly Path[],
    private readonly file: string,
    private readonly source: YamlSource,
  ) {
    this.dir = resolve(file, '..');
  }

  run(): NormalisedCluster {
    const root = record(this.data);
    const providers = new Map<string, ProviderDef>();
    for (const [name, raw] of entries(root['providers'])) {
      const def = this.unit(['providers', name], this.brokenProviders, name, (p) => this.provider(name, record(raw), p));
      if (def) providers.set(name, def);
    }
    const partitions = new Map<string, PartitionDef>();
    for (const [name, raw] of entries(root['partitions'])) {
      const def = this.unit(['partitions', name], this.brokenPartitions, name, (p) =>
        this.partition(name, record(raw), p, this.source.keyLine(p)),
      );
      if (def) partitions.set(name, def);
    }
    const nodes: NodeDef[] = [];
    list(root['nodes']).forEach((raw, i) => {
      const name = record(raw)['name'];
      const node = this.unit(['nodes', i], this.brokenNodes, name, (p) => this.node(record(raw), p, partitions));
      if (node) nodes.push(node);
    });
    const middleware = root['middleware'] === undefined ? undefined : this.unit(['middleware'], undefined, undefined, (p) => this.middleware(record(root['middleware']), p));

    const links: LinkDef[] = [];
    list(root['links']).forEach((raw, i) => {
      const link = this.unit(['links', i], undefined, undefined, (p) => this.link(record(raw), p));
      if (link) links.push(link);
    });

    const tls = root['tls'] === undefined ? undefined : this.unit(['tls'], undefined, undefined, (p) => this.tls(record(root['tls']), p));
    const access =
      root['roles'] === undefined && root['tokens'] === undefined
        ? undefined
        : this.unit(['roles'], undefined, undefined, () => this.unit(['tokens'], undefined, undefined, () => this.access(record(root['roles']), record(root['tokens']))));

    const migration = this.track(
      {
        maxOutbound: int(record(root['migration'])['max_outbound'], DEFAULT_MAX_OUTBOUND),
        maxCluster: int(record(root['migration'])['max_cluster'], DEFAULT_MAX_CLUSTER),
        line: root['migration'] === undefined ? 0 : this.source.line(['migration']),
      },
      ['migration'],
    );
    const config: ClusterConfig = { file: resolve(this.file), dir: this.dir, providers, partitions, nodes, middleware, links, tls, access, migration };
    const paths = this.paths;
    const source = this.source;
    const pathOf = (obj: object): Path => paths.get(obj) ?? [];
    return {
      config,
      refs: this.refs,
      inline: this.inline,
      broken: { providers: this.brokenProviders, partitions: this.brokenPartitions, nodes: this.brokenNodes },
      locate: {
        line: (obj, ...sub) => source.line([...pathOf(obj), ...sub]),
        keyLine: (obj, ...sub) => source.keyLine([...pathOf(obj), ...sub]),
        lineAt: (path) => source.line(path),
        pathOf,
      },
      problems: this.problems,
    };
  }

  /** Normalises one unit unless the schema failed it; a failed unit's name goes to `broken`. */
  private unit<T>(path: Path, broken: Set<string> | undefined, name: unknown, build: (path: Path) => T): T | undefined {
    if (!this.invalid.some((p) => isWithin(p, path))) {
      this.unitOk = true;
      const value = build(path);
      if (this.unitOk) return value;
    }
    if (typeof name === 'string') broken?.add(name);
    return undefined;
  }

  private track<T extends object>(obj: T, path: Path): T {
    this.paths.set(obj, path);
    return obj;
  }

  /** A size in bytes; a value the model cannot hold is a problem and fails the unit. */
  private size(raw: unknown, path: Path, fallback: number, min = 0): number {
    if (raw === undefined) return fallback;
    const bytes = parseSize(raw);
    const problem =
      bytes === undefined ? `${String(raw)} is too large` : bytes < min ? `must be at least ${min} byte${min === 1 ? '' : 's'}` : undefined;
    if (problem === undefined && bytes !== undefined) return bytes;
    this.problems.push({ line: this.source.line(path), message: `${formatPath(path)}: ${problem}` });
    this.unitOk = false;
    return fallback;
  }

  /** A value in a unit the schema's pattern admits but the model cannot use (0Mbit, 200%): a problem that fails the unit. */
  private unitValue(raw: unknown, path: Path, parse: (v: unknown) => number | undefined, problem: string, fallback: number): number {
    const value = parse(raw);
    if (value !== undefined) return value;
    this.problems.push({ line: this.source.line(path), message: `${formatPath(path)}: ${problem}` });
    this.unitOk = false;
    return fallback;
  }

  private provider(name: string, raw: Raw, path: Path): ProviderDef {
    const line = this.source.keyLine(path);
    if (raw['kind'] === 'file') {
      return this.track({ kind: 'file', name, path: resolve(this.dir, String(raw['path'])), line }, path);
    }
    if (raw['kind'] === 'sampling') {
      return this.track(
        { kind: 'sampling', name, messageSize: this.size(raw['message_size'], [...path, 'message_size'], 1, 1), refresh: int(raw['refresh'], 1), line },
        path,
      );
    }
    return this.track(
      {
        kind: 'gate',
        name,
        capacity: Number(raw['capacity']),
        messageSize: this.size(raw['message_size'], [...path, 'message_size'], 1, 1),
        line,
      },
      path,
    );
  }

  private partition(name: string, raw: Raw, path: Path, line: number): PartitionDef {
    const regions = list(raw['regions']).map((r, i) => this.region(record(r), [...path, 'regions', i]));
    const providers = entries(raw['providers']).map(([provider, rights]): ProviderGrant => {
      const grantPath = [...path, 'providers', provider];
      return this.track({ provider, rights: String(rights), line: this.source.keyLine(grantPath) }, grantPath);
    });
    return this.track(
      {
        name,
        migratable: raw['migratable'] === true,
        slots: int(raw['slots'], 1),
        stackPerTraveler: this.size(raw['stack_per_traveler'], [...path, 'stack_per_traveler'], DEFAULT_PAGE_SIZE, 1),
        maxTravelers: int(raw['max_travelers'], 4),
        regions,
        providers,
        healthMonitor: this.hmTable(raw['health_monitor'], [...path, 'health_monitor'], 'partition'),
        start: raw['start'] === 'manual' ? 'manual' : 'auto',
        system: raw['system'] === true,
        requiresPlan: typeof raw['requires_plan'] === 'string' ? raw['requires_plan'] : undefined,
        line,
      },
      path,
    );
  }

  /** A health-monitor table: one rule per event, `level` defaulting to the table's own. */
  private hmTable(raw: unknown, path: Path, level: HmLevel): HmRule[] {
    return entries(raw).map(([event, value]) => {
      const r = record(value);
      const rulePath = [...path, event];
      return this.track(
        {
          event: event as HmEvent,
          level: typeof r['level'] === 'string' ? (r['level'] as HmLevel) : level,
          action: String(r['action']) as HmAction,
          log: r['log'] !== false,
          line: this.source.keyLine(rulePath),
        },
        rulePath,
      );
    });
  }

  private region(raw: Raw, path: Path): RegionDef {
    const rightsText = String(raw['rights']);
    return this.track(
      {
        name: String(raw['name']),
        vaddr: this.size(raw['vaddr'], [...path, 'vaddr'], 0),
        paddr: this.size(raw['paddr'], [...path, 'paddr'], 0),
        size: this.size(raw['size'], [...path, 'size'], 0, 1),
        rights: { r: rightsText.includes('r'), w: rightsText.includes('w'), x: rightsText.includes('x') },
        rightsText,
        line: this.source.line(path),
      },
      path,
    );
  }

  private node(raw: Raw, path: Path, topLevel: ReadonlyMap<string, PartitionDef>): NodeDef {
    const cpuRaw = record(raw['cpu']);
    const cpu: CpuDef = {
      word: Number(cpuRaw['word']) as WordSize,
      endian: String(cpuRaw['endian']) as Endian,
      pageSize: this.size(cpuRaw['page_size'], [...path, 'cpu', 'page_size'], DEFAULT_PAGE_SIZE),
      instructionsPerTick: int(cpuRaw['instructions_per_tick'], 2000),
    };
    const refs: PartitionRef[] = [];
    const inlineDefs: PartitionDef[] = [];
    list(raw['partitions']).forEach((entry, i) => {
      const entryPath = [...path, 'partitions', i];
      if (typeof entry === 'string') {
        refs.push({ name: entry, path: entryPath, def: topLevel.get(entry), inline: false });
        return;
      }
      const name = String(record(entry)['name']);
      const def = this.partition(name, record(entry), entryPath, this.source.line(entryPath));
      inlineDefs.push(def);
      refs.push({ name, path: entryPath, def, inline: true });
    });
    const partitions: PartitionDef[] = [];
    for (const ref of refs) {
      if (ref.def && !partitions.some((p) => p.name === ref.name)) partitions.push(ref.def);
    }
    const plans = this.plans(raw, path);
    const initialPlan = typeof raw['initial_plan'] === 'string' ? raw['initial_plan'] : (plans.find((p) => p.name === DEFAULT_PLAN) ?? plans[0])?.name ?? DEFAULT_PLAN;
    const initial = plans.find((p) => p.name === initialPlan) ?? plans[0];
    const node: NodeDef = this.track(
      {
        name: String(raw['name']),
        listen: typeof raw['listen'] === 'string' ? raw['listen'] : DEFAULT_LISTEN,
        ...(typeof raw['metrics'] === 'string' ? { metrics: raw['metrics'] } : {}),
        cpu,
        memory: this.size(raw['memory'], [...path, 'memory'], 0, 1),
        tickUs: int(raw['tick_us'], 1000),
        compression: raw['compression'] === undefined ? DEFAULT_COMPRESSION : (list(raw['compression']) as Compression[]),
        partitions,
        schedule: initial ? { majorFrame: initial.majorFrame, windows: initial.windows } : { majorFrame: 1, windows: [] },
        plans,
        initialPlan,
        tasks: list(raw['tasks']).map((t, i) => this.task(record(t), [...path, 'tasks', i])),
        evacuateTo: list(raw['evacuate_to']).map(String),
        healthMonitor: this.hmTable(raw['health_monitor'], [...path, 'health_monitor'], 'node'),
        line: this.source.line(path),
      },
      path,
    );
    this.refs.set(node, refs);
    for (const def of inlineDefs) this.inline.push({ node, def });
    return node;
  }

  /** The node's plans: `schedule` as plan default, then the entries of `plans`. */
  private plans(raw: Raw, path: Path): SchedulePlanDef[] {
    const plan = (name: string, planRaw: Raw, planPath: Path): SchedulePlanDef =>
      this.track(
        {
          name,
          majorFrame: int(planRaw['major_frame'], 1),
          windows: list(planRaw['windows']).map((w, i) => this.window(record(w), [...planPath, 'windows', i])),
          line: this.source.keyLine(planPath),
        },
        planPath,
      );
    const out: SchedulePlanDef[] = [];
    if (raw['schedule'] !== undefined) out.push(plan(DEFAULT_PLAN, record(raw['schedule']), [...path, 'schedule']));
    for (const [name, planRaw] of entries(raw['plans'])) out.push(plan(name, record(planRaw), [...path, 'plans', name]));
    return out;
  }

  private window(raw: Raw, path: Path): WindowDef {
    return this.track(
      { partition: String(raw['partition']), start: int(raw['start'], 0), duration: int(raw['duration'], 1), line: this.source.line(path) },
      path,
    );
  }

  private task(raw: Raw, path: Path): BootTaskDef {
    return this.track(
      {
        partition: String(raw['partition']),
        program: resolve(this.dir, String(raw['program'])),
        travelers: int(raw['travelers'], 1),
        priority: int(raw['priority'], 10),
        line: this.source.line(path),
      },
      path,
    );
  }

  private link(raw: Raw, path: Path): LinkDef {
    const [a, b] = list(raw['between']).map(String);
    return this.track(
      {
        between: [a ?? '', b ?? ''],
        bandwidth: raw['bandwidth'] === undefined ? undefined : this.unitValue(raw['bandwidth'], [...path, 'bandwidth'], parseBandwidth, 'must be more than 0', 1),
        latencyMs: this.unitValue(raw['latency'] ?? 0, [...path, 'latency'], parseDuration, 'is not a duration', 0),
        jitterMs: this.unitValue(raw['jitter'] ?? 0, [...path, 'jitter'], parseDuration, 'is not a duration', 0),
        loss: this.unitValue(raw['loss'] ?? 0, [...path, 'loss'], parseFraction, 'must be at most 100%', 0),
        lossMode: raw['loss_mode'] === 'drop' ? 'drop' : 'stall',
        line: this.source.line(path),
      },
      path,
    );
  }

  private certKey(raw: unknown, path: Path): CertKeyDef | undefined {
    if (raw === undefined) return undefined;
    const r = record(raw);
    return this.track({ cert: resolve(this.dir, String(r['cert'])), key: resolve(this.dir, String(r['key'])), line: this.source.line(path) }, path);
  }

  private tls(raw: Raw, path: Path): TlsDef {
    const nodes = new Map<string, CertKeyDef>();
    for (const [name, v] of entries(raw['nodes'])) nodes.set(name, this.certKey(v, [...path, 'nodes', name])!);
    return this.track(
      {
        ca: resolve(this.dir, String(raw['ca'])),
        nodes,
        middleware: this.certKey(raw['middleware'], [...path, 'middleware']),
        testbed: this.certKey(raw['testbed'], [...path, 'testbed']),
        client: this.certKey(raw['client'], [...path, 'client']),
        line: this.source.keyLine(path),
      },
      path,
    );
  }

  private access(roles: Raw, tokens: Raw): AccessDef {
    const held = new Map<string, readonly Role[]>();
    for (const [who, v] of Object.entries(roles)) held.set(who, (Array.isArray(v) ? v : [v]).map(String) as Role[]);
    const byName = new Map<string, string>();
    for (const [who, v] of Object.entries(tokens)) byName.set(who, String(v));
    const at: Path = this.data !== null && typeof this.data === 'object' && 'roles' in this.data ? ['roles'] : ['tokens'];
    return { roles: held, tokens: byName, line: this.source.keyLine(at) };
  }

  private middleware(raw: Raw, path: Path): MiddlewareDef {
    return this.track(
      {
        listen: typeof raw['listen'] === 'string' ? raw['listen'] : DEFAULT_LISTEN,
        ...(typeof raw['metrics'] === 'string' ? { metrics: raw['metrics'] } : {}),
        store: typeof raw['store'] === 'string' ? raw['store'] : DEFAULT_STORE,
        ...(typeof raw['chunks'] === 'string' ? { chunks: raw['chunks'] } : {}),
        ...(typeof raw['chunk_replicas'] === 'number' ? { chunkReplicas: raw['chunk_replicas'] } : {}),
        ...(raw['key'] !== undefined || raw['key_file'] !== undefined ? { keyEntries: ['key', 'key_file'].filter((k) => raw[k] !== undefined) } : {}),
        retention: list(raw['retention']).map((r, i) => this.retentionRule(record(r), [...path, 'retention', i])),
        line: this.source.line(path),
      },
      path,
    );
  }

  private retentionRule(raw: Raw, path: Path): RetentionRule {
    const label = typeof raw['label'] === 'string' ? raw['label'] : undefined;
    const eq = label?.indexOf('=') ?? -1;
    return this.track(
      {
        ...(label !== undefined && eq > 0 ? { label: { key: label.slice(0, eq), value: label.slice(eq + 1) } } : {}),
        ...(typeof raw['task'] === 'string' ? { task: raw['task'] } : {}),
        ...(typeof raw['keep_last'] === 'number' ? { keepLast: raw['keep_last'] } : {}),
        ...(raw['max_age'] !== undefined ? { maxAgeMs: this.unitValue(raw['max_age'], [...path, 'max_age'], parseAge, 'must be an age such as 30m, 12h or 7d', 0) } : {}),
        line: this.source.line(path),
      },
      path,
    );
  }
}

function record(v: unknown): Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}

function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

function entries(v: unknown): [string, unknown][] {
  return Object.entries(record(v));
}

function int(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) ? v : fallback;
}
