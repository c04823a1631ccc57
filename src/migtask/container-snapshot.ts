/**
 * A MigTask as a container, and back: the header (identity, CPU, partition
 * fingerprint, page map, travelers, queued gate messages) and the page batches.
 * Zero pages are elided: the page map marks them and the receiver zero-fills.
 */
import type { ContainerHeader, ContainerHeader__Output } from '../generated/migvisor/v1/ContainerHeader.ts';
import type { TravelerState, TravelerState__Output } from '../generated/migvisor/v1/TravelerState.ts';
import { Pte } from '../partition/index.ts';
import type { WordSize } from '../config/index.ts';
import { endianToWire, type Compression, type Endian } from '../common/index.ts';
import { ChunkEncoder, FORMAT_VERSION, preparePages, type RawChunk } from './container-codec.ts';
import { pipelined, slices } from './pipeline.ts';
import type { MigTask } from './mig-task.ts';
import { MigTraveler, type Wait } from './mig-traveler.ts';

import { PAGE_ZERO } from './page-map.ts';

export { PAGE_ZERO };
/** Pages per PAGES chunk: 64 pages of 4 KiB make 256 KiB messages. */
export const BATCH_PAGES = 64;

/** Where and when a snapshot is taken, and for which migration. */
export interface SnapshotContext {
  readonly node: string;
  readonly tick: number;
  readonly endian: Endian;
  readonly migrationId: string;
  readonly mode: string;
}

/** A traveler's registers as 16 little-endian int64s (the container's form for both word sizes). */
export function encodeRegisters(t: MigTraveler): Buffer {
  const out = Buffer.alloc(t.cpu.r.length * 8);
  for (let i = 0; i < t.cpu.r.length; i++) out.writeBigInt64LE(BigInt(t.cpu.r[i]!), i * 8);
  return out;
}

function encodeWait(w: Wait | undefined, tick: number): TravelerState['wait'] {
  if (!w) return undefined;
  switch (w.kind) {
    case 'sleep':
      return { kind: 'sleep', until: Math.max(0, w.until - tick) };
    case 'gate_recv':
      return { kind: 'gate_recv', gate: w.gate, buf: w.buf, max: w.max };
    case 'gate_send':
      return { kind: 'gate_send', gate: w.gate, data: w.data };
    case 'page':
      return { kind: 'page', page: w.page };
  }
}

/** A traveler as the container's TravelerState (waits relative to `tick`). */
export function travelerState(t: MigTraveler, tick: number): TravelerState {
  const handles = t.handles.describe();
  return {
    id: t.id,
    registers: encodeRegisters(t),
    pc: t.cpu.pc,
    flags: t.cpu.flags,
    status: t.status,
    priority: t.priority,
    instructions: t.instructions,
    wait: encodeWait(t.wait, tick),
    hasExitCode: t.exitCode !== undefined,
    exitCode: t.exitCode ?? 0,
    fault: t.fault ? { kind: t.fault.kind, message: t.fault.message, pc: t.fault.pc, address: t.fault.address ?? 0 } : undefined,
    // Handles do not travel: every handle open now is closed by the move.
    closedHandles: [...handles.open.map((h) => h.handle), ...handles.closedByMigration],
    pendingConsole: t.pendingConsole,
  };
}

function decodeWait(w: TravelerState__Output['wait'], tick: number): Wait | undefined {
  if (!w || w.kind === '') return undefined;
  switch (w.kind) {
    case 'sleep':
      return { kind: 'sleep', until: tick + w.until };
    case 'gate_recv':
      return { kind: 'gate_recv', gate: w.gate, buf: w.buf, max: w.max };
    case 'gate_send':
      return { kind: 'gate_send', gate: w.gate, data: new Uint8Array(w.data) };
    case 'page':
      return { kind: 'page', page: w.page };
    default:
      throw new RangeError(`unknown wait kind ${w.kind}`);
  }
}

const STATUSES = new Set(['ready', 'waiting', 'exited', 'faulted']);

/** A traveler from a container's TravelerState (waits rebased on this node's `tick`). */
export function restoreTraveler(s: TravelerState__Output, word: WordSize, tick: number): MigTraveler {
  if (!STATUSES.has(s.status)) throw new RangeError(`traveler ${s.id}: unknown status ${JSON.stringify(s.status)}`);
  if (s.registers.length !== 16 * 8) throw new RangeError(`traveler ${s.id}: ${s.registers.length} register bytes, expected 128`);
  const t = new MigTraveler(s.id, word, s.priority);
  const regs = Buffer.from(s.registers);
  for (let i = 0; i < 16; i++) t.setReg(i, regs.readBigInt64LE(i * 8));
  t.cpu.pc = s.pc;
  t.cpu.flags = s.flags;
  t.status = s.status as MigTraveler['status'];
  t.wait = decodeWait(s.wait, tick);
  t.instructions = s.instructions;
  t.exitCode = s.hasExitCode ? s.exitCode : undefined;
  t.fault = s.fault && s.fault.kind ? { kind: s.fault.kind, message: s.fault.message, pc: s.fault.pc, address: s.fault.address } : undefined;
  t.handles.markClosedByMigration(s.closedHandles);
  t.pendingConsole = s.pendingConsole;
  return t;
}

/** Tells whether a page is all zeros (null: do not look, e.g. post-copy sends everything later). */
export type ZeroTest = ((page: number) => boolean) | null;

/** The page map byte of page `p`. */
export function pageMapByte(task: MigTask, p: number, isZero: ZeroTest = (q) => task.space.isZeroPage(q)): number {
  const f = task.space.pageTable.flags[p]!;
  const bits = f & (Pte.PRESENT | Pte.DIRTY | Pte.READ | Pte.WRITE | Pte.EXEC);
  return (bits & Pte.PRESENT) !== 0 && isZero !== null && isZero(p) ? bits | PAGE_ZERO : bits;
}

/** A task's container header, and which pages it sends. */
export interface Snapshot {
  readonly header: ContainerHeader;
  /** Pages to send: present and not zero. */
  readonly pages: number[];
  readonly elided: number;
}

/** The container header of a stopped task (`gates`: its carried messages; `isZero`: how zero pages are found). */
export function snapshotOf(task: MigTask, ctx: SnapshotContext, gates: ContainerHeader['gates'] = [], isZero?: ZeroTest): Snapshot {
  const count = task.space.pageCount;
  const map = Buffer.alloc(count);
  const pages: number[] = [];
  let elided = 0;
  for (let p = 0; p < count; p++) {
    const b = pageMapByte(task, p, isZero);
    map[p] = b;
    if (b & PAGE_ZERO) elided++;
    else if (b & Pte.PRESENT) pages.push(p);
  }
  const header: ContainerHeader = {
    formatVersion: FORMAT_VERSION,
    migrationId: ctx.migrationId,
    taskId: task.id ?? '',
    program: task.programName ?? '',
    sourceNode: ctx.node,
    partition: task.partition.name,
    fingerprint: task.partition.fingerprint,
    partitionSettingsJson: JSON.stringify(task.partition.settings),
    wordSize: task.word,
    endian: endianToWire(ctx.endian),
    pageSize: task.space.pageSize,
    pageCount: count,
    pageFlags: map,
    travelers: task.travelers.map((t) => travelerState(t, ctx.tick)),
    paused: task.paused,
    sourceTick: ctx.tick,
    createdUnixMs: Date.now(),
    mode: ctx.mode,
    gates,
    pagesToSend: pages.length,
  };
  return { header, pages, elided };
}

/** One chunk of a container on its way, with the counts so far. */
export interface ChunkProgress {
  readonly chunk: RawChunk;
  readonly pagesSent: number;
  /** Uncompressed bytes of the page batches so far. */
  readonly rawPageBytes: number;
  /** Bytes of page payloads as sent. */
  readonly sentPageBytes: number;
}

/**
 * The container of a snapshot as chunks: header, page batches, trailer. Pages are
 * copied out of the task's memory when their batch is prepared; the task must not
 * run meanwhile (it is stopped, or the pages are re-sent later, as pre-copy does).
 */
export async function* containerChunks(
  task: MigTask,
  snap: Snapshot,
  compression: Compression,
  encoder = new ChunkEncoder(),
): AsyncGenerator<ChunkProgress> {
  let pagesSent = 0;
  let rawPageBytes = 0;
  let sentPageBytes = 0;
  yield { chunk: encoder.header(snap.header), pagesSent, rawPageBytes, sentPageBytes };
  for await (const prepared of pipelined(slices(snap.pages, BATCH_PAGES), (batch) => preparePages(task.space, batch, compression))) {
    const chunk = encoder.pageChunk(prepared);
    pagesSent += prepared.pages;
    rawPageBytes += prepared.raw;
    sentPageBytes += chunk.payload.length;
    yield { chunk, pagesSent, rawPageBytes, sentPageBytes };
  }
  yield { chunk: encoder.trailer(), pagesSent, rawPageBytes, sentPageBytes };
}

export type { ContainerHeader__Output };
