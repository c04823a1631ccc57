/**
 * Scraping a real `/metrics` endpoint over HTTP and reading the exposition with
 * a real parser (parse-prometheus-text-format), for specs of the metrics
 * (README, "Operating a cluster").
 */
import { createRequire } from 'node:module';

/** One sample of a family, as the parser gives it (histograms: buckets by `le`). */
export interface Sample {
  readonly value?: string;
  readonly labels?: Record<string, string>;
  readonly buckets?: Record<string, string>;
  readonly count?: string;
  readonly sum?: string;
}

/** One metric family. */
export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  readonly metrics: readonly Sample[];
}

// The package ships no types: its one function, typed here.
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

/** What one scrape returned. */
export interface Scrape {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly families: readonly Family[];
}

/** An exposition read without HTTP (a registry's text, in-process specs). */
export function exposition(text: string): Scrape {
  return { status: 200, contentType: '', text, families: parse(text) };
}

/** GET http://ADDRESS/PATH and parse the body as the Prometheus text format. */
export async function scrape(address: string, path = '/metrics'): Promise<Scrape> {
  const res = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, families: res.ok ? parse(text) : [] };
}

/** The family `name` (an Error naming the families there are if absent). */
export function family(s: Scrape, name: string): Family {
  const f = s.families.find((x) => x.name === name);
  if (!f) throw new Error(`no metric family ${name} (there are: ${s.families.map((x) => x.name).join(', ')})`);
  return f;
}

/** The value of the sample of `name` whose labels include `labels` (0 when there is none: a counter not yet moved). */
export function value(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  const hit = family(s, name).metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return hit?.value === undefined ? 0 : Number(hit.value);
}

/**
 * Observations of a histogram with one label set (its `+Inf` bucket). The parser
 * folds the buckets of every label set into one map and drops `_count` and
 * `_sum` of labelled histograms, so only a histogram with a single label set can
 * be read through it.
 */
export function observations(s: Scrape, name: string): number {
  const f = family(s, name);
  if (f.type !== 'HISTOGRAM') throw new Error(`${name} is a ${f.type}, not a histogram`);
  return Number(f.metrics[0]?.buckets?.['+Inf'] ?? 0);
}
