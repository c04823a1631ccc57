/**
 * The sink side of a migration (and of load): receive a container into a free
 * MigSink slot, verify it chunk by chunk, stage it, and activate it on Commit.
 * Until then nothing is visible: any failure (bad chunk, broken stream, abort,
 * staging timeout) empties the slot again. Every migration id is remembered with
 * its outcome so a source that lost a reply can ask instead of guessing.
 */
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, Code, IllegalStateError, MigvisorError } from '../common/index.ts';
import { MigrationBook } from './migration-book.ts';
import type { Node } from '../hypervisor/index.ts';
import { ChunkVerifier, type RawChunk } from './container-codec.ts';
import { ContainerError } from './container-error.ts';
import { restoreTraveler, type ContainerHeader__Output } from './container-snapshot.ts';
import { incompatibility, parseSettings } from './compatibility.ts';
import type { MigTask } from './mig-task.ts';
import { PostcopySink } from './postcopy-sink.ts';

export type Outcome = 'receiving' | 'staged' | 'active' | 'aborted';

interface MigrationRecord {
  readonly id: string;
  outcome: Outcome;
  slot: MigTask | undefined;
  taskId: string;
  detail: string;
  timer?: NodeJS.Timeout;
  /** The final state: travelers, page map and the gate messages that follow the task. */
  final?: ContainerHeader__Output;
  /** Post-copy: where the absent pages are. */
  source?: string;
  /** Pages verified and installed so far. */
  pagesReceived: number;
}

export interface ReceiveResult {
  readonly migrationId: string;
  readonly taskId: string;
  readonly slot: string;
  readonly state: string;
  readonly pages: number;
  readonly bytes: number;
  readonly header: ContainerHeader__Output;
}

export class MigrationSink {
  private readonly records = new MigrationBook<MigrationRecord>();

  constructor(
    private readonly node: Node,
    /** A staged migration not committed within this time is aborted. */
    private readonly stagingTimeoutMs = 30_000,
  ) {}

  /**
   * Receives a container stream. Resolves once it is staged (or, with `activate`,
   * running); rejects, leaving nothing behind, when anything is wrong.
   */
  async receive(chunks: AsyncIterable<RawChunk>, options: { activate?: boolean } = {}): Promise<ReceiveResult> {
    const verifier = new ChunkVerifier();
    let header: ContainerHeader__Output | undefined;
    let final: ContainerHeader__Output | undefined;
    let rec: MigrationRecord | undefined;
    let slot: MigTask | undefined;
    try {
      for await (const c of chunks) {
        if (rec?.outcome === 'aborted') throw new MigvisorError(`migration ${rec.id} was aborted: ${rec.detail}`, Code.ABORTED);
        // Pages land in the staged slot as soon as they verify; nothing runs there yet.
        const v = verifier.accept(c, (b) => {
          slot!.installPages(b.index, b.data, b.zero);
          rec!.pagesReceived += b.index.length + b.zero.length;
        });
        if (v.kind === 'header') {
          header = v.header;
          this.checkHeader(header);
          rec = this.records.remember({ id: header.migrationId || randomUUID(), outcome: 'receiving', slot: undefined, taskId: header.taskId, detail: '', pagesReceived: 0 });
          slot = this.node.freeSlot(header.partition);
          slot.beginReceive();
          rec.slot = slot;
        } else if (v.kind === 'state') {
          final = v.state;
        } else if (v.kind === 'pages') {
          await verifier.backpressure();
        }
      }
      await verifier.finish();
      if (rec?.outcome === 'aborted') throw new MigvisorError(`migration ${rec.id} was aborted: ${rec.detail}`, Code.ABORTED);
      if (!header || !slot || !rec) throw new ContainerError('the container ended before its trailer');
      if (header.mode === 'precopy' && !final) throw new ContainerError('a pre-copy container ended without its final state');
      const state = final ?? header;
      const lazy = header.mode === 'lazy';
      if (lazy && !header.sourceAddress) throw new ContainerError('a post-copy container must name its source address', Code.INVALID_ARGUMENT);
      const travelers = state.travelers.map((t) => restoreTraveler(t, slot!.word, this.node.tick));
      slot.stage(state.taskId, state.program, travelers, state.paused, state.pageFlags, lazy);
      rec.final = state;
      if (lazy) rec.source = header.sourceAddress;
      rec.outcome = 'staged';
      this.node.publish({ kind: 'migration', node: this.node.name, tick: this.node.tick, task: header.taskId, phase: 'staged', detail: `from ${header.sourceNode} into ${slot.slotName}` });
      if (options.activate) this.activate(rec);
      else rec.timer = setTimeout(() => this.expire(rec!), this.stagingTimeoutMs).unref();
      const received = verifier.received;
      return { migrationId: rec.id, taskId: header.taskId, slot: slot.slotName, state: slot.state, pages: received.pages, bytes: received.bytes, header };
    } catch (e: unknown) {
      if (slot && (slot.state === 'Receiving' || slot.state === 'Staged')) slot.abortReceive();
      if (rec) {
        rec.outcome = 'aborted';
        rec.detail = e instanceof Error ? e.message : String(e);
        rec.slot = undefined;
      }
      throw e;
    }
  }

  /** Refuses a container this node cannot run, with the exact reason. */
  private checkHeader(h: ContainerHeader__Output): void {
    const existing = this.node.slots.find((s) => s.id === h.taskId);
    if (existing) throw new AlreadyExistsError(`task ${h.taskId} already exists on ${this.node.name} (${existing.slotName}, ${existing.state})`);
    const p = this.node.partitions.get(h.partition);
    const cpu = this.node.def.cpu;
    const reason = incompatibility(
      {
        node: h.sourceNode || 'the container',
        word: h.wordSize,
        endian: h.endian === 'ENDIAN_BIG' ? 'big' : 'little',
        pageSize: h.pageSize,
        partition: h.partition,
        settings: parseSettings(h.partitionSettingsJson),
        fingerprint: h.fingerprint,
        migratable: true,
      },
      {
        node: this.node.name,
        word: cpu.word,
        endian: cpu.endian,
        pageSize: cpu.pageSize,
        partition: h.partition,
        settings: p?.settings,
        fingerprint: p?.fingerprint ?? '',
        migratable: p?.migratable ?? false,
      },
    );
    if (reason) throw new MigvisorError(`container refused: ${reason}`, Code.FAILED_PRECONDITION);
    if (p && h.pageCount !== p.spaces[0]!.pageCount) {
      throw new ContainerError(`container has ${h.pageCount} pages, partition ${p.name} has ${p.spaces[0]!.pageCount}`, Code.INVALID_ARGUMENT);
    }
  }

  private activate(rec: MigrationRecord): void {
    clearTimeout(rec.timer);
    const slot = rec.slot!;
    slot.activate();
    rec.outcome = 'active';
    const carried = (rec.final?.gates ?? []).map((g) => ({ gate: g.gate, messages: g.messages.map((m) => new Uint8Array(m)) }));
    this.node.acceptGateMessages(carried, this.node.gatesReceivedBy(slot));
    if (rec.source) slot.postcopy = new PostcopySink(this.node, slot, rec.id, rec.source);
    rec.final = undefined;
    this.node.syncQueue(slot.partition.name);
    this.node.publish({ kind: 'migration', node: this.node.name, tick: this.node.tick, task: rec.taskId, phase: 'activated', detail: `in ${slot.slotName}` });
  }

  private expire(rec: MigrationRecord): void {
    if (rec.outcome !== 'staged') return;
    this.discard(rec, `not committed within ${this.stagingTimeoutMs} ms`);
  }

  private discard(rec: MigrationRecord, reason: string): void {
    clearTimeout(rec.timer);
    if (rec.slot && (rec.slot.state === 'Staged' || rec.slot.state === 'Receiving')) rec.slot.abortReceive();
    rec.slot = undefined;
    rec.outcome = 'aborted';
    rec.detail = reason;
    this.node.publish({ kind: 'migration', node: this.node.name, tick: this.node.tick, task: rec.taskId, phase: 'aborted', detail: reason });
  }

  /** Commit: activate a staged migration. Repeating it after success is harmless. */
  commit(id: string): { taskId: string; slot: string; state: string } {
    const rec = this.records.get(id);
    if (!rec) throw new IllegalStateError('unknown', 'Commit', `no migration ${id} on ${this.node.name}`);
    if (rec.outcome === 'staged') this.activate(rec);
    else if (rec.outcome !== 'active') throw new IllegalStateError(rec.outcome, 'Commit', `migration ${id}${rec.detail ? `: ${rec.detail}` : ''}`);
    return { taskId: rec.taskId, slot: rec.slot?.slotName ?? '', state: rec.slot?.state ?? '' };
  }

  /** Abort: discard a receiving or staged migration. */
  abort(id: string, reason: string): Outcome | 'unknown' {
    const rec = this.records.get(id);
    if (!rec) return 'unknown';
    if (rec.outcome === 'active') throw new IllegalStateError('active', 'Abort', `migration ${id} is already running on ${this.node.name}`);
    if (rec.outcome === 'receiving') {
      // The receive loop sees this at its next chunk and cleans up.
      rec.outcome = 'aborted';
      rec.detail = reason;
    } else if (rec.outcome === 'staged') this.discard(rec, reason);
    return rec.outcome;
  }

  query(id: string): { outcome: Outcome | 'unknown'; taskId: string; slot: string; detail: string; pagesReceived: number } {
    const rec = this.records.get(id);
    if (!rec) return { outcome: 'unknown', taskId: '', slot: '', detail: '', pagesReceived: 0 };
    return { outcome: rec.outcome, taskId: rec.taskId, slot: rec.slot?.slotName ?? '', detail: rec.detail, pagesReceived: rec.pagesReceived };
  }

  /** The slot running a post-copy migration, to deliver pushed pages to. */
  postcopyOf(migrationId: string): { sink: PostcopySink | undefined; known: boolean } {
    const rec = this.records.get(migrationId);
    const pc = rec?.slot?.postcopy;
    return { sink: pc instanceof PostcopySink && pc.migrationId === migrationId ? pc : undefined, known: rec?.outcome === 'active' };
  }

  /** Stops staging timers (node shutdown). */
  close(): void {
    this.records.close();
  }
}
