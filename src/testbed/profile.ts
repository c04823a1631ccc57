/**
 * Link profiles at run time: checking a profile a caller gives, merging a partial
 * change into the profile in force, the retransmission timeout a lossy link
 * implies, and a profile in words for messages and reports.
 */
import { InvalidArgumentError } from '../common/index.ts';
import { formatBandwidth, formatDuration } from '../config/index.ts';
import type { LinkProfile } from '../config/index.ts';

/** The least time a stalled flow waits for a lost segment to be resent, ms (TCP's minimum RTO). */
export const MIN_RTO_MS = 200;

/** The profile fields of anything that carries more (a LinkDef has `between` and `line` too). */
export function profileOf(p: LinkProfile): LinkProfile {
  return { bandwidth: p.bandwidth, latencyMs: p.latencyMs, jitterMs: p.jitterMs, loss: p.loss, lossMode: p.lossMode };
}

/**
 * Returns `base` with `change` applied and checked. A `bandwidth` key present
 * with the value undefined makes the link unshaped; absent keys keep their values.
 * Throws InvalidArgumentError naming `what` (e.g. `link a<->b`) for a value a
 * link cannot have.
 */
export function mergeProfile(base: LinkProfile, change: Partial<LinkProfile>, what: string): LinkProfile {
  const merged: LinkProfile = {
    bandwidth: 'bandwidth' in change ? change.bandwidth : base.bandwidth,
    latencyMs: change.latencyMs ?? base.latencyMs,
    jitterMs: change.jitterMs ?? base.jitterMs,
    loss: change.loss ?? base.loss,
    lossMode: change.lossMode ?? base.lossMode,
  };
  checkProfile(merged, what);
  return merged;
}

/** Throws InvalidArgumentError unless every field of `p` is a value a link can have. */
export function checkProfile(p: LinkProfile, what: string): void {
  const bad = (detail: string): never => {
    throw new InvalidArgumentError(`${what}: ${detail}`);
  };
  if (p.bandwidth !== undefined && !(Number.isFinite(p.bandwidth) && p.bandwidth > 0)) bad(`bandwidth must be a positive number of bytes per second, not ${p.bandwidth}`);
  if (!(Number.isFinite(p.latencyMs) && p.latencyMs >= 0)) bad(`latency must be a non-negative number of milliseconds, not ${p.latencyMs}`);
  if (!(Number.isFinite(p.jitterMs) && p.jitterMs >= 0)) bad(`jitter must be a non-negative number of milliseconds, not ${p.jitterMs}`);
  if (p.jitterMs > p.latencyMs) bad(`jitter (${p.jitterMs} ms) must not exceed latency (${p.latencyMs} ms)`);
  if (!(Number.isFinite(p.loss) && p.loss >= 0 && p.loss <= 1)) bad(`loss must be a probability from 0 to 1, not ${p.loss}`);
  if (p.lossMode !== 'stall' && p.lossMode !== 'drop') bad(`loss mode must be stall or drop, not ${String(p.lossMode)}`);
}

/** How long a flow that lost a segment waits before it is resent: max(200 ms, 2 × RTT), the RTT being twice the latency. */
export function retransmitTimeoutMs(p: LinkProfile): number {
  return Math.max(MIN_RTO_MS, 4 * p.latencyMs);
}

/** Whether `p` changes nothing: bytes pass at once, unchanged. */
export function isUnshaped(p: LinkProfile): boolean {
  return p.bandwidth === undefined && p.latencyMs === 0 && p.jitterMs === 0 && p.loss === 0;
}

/** `10Mbit 5ms ±1ms loss 0.5% (drop)`, or `unshaped`: a profile in words. */
export function describeProfile(p: LinkProfile): string {
  if (isUnshaped(p)) return 'unshaped';
  const parts: string[] = [];
  if (p.bandwidth !== undefined) parts.push(formatBandwidth(p.bandwidth));
  if (p.latencyMs > 0) parts.push(formatDuration(p.latencyMs));
  if (p.jitterMs > 0) parts.push(`±${formatDuration(p.jitterMs)}`);
  if (p.loss > 0) parts.push(`loss ${Number((p.loss * 100).toPrecision(4))}% (${p.lossMode})`);
  return parts.join(' ');
}
