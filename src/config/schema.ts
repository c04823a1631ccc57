/**
 * Validates parsed YAML against a JSON Schema (config/cluster.schema.json for
 * cluster files, config/scenario.schema.json for scenarios) and turns ajv's
 * errors into plain messages at the data path involved, e.g.
 * `nodes[0].cpu.word: must be 32 or 64`.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import { formatPath, isWithin, pointerToPath, valueAt } from './source.ts';
import type { Path } from './source.ts';

/** The schema file shipped beside the default cluster. */
export const CLUSTER_SCHEMA_FILE = new URL('../../config/cluster.schema.json', import.meta.url);

/** A schema problem: where (`atKey`: the line of the key rather than its value) and what. */
export interface SchemaProblem {
  readonly path: Path;
  readonly atKey: boolean;
  readonly message: string;
}

const SCHEMA_KEY = 'schema';

/** How a titled schema definition reads after "must be". */
const PHRASE: Readonly<Record<string, string>> = {
  size: 'a size: a non-negative integer or a string such as 4096, 64KiB or 16MiB',
  address: 'an address: a non-negative integer such as 0x100000, or a size string such as 1MiB',
  name: "a name made of letters, digits, '_', '-' and '.'",
  'store URI': 'file://PATH, etcd://HOST:PORT or etcds://HOST:PORT',
  bandwidth: 'a bandwidth such as 64kbit, 10Mbit, 1Gbit or 2MiB/s',
  duration: 'a duration: a number of milliseconds, or a string such as 250us, 5ms, 1.5s, 2m',
  probability: 'a probability: a percentage such as 0.5%, or a number from 0 to 1',
};

interface Compiled {
  readonly ajv: Ajv;
  readonly validate: ValidateFunction;
  readonly schema: AnySchemaObject;
  /** What the root must be, when it is not a mapping. */
  readonly rootMessage: string;
}

/**
 * A JSON Schema (draft 7) of a YAML file, whose errors come back as plain
 * messages at the data path involved (`nodes[0].cpu.word: must be 32 or 64`);
 * compiled on first use.
 */
export class SchemaChecker {
  private compiled: Compiled | undefined;

  constructor(
    private readonly file: URL,
    /** The message when the file is not a mapping at all. */
    private readonly rootMessage: string,
  ) {}

  /** Every way `data` breaks the schema. */
  check(data: unknown): SchemaProblem[] {
    const c = this.compile();
    if (c.validate(data)) return [];
    return describeErrors(c, c.validate.errors ?? [], data, []);
  }

  private compile(): Compiled {
    if (!this.compiled) {
      const schema = JSON.parse(readFileSync(this.file, 'utf8')) as AnySchemaObject;
      // verbose: errors carry their schema, which is how anyOf branches are told apart.
      const ajv = new Ajv({ allErrors: true, verbose: true });
      ajv.addSchema(schema, SCHEMA_KEY);
      const validate = ajv.getSchema(SCHEMA_KEY);
      if (!validate) throw new Error(`${this.file.pathname}: the schema did not compile`);
      this.compiled = { ajv, validate, schema, rootMessage: this.rootMessage };
    }
    return this.compiled;
  }
}

const clusterSchema = new SchemaChecker(CLUSTER_SCHEMA_FILE, 'the file must hold a YAML mapping with at least version and nodes');

/** Every way `data` (a parsed cluster file) breaks the schema. */
export function validateClusterSchema(data: unknown): SchemaProblem[] {
  return clusterSchema.check(data);
}

interface Located {
  readonly error: ErrorObject;
  readonly path: Path;
}

/** Errors of validating `value` (which lives at `base` in the file) as plain problems. */
function describeErrors(c: Compiled, errors: readonly ErrorObject[], value: unknown, base: Path): SchemaProblem[] {
  let pending: Located[] = errors.map((error) => ({ error, path: [...base, ...pointerToPath(error.instancePath, value)] }));
  const out: SchemaProblem[] = [];
  const relative = (path: Path): unknown => valueAt(value, path.slice(base.length));

  // An anyOf explains everything below it: resolve it once, outermost first.
  const anyOfs = pending.filter((l) => l.error.keyword === 'anyOf').sort((a, b) => a.path.length - b.path.length);
  for (const a of anyOfs) {
    if (!pending.includes(a)) continue;
    pending = pending.filter((l) => !isWithin(l.path, a.path));
    out.push(...describeAnyOf(c, a, relative(a.path)));
  }
  // A bad map key is reported once, at the key, not also as the inner pattern failure.
  for (const p of pending.filter((l) => l.error.keyword === 'propertyNames')) {
    const name = String(p.error.params['propertyName']);
    pending = pending.filter((l) => l === p || !(sameRef(l.path, p.path) && l.error.propertyName === name));
  }
  for (const l of pending) out.push(describeOne(c, l, relative));
  return out;
}

function sameRef(a: Path, b: Path): boolean {
  return a.length === b.length && isWithin(a, b);
}

function describeOne(c: Compiled, { error, path }: Located, valueOf: (path: Path) => unknown): SchemaProblem {
  const at = (message: string): SchemaProblem => ({ path, atKey: false, message: `${prefix(path)}${message}` });
  const params = error.params as Record<string, unknown>;
  const title = error.parentSchema?.['title'];
  switch (error.keyword) {
    case 'required':
      return at(`missing required property "${String(params['missingProperty'])}"`);
    case 'additionalProperties': {
      const name = String(params['additionalProperty']);
      const known = Object.keys((error.parentSchema?.['properties'] as object | undefined) ?? {});
      const near = known.find((k) => editDistance(k, name) <= 2);
      return {
        path: [...path, name],
        atKey: true,
        message: `${prefix(path)}unknown property "${name}"${near ? ` (did you mean "${near}"?)` : ''}`,
      };
    }
    case 'propertyNames': {
      const name = String(params['propertyName']);
      const allowed = (error.parentSchema?.['propertyNames'] as { enum?: unknown[] } | undefined)?.enum;
      const what = allowed ? `one of ${allowed.map(String).join(', ')}` : PHRASE['name'];
      return { path: [...path, name], atKey: true, message: `${prefix(path)}"${name}" is not ${what}` };
    }
    case 'type':
      if (path.length === 0) return at(c.rootMessage);
      return at(`must be ${typePhrase(String(params['type']))}`);
    case 'enum':
      return at(`must be ${alternatives((params['allowedValues'] as unknown[]).map(String))}`);
    case 'const':
      return at(`must be ${String(params['allowedValue'])}`);
    case 'minimum':
      return at(`must be at least ${String(params['limit'])}`);
    case 'maximum':
      return at(`must be at most ${String(params['limit'])}`);
    case 'minItems':
      return at(`must have at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}`);
    case 'maxItems':
      return at(`must have at most ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}`);
    case 'maxLength':
      return at(`must be at most ${String(params['limit'])} characters long`);
    case 'minLength':
    case 'minProperties':
      return at('must not be empty');
    case 'uniqueItems': {
      const i = Number(params['i']);
      const item = valueOf([...path, i]);
      return { path: [...path, i], atKey: false, message: `${prefix(path)}lists ${String(item)} twice` };
    }
    case 'pattern':
      return at(`must be ${typeof title === 'string' ? (PHRASE[title] ?? withArticle(title)) : `text matching ${String(params['pattern'])}`}`);
    default:
      return at(error.message ?? `fails ${error.keyword}`);
  }
}

/** One anyOf failure: pick the branch the value was evidently meant for and report its errors, or say what would fit. */
function describeAnyOf(c: Compiled, { error, path }: Located, value: unknown): SchemaProblem[] {
  const { ajv } = c;
  const parent = error.parentSchema ?? {};
  const title = parent['title'];
  const branches = ((parent['anyOf'] as AnySchemaObject[] | undefined) ?? []).map((b) => resolve(c, b));
  const scalar = branches.every((b) => b.schema['type'] !== 'object' && b.schema['type'] !== 'array');
  const fits = (): SchemaProblem[] => [
    {
      path,
      atKey: false,
      message: `${prefix(path)}must be ${
        typeof title === 'string' && scalar
          ? (PHRASE[title] ?? withArticle(title))
          : alternatives(branches.map((b) => withArticle(String(b.schema['title'] ?? b.schema['type'] ?? 'value'))))
      }`,
    },
  ];
  if (scalar) return fits();

  let candidates = branches.filter((b) => typeMatches(b.schema['type'], value));
  if (candidates.length > 1 && isRecord(value)) {
    // Tell object branches apart by their `const` properties (e.g. kind: file | gate).
    const consts = (b: Branch): [string, unknown][] =>
      Object.entries((b.schema['properties'] as Record<string, AnySchemaObject> | undefined) ?? {})
        .filter(([, s]) => 'const' in s)
        .map(([k, s]) => [k, s['const']]);
    const matching = candidates.filter((b) => consts(b).every(([k, c]) => value[k] === c));
    if (matching.length !== 1) {
      const tag = consts(candidates[0] as Branch).find(([k]) => candidates.every((b) => consts(b).some(([k2]) => k2 === k)));
      if (tag) {
        const [key] = tag;
        if (!(key in value)) return [{ path, atKey: false, message: `${prefix(path)}missing required property "${key}"` }];
        const allowed = candidates.map((b) => JSON.stringify(consts(b).find(([k]) => k === key)?.[1]));
        return [{ path: [...path, key], atKey: false, message: `${prefix([...path, key])}must be ${alternatives(allowed)}` }];
      }
    }
    candidates = matching;
  }
  const chosen = candidates.length === 1 ? candidates[0] : undefined;
  const validate = chosen?.ref === undefined ? undefined : ajv.getSchema(`${SCHEMA_KEY}${chosen.ref}`);
  if (!validate || validate(value)) return fits();
  return describeErrors(c, validate.errors ?? [], value, path);
}

interface Branch {
  readonly ref: string | undefined;
  readonly schema: AnySchemaObject;
}

/** Follows local `$ref`s (`#/definitions/x`) to the schema that says what a branch is. */
function resolve(c: Compiled, branch: AnySchemaObject): Branch {
  const { schema } = c;
  const definitions = (schema['definitions'] ?? {}) as Record<string, AnySchemaObject>;
  let ref: string | undefined;
  let at = branch;
  for (let hops = 0; typeof at['$ref'] === 'string' && hops < 10; hops++) {
    ref ??= at['$ref'];
    const next = definitions[String(at['$ref']).replace('#/definitions/', '')];
    if (!next) break;
    // Keep the nearest title: `partition name` beats the generic `name` it refers to.
    at = { ...next, title: at['title'] ?? next['title'] };
  }
  return { ref, schema: at };
}

function typeMatches(type: unknown, value: unknown): boolean {
  if (type === undefined) return true;
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => {
    switch (t) {
      case 'object':
        return isRecord(value);
      case 'array':
        return Array.isArray(value);
      case 'integer':
        return Number.isInteger(value);
      case 'null':
        return value === null;
      default:
        return typeof value === t;
    }
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function prefix(path: Path): string {
  return path.length === 0 ? '' : `${formatPath(path)}: `;
}

function typePhrase(type: string): string {
  switch (type) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'boolean':
      return 'true or false';
    case 'integer':
      return 'an integer';
    default:
      return withArticle(type);
  }
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

/** `a`, `a or b`, `a, b or c`. */
function alternatives(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
