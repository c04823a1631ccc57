/**
 * Where things are in a cluster file: parses the YAML keeping every node's
 * position, so any problem found later, by the schema or by a semantic check,
 * can name the line of the most specific node involved.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import { describeError, firstNulLine } from '../common/index.ts';

/** A location inside the parsed data: map keys and list indexes, as in a JSON pointer. */
export type Path = readonly (string | number)[];

/** A problem before it is tied to a file: a 1-based line and a plain message. */
export interface Problem {
  readonly line: number;
  readonly message: string;
}

/** `nodes[0].cpu.word`, `partitions.ctrl.regions[1]`, `providers["a b"]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Parses a JSON pointer (as in ajv's instancePath) into a path; list indexes become numbers when the data says so. */
export function pointerToPath(pointer: string, data: unknown): Path {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let at: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at)) {
      const i = Number(seg);
      path.push(i);
      at = at[i];
    } else {
      path.push(seg);
      at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[seg] : undefined;
    }
  }
  return path;
}

/** The value at a path in plain data, or undefined. */
export function valueAt(data: unknown, path: Path): unknown {
  let at: unknown = data;
  for (const seg of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[seg];
  }
  return at;
}

/** Whether `inner` equals `outer` or lies below it. */
export function isWithin(inner: Path, outer: Path): boolean {
  return outer.length <= inner.length && outer.every((seg, i) => seg === inner[i]);
}

/** Parsed data with its source positions, or the syntax error that stopped the parse. */
export type ParsedYaml =
  | { readonly ok: true; readonly source: YamlSource; readonly data: unknown }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/**
 * Parses YAML text. Syntax errors come back as problems (`YAML syntax error: ...`);
 * duplicate keys do not stop the parse: {@link YamlSource.duplicateKeys} lists them.
 */
export function parseYaml(text: string): ParsedYaml {
  const nul = firstNulLine(text);
  if (nul !== undefined) return { ok: false, problems: [{ line: nul, message: 'a NUL byte: this is not YAML text (UTF-16, or a binary file?)' }] };
  const lineCounter = new LineCounter();
  // uniqueKeys off: a duplicate key is reported by us with both lines, not as a syntax error.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true, logLevel: 'error' });
  const lineOf = (offset: number): number => Math.max(1, lineCounter.linePos(offset).line);
  const [error] = doc.errors;
  if (error) {
    // Only the first: after one syntax error the parser's further complaints are mostly echoes of it.
    const message = error.code === 'MULTIPLE_DOCS' ? 'a cluster file holds one YAML document, found a second' : firstLine(error.message);
    return { ok: false, problems: [{ line: lineOf(error.pos[0]), message: `YAML syntax error: ${message}` }] };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e: unknown) {
    return { ok: false, problems: [{ line: 1, message: `YAML syntax error: ${firstLine(describeError(e))}` }] };
  }
  return { ok: true, source: new YamlSource(doc, lineOf), data: data ?? null };
}

function firstLine(s: string): string {
  const line = (s.split('\n')[0] ?? '').trim();
  // The parser recurses once per level of nesting; a hostile file runs it out of stack.
  return line === 'Maximum call stack size exceeded' ? 'nested too deeply to parse' : line;
}

/** Maps paths in the parsed data back to lines of the YAML text. */
export class YamlSource {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lineOfOffset: (offset: number) => number,
  ) {}

  /**
   * Line of the node at `path`. When the path does not exist (a default value, a
   * missing property) the line of the deepest existing ancestor.
   */
  line(path: Path): number {
    let node: unknown = this.doc.contents;
    let line = this.nodeLine(node) ?? 1;
    for (const seg of path) {
      const step = this.child(node, seg);
      if (!step) break;
      node = step.node;
      line = this.nodeLine(node) ?? step.keyLine ?? line;
    }
    return line;
  }

  /** Line of the key of the last path segment (a map entry), or of the node itself. */
  keyLine(path: Path): number {
    const last = path[path.length - 1];
    if (typeof last === 'string') {
      const parent = this.nodeAt(path.slice(0, -1));
      const step = parent === undefined ? undefined : this.child(parent, last);
      if (step?.keyLine !== undefined) return step.keyLine;
    }
    return this.line(path);
  }

  /** Every key that appears twice in one mapping: the second occurrence's path and line, and the first's line. */
  duplicateKeys(): { path: Path; line: number; firstLine: number }[] {
    const found: { path: Path; line: number; firstLine: number }[] = [];
    const walk = (node: unknown, path: Path): void => {
      if (isMap(node)) {
        const seen = new Map<string, number>();
        for (const pair of node.items) {
          const key = keyText(pair);
          const keyLine = this.nodeLine(pair.key) ?? this.nodeLine(pair.value) ?? 1;
          const first = seen.get(key);
          if (first === undefined) seen.set(key, keyLine);
          else found.push({ path: [...path, key], line: keyLine, firstLine: first });
          walk(pair.value, [...path, key]);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => walk(item, [...path, i]));
      }
    };
    walk(this.doc.contents, []);
    return found;
  }

  private nodeAt(path: Path): unknown {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      const step = this.child(node, seg);
      if (!step) return undefined;
      node = step.node;
    }
    return node;
  }

  private child(node: unknown, seg: string | number): { node: unknown; keyLine?: number } | undefined {
    const target = isAlias(node) ? node.resolve(this.doc) : node;
    if (isSeq(target)) {
      const item: unknown = target.items[Number(seg)];
      return item === undefined ? undefined : { node: item };
    }
    if (isMap(target)) return this.entries(target).get(String(seg));
    return undefined;
  }

  /** Each mapping's entries by key, built once (the last occurrence wins, as in the parsed data). */
  private readonly index = new WeakMap<object, Map<string, { node: unknown; keyLine?: number }>>();

  private entries(map: { items: Pair[] }): Map<string, { node: unknown; keyLine?: number }> {
    let byKey = this.index.get(map);
    if (!byKey) {
      byKey = new Map();
      for (const pair of map.items) {
        const keyLine = this.nodeLine(pair.key);
        byKey.set(keyText(pair), keyLine === undefined ? { node: pair.value } : { node: pair.value, keyLine });
      }
      this.index.set(map, byKey);
    }
    return byKey;
  }

  private nodeLine(node: unknown): number | undefined {
    if (node === null || typeof node !== 'object') return undefined;
    const range = (node as YamlNode).range;
    // An empty value (`key:` with nothing after it) has a zero-length range; the key's line is better.
    if (!range || (isScalar(node) && node.value === null && range[0] === range[1])) return undefined;
    return this.lineOfOffset(range[0]);
  }
}

function keyText(pair: Pair): string {
  const key: unknown = pair.key;
  if (isScalar(key)) return String(key.value);
  return String(key);
}
