/** The inbound stream limits that `node start` and `middleware start` take as flags (README "## Limits"). */
import type { InboundStreamLimits } from '../../common/index.ts';

/** The limits the flags set; absent flags keep the defaults. */
export function streamLimits(flags: { readonly streamIdleTimeout?: number; readonly maxInboundStreams?: number }): Partial<InboundStreamLimits> {
  return {
    ...(flags.streamIdleTimeout !== undefined ? { idleMs: Math.max(1, Math.round(flags.streamIdleTimeout)) } : {}),
    ...(flags.maxInboundStreams !== undefined ? { maxConcurrent: flags.maxInboundStreams } : {}),
  };
}
