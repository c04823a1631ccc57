/**
 * The import graph of src/, read from the files themselves (static imports and
 * re-exports, `import type`, and dynamic `import('...')`), and the architecture
 * rules checked against it (README, "Layout"):
 *
 * - every folder under src/ is an area with a place in {@link LAYERS};
 * - an area imports only areas below it (so no cycle between areas can exist);
 * - another area is reached only through its `index.ts` (generated wire types
 *   and the {@link LIGHT_ENTRIES} excepted), and no `export *` re-exports another area.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The layers, bottom first: each may import only those before it. */
export const LAYERS = ['generated', 'common', 'config', 'partition', 'machine', 'migtask', 'hypervisor', 'middleware', 'testbed', 'scenario', 'dashboard', 'cli'] as const;

/**
 * Modules other areas may import directly, besides an area's index.ts: dependency-free
 * leaves (common's, the units of config, the fault kinds), so that the CLI can register its commands (and print
 * help or a usage error) without loading grpc-js through common/index.ts.
 */
export const LIGHT_ENTRIES: readonly string[] = ['common/errors.ts', 'common/package-root.ts', 'common/printable.ts', 'common/make-dirs.ts', 'common/vocabulary.ts', 'common/wire-enum.ts', 'config/units.ts', 'testbed/fault-kinds.ts'];

export interface Import {
  readonly from: string;
  readonly to: string;
  readonly line: number;
  readonly text: string;
}

const SPEC = /(?:\bimport\s+(?:type\s+)?(?:[\w$*{}\s,]+?\s+from\s+)?|\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s+from\s+|\bimport\s*\(\s*)'([^']+)'/g;

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every relative import of every .ts file under `srcDir`, resolved to paths relative to it. */
export function importsOf(srcDir: string): Import[] {
  const out: Import[] = [];
  for (const file of walk(srcDir)) {
    const text = fs.readFileSync(file, 'utf8');
    const from = path.relative(srcDir, file);
    for (const m of text.matchAll(SPEC)) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) continue;
      const to = path.relative(srcDir, path.resolve(path.dirname(file), spec));
      out.push({ from, to, line: text.slice(0, m.index).split('\n').length, text: m[0] });
    }
  }
  return out;
}

const areaOf = (rel: string): string => rel.split(path.sep)[0]!;

/** Every breach of the layer rules in `srcDir`, as `FILE:LINE: message`. */
export function layerViolations(srcDir: string): string[] {
  const problems: string[] = [];
  const rank = new Map<string, number>(LAYERS.map((l, i) => [l, i]));
  for (const d of fs.readdirSync(srcDir, { withFileTypes: true })) {
    if (d.isDirectory() && !rank.has(d.name)) problems.push(`src/${d.name}: an area without a place in the layer order (add it to LAYERS)`);
  }
  for (const i of importsOf(srcDir)) {
    const a = areaOf(i.from);
    const b = areaOf(i.to);
    if (a === b || a.endsWith('.ts')) continue;
    const where = `src/${i.from}:${i.line}`;
    const ra = rank.get(a);
    const rb = rank.get(b);
    if (ra === undefined || rb === undefined) continue;
    if (rb > ra) problems.push(`${where}: ${a} imports ${b}, which is above it (${LAYERS.join(' < ')})`);
    if (b !== 'generated' && i.to !== path.join(b, 'index.ts') && !LIGHT_ENTRIES.includes(i.to)) problems.push(`${where}: reaches into ${i.to}; import it from ${b}/index.ts`);
    if (/^export\s+(type\s+)?\*/.test(i.text)) problems.push(`${where}: export * from another area (${b}); name what you re-export`);
  }
  return problems;
}
