/**
 * What a prediction's measurements become (prediction.ts measures, the model in
 * prediction-model.ts uses them), pure: the dirty curve fitted to the counts of
 * a window and the pages it dirties in a given time, and the bandwidth of a
 * series of link probes.
 */

/** One look at the dirty pages during the window: ms since it began, distinct pages dirtied since. */
export interface DirtySample {
  readonly ms: number;
  readonly pages: number;
}

/** How a task dirties its pages, as fitted to the samples of one window. */
export interface DirtyCurve {
  /** How long the window was, ms. */
  readonly windowMs: number;
  /** Distinct pages dirtied during the window: the working set it saw. */
  readonly workingSetPages: number;
  /** Pages dirtied per second while the working set is not yet all dirty. */
  readonly ratePagesPerS: number;
  /** How fast the distinct dirty pages still grew at the end of the window, pages/s (0: levelled off). */
  readonly growthPagesPerS: number;
}

/** The middle value (the mean of the middle two for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Fits a dirty curve to the samples of a window (in time order, the last at the
 * window's end). The working set is the last sample; the rate is how fast the
 * count reached half of it (interpolated between the samples around that
 * point): a burst of catch-up ticks at the start sways it only as far as it
 * brings that point sooner, and the levelling off at the end not at all; the
 * growth is the slope over the samples' last quarter.
 */
export function fitDirtyCurve(samples: readonly DirtySample[]): DirtyCurve {
  const last = samples.at(-1);
  if (!last || last.pages === 0 || last.ms <= 0) return { windowMs: last?.ms ?? 0, workingSetPages: 0, ratePagesPerS: 0, growthPagesPerS: 0 };
  const ws = last.pages;
  const half = ws / 2;
  let before: DirtySample = { ms: 0, pages: 0 };
  let rate = (ws / last.ms) * 1000;
  for (const s of samples) {
    if (s.pages >= half && s.pages > before.pages) {
      const at = before.ms + ((half - before.pages) * (s.ms - before.ms)) / (s.pages - before.pages);
      if (at > 0) rate = (half / at) * 1000;
      break;
    }
    before = s;
  }
  return { windowMs: last.ms, workingSetPages: ws, ratePagesPerS: rate, growthPagesPerS: endGrowth(samples) };
}

/** The growth over the samples' last quarter (from the latest sample at most three quarters in to the last), pages/s. */
function endGrowth(samples: readonly DirtySample[]): number {
  const last = samples.at(-1);
  if (!last) return 0;
  const before = [...samples].reverse().find((s) => s.ms <= last.ms * 0.75);
  return before && last.ms > before.ms ? Math.max(0, ((last.pages - before.pages) / (last.ms - before.ms)) * 1000) : 0;
}

/** Pages the distinct dirty count may still grow by in the last quarter for it to count as levelled off: this share of it... */
export const LEVEL_SHARE = 0.02;
/** ...or this many pages, whichever is more. */
export const LEVEL_PAGES = 2;

/** Whether the distinct dirty pages have levelled off: they grew by at most {@link LEVEL_SHARE} (or {@link LEVEL_PAGES}) in the last quarter. */
export function levelledOff(samples: readonly DirtySample[]): boolean {
  const last = samples.at(-1);
  if (!last) return true;
  const before = [...samples].reverse().find((s) => s.ms <= last.ms * 0.75);
  if (!before) return false;
  return last.pages - before.pages <= Math.max(LEVEL_PAGES, LEVEL_SHARE * last.pages);
}

/**
 * Distinct pages the curve dirties in `ms` (at most `present`): min(rate × t,
 * working set) within the window, growing on at the end's growth beyond it.
 */
export function dirtiedWithin(curve: DirtyCurve, ms: number, present: number): number {
  const t = Math.max(0, ms);
  const within = Math.min((curve.ratePagesPerS * t) / 1000, curve.workingSetPages);
  const beyond = (curve.growthPagesPerS * Math.max(0, t - curve.windowMs)) / 1000;
  return Math.min(present, Math.round(within + beyond));
}

/** One bandwidth probe: payload bytes streamed, and ms from the first byte to the reply. */
export interface LinkProbe {
  readonly bytes: number;
  readonly ms: number;
}

/**
 * Bytes per second from the probes (in the order made, growing): the slope of
 * time over bytes, fitted (least squares) to the probes of at least a quarter
 * of the last one's bytes, so that what every call costs alike (a round trip, a
 * token bucket's burst) cancels out; one probe alone (or probes that do not
 * grow) gives the last one's bytes over its time.
 */
export function bandwidthOf(probes: readonly LinkProbe[]): number {
  const last = probes.at(-1);
  if (!last || last.ms <= 0) return 0;
  const fit = probes.filter((p) => p.bytes >= last.bytes / 4);
  const n = fit.length;
  const mb = fit.reduce((s, p) => s + p.bytes, 0) / n;
  const mt = fit.reduce((s, p) => s + p.ms, 0) / n;
  const sbb = fit.reduce((s, p) => s + (p.bytes - mb) ** 2, 0);
  const sbt = fit.reduce((s, p) => s + (p.bytes - mb) * (p.ms - mt), 0);
  if (n >= 2 && sbb > 0 && sbt > 0) return (sbb / sbt) * 1000;
  return (last.bytes / last.ms) * 1000;
}
