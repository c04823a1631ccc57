/**
 * Loading a scenario file: YAML with line numbers, its cluster file, the matrix
 * expanded, each run substituted, checked against config/scenario.schema.json
 * and normalised against the cluster. Every problem comes back as
 * `FILE:LINE: message` (a problem of one matrix run only names the run), all at
 * once, as `config check` reports cluster files.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileProblem, MigvisorError, SourceError, SourceErrors } from '../common/index.ts';
import { checkClusterFile, formatPath, isWithin, parseYaml, SchemaChecker, type Path, type Problem } from '../config/index.ts';
import { expandMatrix, label, substitute, type MatrixCell, type MatrixProblem } from './matrix.ts';
import type { RunPlan, Scenario } from './model.ts';
import { normaliseRun } from './normalise.ts';

/** The scenario schema shipped in config/. */
export const SCENARIO_SCHEMA_FILE = new URL('../../config/scenario.schema.json', import.meta.url);

const schema = new SchemaChecker(SCENARIO_SCHEMA_FILE, 'a scenario holds a YAML mapping with at least version, cluster and tasks');

/** A scenario file that cannot be read at all. */
export class ScenarioFileError extends MigvisorError {}

/** What loading gives: the scenario, or every problem. */
export interface ScenarioCheck {
  readonly scenario?: Scenario;
  readonly problems: readonly SourceError[];
}

/** Options of {@link loadScenario}. */
export interface LoadOptions {
  /** Overrides the file's seed. */
  readonly seed?: number;
}

/** Reads and checks a scenario file (see the file header). */
export function checkScenarioFile(file: string, options: LoadOptions = {}): ScenarioCheck {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw new ScenarioFileError(`cannot read ${file}: ${fileProblem(e)}`, 5, { cause: e });
  }
  return parseScenarioText(text, file, options);
}

/** Reads a scenario file; throws {@link SourceErrors} with every problem. */
export function loadScenario(file: string, options: LoadOptions = {}): Scenario {
  const { scenario, problems } = checkScenarioFile(file, options);
  if (!scenario || problems.length > 0) throw new SourceErrors(problems);
  return scenario;
}

/** Checks scenario YAML text; `file` names it in messages and is what relative paths resolve against. */
export function parseScenarioText(text: string, file: string, options: LoadOptions = {}): ScenarioCheck {
  const parsed = parseYaml(text);
  if (!parsed.ok) return { problems: finish(file, parsed.problems) };
  const { source, data } = parsed;
  const problems: Problem[] = source.duplicateKeys().map((d) => {
    const parent = d.path.slice(0, -1);
    return { line: d.line, message: `${parent.length > 0 ? `${formatPath(parent)}: ` : ''}duplicate key "${String(d.path[d.path.length - 1])}" (first at line ${d.firstLine})` };
  });
  const lineOf = (p: Path): number => source.line(p);
  const isMapping = data !== null && typeof data === 'object' && !Array.isArray(data);
  const root = (isMapping ? data : {}) as Record<string, unknown>;
  const dir = path.dirname(path.resolve(file));

  const matrixProblems: MatrixProblem[] = [];
  const cells = expandMatrix(root['matrix'], matrixProblems);
  const variables = Object.fromEntries(
    Object.entries((root['matrix'] ?? {}) as Record<string, unknown>)
      .filter(([k, v]) => k !== 'exclude' && Array.isArray(v))
      .map(([k, v]) => [k, (v as unknown[]).map(label)]),
  );
  const { matrix: _matrix, ...rest } = root;
  // Problems of every run, merged: a problem of some runs only names the first of them.
  const perRun = new Map<string, { line: number; message: string; runs: string[] }>();
  const note = (cell: MatrixCell, line: number, message: string): void => {
    const key = `${line}\u0000${message}`;
    const seen = perRun.get(key);
    if (seen) seen.runs.push(cell.name);
    else perRun.set(key, { line, message, runs: [cell.name] });
  };
  const substituted = cells.map((cell) => {
    const expanded = substitute(rest, cell, matrixProblems);
    const broken: Path[] = [];
    // Not a mapping (a list too): the schema says so of the data itself.
    for (const p of schema.check(!isMapping ? data : { ...(expanded as object), ...(root['matrix'] !== undefined ? { matrix: root['matrix'] } : {}) })) {
      note(cell, p.atKey ? source.keyLine(p.path) : source.line(p.path), p.message);
      broken.push(p.path);
    }
    return { cell, expanded, broken };
  });
  const schemaFailed = perRun.size > 0;
  for (const p of matrixProblems) problems.push({ line: lineOf(p.path), message: p.message });
  if (!isMapping) {
    return { problems: finish(file, [...problems, ...flatten(perRun, cells.length)]) };
  }

  // The cluster it runs on.
  const clusterRef = typeof root['cluster'] === 'string' ? root['cluster'] : undefined;
  const clusterFile = clusterRef ? path.resolve(dir, clusterRef) : '';
  let cluster;
  if (clusterRef) {
    try {
      const check = checkClusterFile(clusterFile);
      if (check.config) cluster = check.config;
      else problems.push({ line: lineOf(['cluster']), message: `cluster: ${clusterRef} has ${check.problems.length} problem(s), the first: ${check.problems[0]?.message ?? ''}` });
    } catch (e: unknown) {
      problems.push({ line: lineOf(['cluster']), message: `cluster: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  const seed = options.seed ?? (typeof root['seed'] === 'number' ? root['seed'] : 1);
  const runs: RunPlan[] = [];
  if (cluster && matrixProblems.length === 0) {
    // The semantic checks run on what the schema accepted: a part it refused, and
    // whatever holds that part (a step with a misspelt key), are not judged again.
    for (const { cell, expanded, broken } of substituted) {
      const report = (p: { path: Path; message: string }): void => {
        if (!broken.some((b) => isWithin(p.path, b) || isWithin(b, p.path))) note(cell, lineOf(p.path), p.message);
      };
      runs.push(normaliseRun(expanded, cell, { dir, cluster, seed, lineOf, keyLineOf: (p) => source.keyLine(p), report, variables }));
    }
  }
  problems.push(...flatten(perRun, cells.length));
  const sorted = finish(file, problems);
  if (sorted.length > 0 || !cluster || schemaFailed) return { problems: sorted };
  const name = typeof root['name'] === 'string' ? root['name'] : path.basename(file).replace(/\.ya?ml$/, '');
  return { scenario: { file, name, clusterFile, cluster, runs }, problems: [] };
}

function flatten(perRun: ReadonlyMap<string, { line: number; message: string; runs: string[] }>, cells: number): Problem[] {
  return [...perRun.values()].map((p) => ({
    line: p.line,
    message: cells > 1 && p.runs.length < cells ? `${p.message} (in run ${p.runs[0]}${p.runs.length > 1 ? ` and ${p.runs.length - 1} more` : ''})` : p.message,
  }));
}

function finish(file: string, problems: readonly Problem[]): SourceError[] {
  const unique = new Map<string, Problem>();
  for (const p of problems) unique.set(`${p.line}\u0000${p.message}`, p);
  return [...unique.values()]
    .sort((a, b) => a.line - b.line || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
    .map((p) => new SourceError(file, p.line, p.message));
}
