/**
 * A scenario's matrix: its variables' values combined into runs (with `exclude`
 * leaving combinations out), and the substitution of one combination into the
 * scenario's data: `${name}` in a string, a whole value `${name}` by the value
 * itself (a mapping or a list too), and `use: name` merging a mapping value into
 * the mapping it appears in.
 */
import { formatPath, type Path } from '../config/index.ts';

/** One combination of the matrix's values. */
export interface MatrixCell {
  /** `run` without a matrix; else `mode=lazy fault=kill-sink`. */
  readonly name: string;
  /** Each variable's value as a label. */
  readonly params: Readonly<Record<string, string>>;
  /** Each variable's value. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** A problem found while expanding, at a path of the scenario's data. */
export interface MatrixProblem {
  readonly path: Path;
  readonly message: string;
}

/** Most runs one scenario may expand into. */
export const MAX_RUNS = 1000;

const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const EMBEDDED = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** How a value reads in a run's name: a scalar as is, a mapping by its `name`, else `key=value` pairs. */
export function label(value: unknown): string {
  if (isRecord(value)) {
    if (typeof value['name'] === 'string') return value['name'];
    return Object.entries(value)
      .map(([k, v]) => `${k}=${label(v)}`)
      .join(',');
  }
  if (Array.isArray(value)) return value.map(label).join('+');
  return String(value);
}

/** The combinations of `matrix` (the scenario's `matrix:` value; undefined: one run named `run`). */
export function expandMatrix(matrix: unknown, problems: MatrixProblem[]): MatrixCell[] {
  if (!isRecord(matrix)) return [{ name: 'run', params: {}, values: {} }];
  const variables = Object.entries(matrix).filter((e): e is [string, unknown[]] => e[0] !== 'exclude' && Array.isArray(e[1]) && e[1].length > 0);
  if (variables.length === 0) return [{ name: 'run', params: {}, values: {} }];
  const excludes = Array.isArray(matrix['exclude']) ? matrix['exclude'].filter(isRecord) : [];
  excludes.forEach((ex, i) => {
    for (const key of Object.keys(ex)) {
      if (!variables.some(([name]) => name === key)) problems.push({ path: ['matrix', 'exclude', i, key], message: `${formatPath(['matrix', 'exclude', i])}: no matrix variable "${key}" (variables: ${variables.map(([n]) => n).join(', ')})` });
    }
  });
  const total = variables.reduce((n, [, values]) => n * values.length, 1);
  if (total > MAX_RUNS) {
    problems.push({ path: ['matrix'], message: `matrix: ${total} combinations, at most ${MAX_RUNS} runs per scenario` });
    return [];
  }
  let cells: { values: Record<string, unknown>; params: Record<string, string> }[] = [{ values: {}, params: {} }];
  for (const [name, values] of variables) {
    cells = cells.flatMap((c) => values.map((v) => ({ values: { ...c.values, [name]: v }, params: { ...c.params, [name]: label(v) } })));
  }
  const excluded = (params: Record<string, string>): boolean =>
    excludes.some((ex) => Object.entries(ex).every(([k, v]) => (Array.isArray(v) ? v.map(label) : [label(v)]).includes(params[k] ?? '\u0000')));
  return cells
    .filter((c) => !excluded(c.params))
    .map((c) => ({ name: Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(' '), params: c.params, values: c.values }));
}

/** `data` (the scenario without its matrix) with `cell`'s values substituted; unknown variables are problems. */
export function substitute(data: unknown, cell: MatrixCell, problems: MatrixProblem[]): unknown {
  const known = (name: string, path: Path): boolean => {
    if (name in cell.values) return true;
    const names = Object.keys(cell.values);
    problems.push({ path, message: `${formatPath(path)}: unknown matrix variable "${name}"${names.length ? ` (variables: ${names.join(', ')})` : ' (the scenario has no matrix)'}` });
    return false;
  };
  const walk = (v: unknown, path: Path): unknown => {
    if (typeof v === 'string') {
      const whole = WHOLE.exec(v);
      if (whole) return known(whole[1]!, path) ? structuredClone(cell.values[whole[1]!]) : v;
      return v.replace(EMBEDDED, (text, name: string) => {
        if (!known(name, path)) return text;
        const value = cell.values[name];
        if (isRecord(value) || Array.isArray(value)) {
          problems.push({ path, message: `${formatPath(path)}: "\${${name}}" is a ${isRecord(value) ? 'mapping' : 'list'}; it can only be a whole value, not part of a string` });
          return text;
        }
        return String(value);
      });
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (!isRecord(v)) return v;
    const out: Record<string, unknown> = {};
    const use = v['use'];
    if (use !== undefined) {
      const name = typeof use === 'string' ? (WHOLE.exec(use)?.[1] ?? use) : '';
      if (!name) problems.push({ path: [...path, 'use'], message: `${formatPath([...path, 'use'])}: must name a matrix variable` });
      else if (known(name, [...path, 'use'])) {
        const value = cell.values[name];
        if (!isRecord(value)) problems.push({ path: [...path, 'use'], message: `${formatPath([...path, 'use'])}: matrix variable "${name}" is not a mapping, so it cannot be merged` });
        else for (const [k, x] of Object.entries(value)) if (k !== 'name') out[k] = structuredClone(x);
      }
    }
    for (const [k, x] of Object.entries(v)) if (k !== 'use') out[k] = walk(x, [...path, k]);
    return out;
  };
  return walk(data, []);
}

function matches(cond: Record<string, unknown>, params: Readonly<Record<string, string>>): boolean {
  return Object.entries(cond).every(([k, v]) => (Array.isArray(v) ? v.map(label) : [label(v)]).includes(params[k] ?? '\u0000'));
}

/**
 * Whether a step or an expectation applies to a run: its `when:` holds (each key
 * a value, or a list of values, of that matrix variable) and its `unless:` does not.
 */
export function applies(item: Readonly<Record<string, unknown>>, params: Readonly<Record<string, string>>): boolean {
  const when = item['when'];
  const unless = item['unless'];
  return (!isRecord(when) || matches(when, params)) && !(isRecord(unless) && matches(unless, params));
}
