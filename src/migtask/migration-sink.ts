/**
 * The sink side of a migration (and of load and restore) on a node: a container
 * goes into a free MigSink slot, its pages land there as they verify, it is
 * staged once complete, and it runs from Commit on (see sink-core.ts for the
 * receive loop and the record lifecycle). A refused container names the exact
 * reason (word size, byte order, page size, fingerprint, page count).
 */
import { AlreadyExistsError, Code, MigvisorError } from '../common/index.ts';
import { ContainerError, type RawChunk } from './container-codec.ts';
import { containerMode, restoreTraveler, type ContainerHeader__Output } from './container-snapshot.ts';
import { endpointFromHeader, incompatibility, localEndpoint, planRefusal } from './compatibility.ts';
import type { MigTask } from './mig-task.ts';
import type { MigrationHost } from './migration-host.ts';
import type { MigState } from './vocabulary.ts';
import { PostcopySink } from './postcopy-sink.ts';
import type { StreamTotals } from './side-stream.ts';
import { SinkCore, type Outcome, type SinkRecord, type SinkTarget } from './sink-core.ts';

/** A container's place on a node: the slot it fills, and what activation still needs. */
interface SlotPlace {
  readonly slot: MigTask;
  /** The final state: travelers, page map and the gate messages that follow the task. */
  final?: ContainerHeader__Output;
  /** Post-copy: where the absent pages are. */
  source?: string;
  /** Post-copy: how long a lost source may stay away (ms; 0: the default). */
  recoverMs?: number;
}

/** A container staged (or running) in a slot. */
export interface ReceiveResult {
  readonly migrationId: string;
  readonly taskId: string;
  readonly slot: string;
  readonly state: MigState;
  readonly pages: number;
  readonly bytes: number;
  readonly header: ContainerHeader__Output;
}

/** The node's MigSink role: receives containers into free slots of its partitions. */
export class MigrationSink {
  private readonly core: SinkCore<SlotPlace>;

  constructor(
    private readonly host: MigrationHost,
    /** A staged migration not committed within this time is aborted (ms). @default 30000 */
    stagingTimeoutMs = 30_000,
    /** Told of every container received (staged, or activated with `activate`). */
    private readonly onReceived: (r: ReceiveResult) => void = () => {},
  ) {
    this.core = new SinkCore(this.target(), host.clock, stagingTimeoutMs);
  }

  private target(): SinkTarget<SlotPlace> {
    const host = this.host;
    return {
      noun: 'migration',
      get where() {
        return `on ${host.name}`;
      },
      get activeText() {
        return `running on ${host.name}`;
      },
      check: (h) => this.checkHeader(h),
      reserve: (h, rec) => {
        const slot = host.freeSlot(h.partition);
        slot.beginReceive();
        slot.transit = { migrationId: rec.id, peer: h.sourceNode, status: 'active' };
        return { slot };
      },
      pages: (place, b) => {
        place.slot.installPages(b.index, b.data, b.zero);
      },
      stage: (place, state, header) => {
        const lazy = containerMode(header) === 'lazy';
        if (lazy && !header.sourceAddress) throw new ContainerError('a post-copy container must name its source address', Code.INVALID_ARGUMENT);
        const slot = place.slot;
        const travelers = state.travelers.map((t) => restoreTraveler(t, slot.word, host.tick));
        slot.stage(state.taskId, state.program, travelers, state.paused, state.pageFlags, lazy);
        place.final = state;
        if (lazy) place.source = header.sourceAddress;
        if (lazy) place.recoverMs = header.postcopyRecoverMs;
        host.migrationEvent(header.taskId, 'staged', `from ${header.sourceNode} into ${slot.slotName}`);
      },
      activate: (place, rec) => this.activate(place, rec),
      discard: (place, reason, rec, announce) => {
        if (place.slot.state === 'Staged' || place.slot.state === 'Receiving') place.slot.abortReceive();
        if (announce) host.migrationEvent(rec.taskId, 'aborted', reason);
      },
    };
  }

  /** Refuses a container this node cannot run, with the exact reason. */
  private checkHeader(h: ContainerHeader__Output): void {
    const host = this.host;
    const existing = host.findTask(h.taskId);
    if (existing) throw new AlreadyExistsError(`task ${h.taskId} already exists on ${host.name} (${existing.slotName}, ${existing.state})`);
    const p = host.findPartition(h.partition);
    const reason = incompatibility(endpointFromHeader(h), localEndpoint(host.name, host.cpu, h.partition, p));
    if (reason) throw new MigvisorError(`container refused: ${reason}`, Code.FAILED_PRECONDITION);
    const planReason = host.schedulePlans && planRefusal(p?.def.requiresPlan, host.schedulePlans, host.name, h.partition);
    if (planReason) throw new MigvisorError(`container refused: ${planReason}`, Code.FAILED_PRECONDITION);
    if (p && h.pageCount !== p.spaces[0]!.pageCount) {
      throw new ContainerError(`container has ${h.pageCount} pages, partition ${p.name} has ${p.spaces[0]!.pageCount}`, Code.INVALID_ARGUMENT);
    }
  }

  private activate(place: SlotPlace, rec: SinkRecord<SlotPlace>): void {
    const host = this.host;
    const slot = place.slot;
    slot.activate();
    const carried = (place.final?.gates ?? []).map((g) => ({ gate: g.gate, messages: g.messages.map((m) => new Uint8Array(m)) }));
    host.taskGates.accept(carried, host.taskGates.receivedBy(slot));
    if (place.source) slot.postcopy = new PostcopySink(host, slot, rec.id, place.source, place.recoverMs ? { recoverMs: place.recoverMs } : {});
    place.final = undefined;
    host.tasksChanged(slot.partition.name);
    host.migrationEvent(rec.taskId, 'activated', `in ${slot.slotName}`);
  }

  /**
   * Receives a container stream. Resolves once it is staged (with `activate`:
   * running, as load does); rejects, leaving nothing behind, when anything is wrong.
   */
  async receive(chunks: AsyncIterable<RawChunk>, options: { activate?: boolean } = {}): Promise<ReceiveResult> {
    const r = await this.core.receive(chunks, options);
    const slot = r.place.slot;
    const result = { migrationId: r.record.id, taskId: r.header.taskId, slot: slot.slotName, state: slot.state, pages: r.pages, bytes: r.bytes, header: r.header };
    this.onReceived(result);
    return result;
  }

  /** ReceiveStream: one more page stream of a container being received (README, "Parallel streams"). */
  receiveStream(migrationId: string, stream: number, chunks: AsyncIterable<RawChunk>): Promise<StreamTotals> {
    return this.core.receiveStream(migrationId, stream, chunks);
  }

  /** Commit: activates a staged migration. Repeating it after success is harmless. */
  async commit(id: string): Promise<{ taskId: string; slot: string; state: MigState | undefined }> {
    const rec = await this.core.commit(id);
    return { taskId: rec.taskId, slot: rec.place?.slot.slotName ?? '', state: rec.place?.slot.state };
  }

  /** Abort: discards a receiving or staged migration. */
  abort(id: string, reason: string): Promise<Outcome | 'unknown'> {
    return this.core.abort(id, reason);
  }

  /** QueryMigration: what became of a migration id here (`unknown` if never seen or forgotten). */
  query(id: string): { outcome: Outcome | 'unknown'; taskId: string; slot: string; detail: string; pagesReceived: number } {
    const rec = this.core.record(id);
    if (!rec) return { outcome: 'unknown', taskId: '', slot: '', detail: '', pagesReceived: 0 };
    return { outcome: rec.outcome, taskId: rec.taskId, slot: rec.place?.slot.slotName ?? '', detail: rec.detail, pagesReceived: rec.pagesReceived };
  }

  /** The post-copy sink of a running migration (to deliver pushed pages to); `known`: the migration is active here. */
  postcopyOf(migrationId: string): { sink: PostcopySink | undefined; known: boolean } {
    const rec = this.core.record(migrationId);
    const pc = rec?.place?.slot.postcopy;
    return { sink: pc instanceof PostcopySink && pc.migrationId === migrationId ? pc : undefined, known: rec?.outcome === 'active' };
  }

  /** Stops staging timers (node shutdown). */
  close(): void {
    this.core.close();
  }
}
