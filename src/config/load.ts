/**
 * Loading a cluster file: YAML parse, schema validation, normalisation and the
 * semantic checks, in that order. Every problem comes back as FILE:LINE: message;
 * only YAML syntax errors stop the run early (nothing after them can be trusted).
 */
import { readFileSync } from 'node:fs';
import { Code, fileProblem, MigvisorError, SourceError, SourceErrors } from '../common/index.ts';
import type { ClusterConfig } from './model.ts';
import { checkCluster } from './check.ts';
import type { CheckOptions } from './check.ts';
import { normaliseCluster } from './normalise.ts';
import { validateClusterSchema } from './schema.ts';
import { formatPath, parseYaml } from './source.ts';
import type { Problem } from './source.ts';

export { parseSize } from './units.ts';
export type { CheckOptions } from './check.ts';

/** The result of checking a cluster: the config when there is no problem at all. */
export interface ClusterCheck {
  readonly config?: ClusterConfig;
  /** Sorted by line, then message; no duplicates. */
  readonly problems: SourceError[];
}

/** A cluster file that cannot be read at all. */
export class ConfigFileError extends MigvisorError {
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot read ${file}: ${reason}`, Code.NOT_FOUND, options);
  }
}

/**
 * Checks cluster YAML text. `file` is used as given in messages; the config's
 * `file` and `dir` are absolute, and relative paths in the file resolve against
 * `dir`.
 */
export function parseClusterText(text: string, file: string, options: CheckOptions = {}): ClusterCheck {
  const parsed = parseYaml(text);
  if (!parsed.ok) return { problems: finish(file, parsed.problems) };
  const { source, data } = parsed;
  const problems: Problem[] = source.duplicateKeys().map((d) => {
    const parent = d.path.slice(0, -1);
    const key = String(d.path[d.path.length - 1]);
    return { line: d.line, message: `${parent.length > 0 ? `${formatPath(parent)}: ` : ''}duplicate key "${key}" (first at line ${d.firstLine})` };
  });
  const schemaProblems = validateClusterSchema(data);
  for (const p of schemaProblems) {
    problems.push({ line: p.atKey ? source.keyLine(p.path) : source.line(p.path), message: p.message });
  }
  const cluster = normaliseCluster(
    data,
    schemaProblems.map((p) => p.path),
    file,
    source,
  );
  problems.push(...cluster.problems, ...checkCluster(cluster, options));
  const sorted = finish(file, problems);
  return sorted.length === 0 ? { config: cluster.config, problems: [] } : { problems: sorted };
}

/** Reads and checks a cluster file; throws {@link ConfigFileError} when it cannot be read. */
export function checkClusterFile(file: string, options: CheckOptions = {}): ClusterCheck {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw new ConfigFileError(file, fileProblem(e), { cause: e });
  }
  return parseClusterText(text, file, options);
}

/** Reads a cluster file and returns its config; throws {@link SourceErrors} listing every problem. */
export function loadCluster(file: string, options: CheckOptions = {}): ClusterConfig {
  const { config, problems } = checkClusterFile(file, options);
  if (!config || problems.length > 0) throw new SourceErrors(problems);
  return config;
}

function finish(file: string, problems: readonly Problem[]): SourceError[] {
  const unique = new Map<string, Problem>();
  for (const p of problems) unique.set(`${p.line}\u0000${p.message}`, p);
  return [...unique.values()]
    .sort((a, b) => a.line - b.line || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
    .map((p) => new SourceError(file, p.line, p.message));
}
