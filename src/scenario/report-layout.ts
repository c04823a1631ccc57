/**
 * The arithmetic of the timeline, apart from what it draws: a time scale with
 * round ticks and their labels (`0 s`, `2.5 s`, `400 ms`), an estimate of how
 * wide a label is (no browser measures it when the page is made), and the
 * stacking of labels into as few levels as keep any two from overlapping.
 */

/** A linear map from run time (ms) to x, with the ticks of its axis. */
export interface TimeScale {
  /** The x of `ms`. */
  x(ms: number): number;
  /** The times of the ticks, from 0 to at least the end. */
  readonly ticks: readonly number[];
  /** A tick's label. */
  label(ms: number): string;
  /** The last time of the axis: the end of the run. */
  readonly endMs: number;
}

// Round steps in ms: 1-2-5 below a second, then what a clock reads (15 s, 30 s, 1 min, 2 min, 5 min, ...).
const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];

/** A round tick step for `spanMs` that gives about `target` ticks (at most a few more). */
export function tickStep(spanMs: number, target = 12): number {
  const raw = Math.max(spanMs, 1) / target;
  return STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 3_600_000) * 3_600_000;
}

/** `ms` as an axis label with the precision of `stepMs` (a step of 1 gives the time to the ms): `400 ms` below a second's step, else seconds (`2.5 s`), and minutes (`3 min`) for a step of a minute or more. */
export function tickLabel(ms: number, stepMs: number): string {
  if (stepMs < 1000 && ms < 1000) return `${Math.round(ms)} ms`;
  if (stepMs >= 60_000) return `${Number((ms / 60_000).toFixed(2))} min`;
  const decimals = stepMs >= 1000 ? 0 : Math.min(3, Math.max(0, Math.ceil(-Math.log10(stepMs / 1000))));
  return `${Number((ms / 1000).toFixed(decimals))} s`;
}

/** The scale of a run lasting `durationMs` drawn from `left` to `right`: the axis ends with the run, its ticks are round. */
export function timeScale(durationMs: number, left: number, right: number): TimeScale {
  const endMs = Math.max(durationMs, 1);
  const step = tickStep(endMs);
  const ticks: number[] = [];
  for (let i = 0; i * step <= endMs * (1 + 1e-9); i++) ticks.push(Math.round(i * step * 1000) / 1000);
  const k = (right - left) / endMs;
  return { x: (ms) => left + Math.min(Math.max(ms, 0), endMs) * k, ticks, label: (ms) => tickLabel(ms, step), endMs };
}

// Widths in em of Liberation Sans / Arial, by kind of character: near enough to keep labels apart.
const NARROW = /[ilj.,:;|!'`()[\]{}/\\tfr ]/;
const WIDE = /[mwMW@%]/;
const UPPER = /[A-Z0-9#&=+<>?_~^*$-]/;

/** About how wide `text` is at `fontSize` px in a sans-serif face (generous: a label drawn by it never runs into the next). */
export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const c of text) {
    if (NARROW.test(c)) em += 0.3;
    else if (WIDE.test(c)) em += 0.85;
    else if (UPPER.test(c)) em += 0.68;
    else if (c.codePointAt(0)! > 0x2e7f) em += 1.1;
    else em += 0.56;
  }
  return em * fontSize + 2;
}

/** `text` cut with `…` to fit `width` px at `fontSize` (by {@link textWidth}); as it is when it fits. */
export function fitText(text: string, width: number, fontSize: number): string {
  if (textWidth(text, fontSize) <= width) return text;
  const chars = [...text];
  while (chars.length > 0 && textWidth(`${chars.join('')}…`, fontSize) > width) chars.pop();
  return `${chars.join('')}…`;
}

/** A label to stack: the interval it covers on x. */
export interface Span {
  readonly x0: number;
  readonly x1: number;
}

/**
 * The level (0, 1, ...) of each span such that spans on one level are at least
 * `gap` apart: each span, in order of x0, goes on the lowest level whose last
 * span it clears. Returns the levels in the order of `spans`.
 */
export function stack(spans: readonly Span[], gap = 6): number[] {
  const order = spans.map((s, i) => ({ s, i })).sort((a, b) => a.s.x0 - b.s.x0 || a.i - b.i);
  const ends: number[] = [];
  const levels = new Array<number>(spans.length).fill(0);
  for (const { s, i } of order) {
    let level = ends.findIndex((end) => end + gap <= s.x0);
    if (level < 0) {
      level = ends.length;
      ends.push(s.x1);
    } else ends[level] = s.x1;
    levels[i] = level;
  }
  return levels;
}
