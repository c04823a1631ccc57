/**
 * The dashboard's feed of one node (README, "Dashboard"): its Watch stream
 * (resumed after the last event seen when it breaks), and a modest poll of Ps
 * and PartitionStatus (Info and ScheduleStatus less often), all written into the
 * {@link ClusterView}. Only the gRPC clients of {@link GrpcAccess} are used, so
 * the dashboard talks to a node exactly as the CLI does.
 */
import { describeError, serverStream, unary, type MigTaskClient, type NodeControlClient } from '../common/index.ts';
import type { Event__Output } from '../generated/migvisor/v1/Event.ts';
import { formatEvent, fromWireEvent } from '../hypervisor/index.ts';
import { slotView, type ClusterView, type NodeTarget } from './cluster-view.ts';

/** How the dashboard opens its gRPC clients: the CLI's (common's nodeClient/migTaskClient, with whatever credentials the CLI uses). */
export interface GrpcAccess {
  node(address: string): NodeControlClient;
  migTask(address: string): MigTaskClient;
}

/** Milliseconds between two polls of Ps and PartitionStatus. */
export const POLL_MS = 500;
/** Polls between two asks of Info and ScheduleStatus. */
const SLOW_EVERY = 10;
/** Deadline of a poll's call, ms. */
const POLL_DEADLINE_MS = 2_000;
/** Wait before a broken Watch is opened again, ms. */
const REWATCH_MS = 1_000;
/** HM entries read at the start. */
const HM_AT_START = 20;

/** Polls and watches one node until {@link NodeFeed.stop}. */
export class NodeFeed {
  readonly control: NodeControlClient;
  readonly command: MigTaskClient;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private watchCall: { cancel(): void } | undefined;
  private lastSeq: number | undefined;
  private polls = 0;
  private hmRead = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly target: NodeTarget,
    access: GrpcAccess,
    private readonly view: ClusterView,
    private readonly pollMs = POLL_MS,
  ) {
    this.control = access.node(target.address);
    this.command = access.migTask(target.address);
  }

  /** Starts polling and watching. */
  start(): void {
    void this.pollLoop();
    void this.watchLoop();
  }

  /** Asks the node at once (after an action), without waiting for the next poll. */
  async refresh(): Promise<void> {
    await this.poll();
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopped) {
      await this.poll();
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.pollMs);
      });
    }
  }

  private async poll(): Promise<void> {
    const name = this.target.name;
    const c = this.control;
    try {
      if (this.polls++ % SLOW_EVERY === 0) {
        const info = await unary(this.command.Info, this.command, {}, `info on ${name}`, POLL_DEADLINE_MS);
        this.view.setCpu(name, {
          word: info.wordSize,
          endian: info.endian.replace('ENDIAN_', '').toLowerCase(),
          pageSize: info.pageSize,
          tickUs: info.tickUs,
          ...(this.target.instructionsPerTick !== undefined ? { instructionsPerTick: this.target.instructionsPerTick } : {}),
        });
        this.view.setSchedule(name, await unary(c.ScheduleStatus, c, {}, `schedule status on ${name}`, POLL_DEADLINE_MS));
      }
      if (!this.hmRead) {
        const log = await unary(c.HmLog, c, { limit: HM_AT_START }, `hm log on ${name}`, POLL_DEADLINE_MS);
        for (const e of log.entries) this.view.addHm(name, e);
        this.hmRead = true;
      }
      const ps = await unary(c.Ps, c, { hashes: false }, `ps on ${name}`, POLL_DEADLINE_MS);
      const partitions = await unary(c.PartitionStatus, c, { partition: '' }, `partition status on ${name}`, POLL_DEADLINE_MS);
      this.view.setPartitions(name, partitions.partitions);
      this.view.setSlots(name, Number(ps.tick), ps.tasks.map(slotView));
    } catch (e: unknown) {
      if (this.stopped) return;
      this.view.unreachable(name, describeError(e));
      // Ask Info again once it answers: it may have been restarted.
      this.polls = 0;
    }
  }

  private async watchLoop(): Promise<void> {
    const name = this.target.name;
    while (!this.stopped) {
      const call = this.control.Watch({ kinds: [], taskId: '', ...(this.lastSeq !== undefined ? { afterSeq: this.lastSeq } : {}) });
      this.watchCall = call;
      try {
        for await (const m of serverStream(call, `watch ${name}`)) if (m.event) this.onEvent(m.event);
      } catch {
        // The poll says why the node cannot be reached; the watch just tries again.
      }
      if (this.stopped) return;
      await new Promise<void>((resolve) => setTimeout(resolve, REWATCH_MS).unref());
    }
  }

  private onEvent(e: Event__Output): void {
    const name = this.target.name;
    this.lastSeq = Number(e.seq);
    const kind = e.kind.replace('EVENT_KIND_', '').toLowerCase();
    if (e.payload === 'hm' && e.hm) return this.view.addHm(name, e.hm);
    if (e.payload === 'migration' && e.migration) this.view.migrationStep(name, e.taskId, e.migration.step.replace('MIGRATION_STEP_', ''));
    const ne = fromWireEvent(e);
    const text = ne ? formatEvent(ne).replace(/^\[[^\]]*\]\s*/, '') : `events ${e.gap?.firstSeq}..${e.gap?.lastSeq} are no longer held`;
    this.view.addEvent(name, kind, e.taskId, text);
  }

  /** Stops polling and watching, and closes the clients. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    this.watchCall?.cancel();
    this.control.close();
    this.command.close();
  }
}
