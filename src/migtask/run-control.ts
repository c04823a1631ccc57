/**
 * What can be asked of a migration while it runs, and what it reports of itself
 * meanwhile (README, "Migration control"): its bandwidth cap (SetMigration), its
 * downtime limit and auto-converge, the throttle of its travelers, and the live
 * figures of QueryMigrate (pass, remaining bytes, dirty and transfer rates,
 * expected downtime, why it waits for its turn).
 */
import type { Clock } from '../common/index.ts';
import { Pacer } from './pacer.ts';

/** The default downtime limit of a pre-copy migration, ms (as QEMU's). */
export const DEFAULT_DOWNTIME_LIMIT_MS = 300;

/** The limits a StopAndTransfer asks for. */
export interface ControlOptions {
  /** Most payload bytes per second (0 or absent: unlimited). */
  readonly maxBandwidth?: number;
  /** Pre-copy: the downtime limit, ms. @default 300 */
  readonly downtimeLimitMs?: number;
  /** Pre-copy: throttle the travelers while they dirty memory too fast. */
  readonly autoConverge?: boolean;
}

/** One migration's limits and live figures. */
export class RunControl {
  readonly pacer: Pacer;
  readonly downtimeLimitMs: number;
  readonly autoConverge: boolean;
  /** Percent of the travelers' instruction budget withheld now (auto-converge). */
  throttle = 0;
  /** The pass (round) being sent, from 1 (0: none yet). */
  pass = 0;
  /** Pages dirtied per second in the last pass. */
  dirtyRatePagesPerS = 0;
  /** Payload bytes per second sent so far. */
  transferBytesPerS = 0;
  /** Bytes of pages still to send (this pass's rest and what is dirty since). */
  remainingBytes = 0;
  /** The downtime if the task stopped now, ms. */
  expectedDowntimeMs = 0;
  /** Why the migration waits for its turn ('' when it does not). */
  waiting = '';
  /** How long it waited for its turn, ms. */
  queuedMs = 0;

  constructor(clock: Clock, options: ControlOptions = {}) {
    this.pacer = new Pacer(clock, options.maxBandwidth ?? 0);
    this.downtimeLimitMs = options.downtimeLimitMs ?? DEFAULT_DOWNTIME_LIMIT_MS;
    this.autoConverge = options.autoConverge ?? false;
  }

  /** The bandwidth cap, bytes/s (0: none). */
  get maxBandwidth(): number {
    return this.pacer.rate;
  }

  /** Sets the bandwidth cap from the next chunk on (0: none). */
  setMaxBandwidth(bytesPerS: number): void {
    this.pacer.setRate(bytesPerS);
  }
}
