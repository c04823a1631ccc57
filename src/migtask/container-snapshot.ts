/**
 * A MigTask as a container, and back: the header (identity, CPU, partition
 * fingerprint, page map, travelers, queued gate messages) and the page batches.
 * Zero pages are elided: the page map marks them and the receiver zero-fills.
 */
import type { ContainerHeader, ContainerHeader__Output } from '../generated/migvisor/v1/ContainerHeader.ts';
import type { TravelerState, TravelerState__Output } from '../generated/migvisor/v1/TravelerState.ts';
import { Pte } from '../partition/index.ts';
import type { WordSize } from '../config/index.ts';
import { Code, endianToWire, type Compression, type Endian } from '../common/index.ts';
import { ChunkEncoder, FORMAT_VERSION, preparePages, type RawChunk } from './container-codec.ts';
import { pipelined, slices } from './pipeline.ts';
import type { MigTask } from './mig-task.ts';
import { MigTraveler, type Wait } from './mig-traveler.ts';

import { PAGE_ZERO } from './page-map.ts';
import type { ContainerMode } from './vocabulary.ts';
import { settingsToWire } from './compatibility.ts';
import { ContainerError } from './container-error.ts';
import { CONTAINER_MODE_WIRE, FAULT_KIND_WIRE, TRAVELER_STATUS_WIRE, WAIT_KIND_WIRE } from './wire-enums.ts';

export { PAGE_ZERO };
/** Pages per PAGES chunk: 64 pages of 4 KiB make 256 KiB messages. */
export const BATCH_PAGES = 64;


/** Where and when a snapshot is taken, and for which migration. */
export interface SnapshotContext {
  readonly node: string;
  readonly tick: number;
  readonly endian: Endian;
  readonly migrationId: string;
  readonly mode: ContainerMode;
}

/** The mode of a container header; refused when it names none this build knows. */
export function containerMode(h: ContainerHeader__Output): ContainerMode {
  const mode = CONTAINER_MODE_WIRE.fromWire(h.mode);
  if (!mode) throw bad(`container mode ${JSON.stringify(h.mode)} is not one this build knows`);
  return mode;
}

/** A traveler's registers as 16 little-endian int64s (the container's form for both word sizes). */
export function encodeRegisters(t: MigTraveler): Buffer {
  const out = Buffer.alloc(t.cpu.r.length * 8);
  for (let i = 0; i < t.cpu.r.length; i++) out.writeBigInt64LE(BigInt(t.cpu.r[i]!), i * 8);
  return out;
}

function encodeWait(w: Wait | undefined, tick: number): TravelerState['wait'] {
  if (!w) return undefined;
  const kind = WAIT_KIND_WIRE.toWire(w.kind);
  switch (w.kind) {
    case 'sleep':
      return { kind, until: Math.max(0, w.until - tick) };
    case 'gate_recv':
      return { kind, gate: w.gate, buf: w.buf, max: w.max };
    case 'gate_send':
      return { kind, gate: w.gate, data: w.data };
    case 'page':
      return { kind, page: w.page };
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
    status: TRAVELER_STATUS_WIRE.toWire(t.status),
    priority: t.priority,
    instructions: t.instructions,
    wait: encodeWait(t.wait, tick),
    ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
    fault: t.fault ? { kind: FAULT_KIND_WIRE.toWire(t.fault.kind), message: t.fault.message, pc: t.fault.pc, address: t.fault.address ?? 0 } : undefined,
    // Handles do not travel: every handle open now is closed by the move.
    closedHandles: [...handles.open.map((h) => h.handle), ...handles.closedByMigration],
    pendingConsole: t.pendingConsole,
  };
}

const bad = (what: string): ContainerError => new ContainerError(what, Code.INVALID_ARGUMENT);

function decodeWait(id: number, w: TravelerState__Output['wait'], tick: number): Wait | undefined {
  if (!w) return undefined;
  const kind = WAIT_KIND_WIRE.fromWire(w.kind);
  switch (kind) {
    case 'sleep':
      return { kind, until: tick + w.until };
    case 'gate_recv':
      return { kind, gate: w.gate, buf: w.buf, max: w.max };
    case 'gate_send':
      return { kind, gate: w.gate, data: new Uint8Array(w.data) };
    case 'page':
      return { kind, page: w.page };
    default:
      throw bad(`traveler ${id}: unknown wait kind ${JSON.stringify(w.kind)}`);
  }
}

/** A traveler from a container's TravelerState (waits rebased on this node's `tick`). */
export function restoreTraveler(s: TravelerState__Output, word: WordSize, tick: number): MigTraveler {
  const status = TRAVELER_STATUS_WIRE.fromWire(s.status);
  if (!status) throw bad(`traveler ${s.id}: unknown status ${JSON.stringify(s.status)}`);
  if (s.registers.length !== 16 * 8) throw bad(`traveler ${s.id}: ${s.registers.length} register bytes, expected 128`);
  const t = new MigTraveler(s.id, word, s.priority);
  const regs = Buffer.from(s.registers);
  for (let i = 0; i < 16; i++) t.setReg(i, regs.readBigInt64LE(i * 8));
  t.cpu.pc = s.pc;
  t.cpu.flags = s.flags;
  t.status = status;
  t.wait = decodeWait(s.id, s.wait, tick);
  t.instructions = s.instructions;
  t.exitCode = s.exitCode ?? undefined;
  if (s.fault) {
    const kind = FAULT_KIND_WIRE.fromWire(s.fault.kind);
    if (!kind) throw bad(`traveler ${s.id}: unknown fault kind ${JSON.stringify(s.fault.kind)}`);
    t.fault = { kind, message: s.fault.message, pc: s.fault.pc, address: s.fault.address };
  }
  t.handles.markClosedByMigration(s.closedHandles);
  t.pendingConsole = s.pendingConsole;
  return t;
}

/**
 * Tells whether a page is all zeros: a function, or one byte a page (1: zero) when
 * that is already known (pre-copy's final state); null: do not look (post-copy
 * sends everything later).
 */
export type ZeroTest = ((page: number) => boolean) | Uint8Array | null;

/** The page-table bits a page map byte keeps. */
const MAP_BITS = Pte.PRESENT | Pte.DIRTY | Pte.READ | Pte.WRITE | Pte.EXEC;

/** The page map byte of page `p`. */
export function pageMapByte(task: MigTask, p: number, isZero: ZeroTest = (q) => task.space.isZeroPage(q)): number {
  const bits = task.space.pageTable.flags[p]! & MAP_BITS;
  if ((bits & Pte.PRESENT) === 0 || isZero === null) return bits;
  return (typeof isZero === 'function' ? isZero(p) : isZero[p] === 1) ? bits | PAGE_ZERO : bits;
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
  // One walk over the page table, taken while the task is stopped: no call a page
  // unless a page has to be looked at.
  const flags = task.space.pageTable.flags;
  const test = isZero === undefined ? (q: number) => task.space.isZeroPage(q) : isZero;
  const known = test instanceof Uint8Array ? test : undefined;
  for (let p = 0; p < count; p++) {
    const bits = flags[p]! & MAP_BITS;
    if ((bits & Pte.PRESENT) === 0) {
      map[p] = bits;
    } else if (test !== null && (known ? known[p] === 1 : (test as (q: number) => boolean)(p))) {
      map[p] = bits | PAGE_ZERO;
      elided++;
    } else {
      map[p] = bits;
      pages.push(p);
    }
  }
  const header: ContainerHeader = {
    formatVersion: FORMAT_VERSION,
    migrationId: ctx.migrationId,
    taskId: task.id ?? '',
    program: task.programName ?? '',
    sourceNode: ctx.node,
    partition: task.partition.name,
    fingerprint: task.partition.fingerprint,
    settings: settingsToWire(task.partition.settings),
    wordSize: task.word,
    endian: endianToWire(ctx.endian),
    pageSize: task.space.pageSize,
    pageCount: count,
    pageFlags: map,
    travelers: task.travelers.map((t) => travelerState(t, ctx.tick)),
    paused: task.paused,
    sourceTick: ctx.tick,
    createdUnixMs: Date.now(),
    mode: CONTAINER_MODE_WIRE.toWire(ctx.mode),
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
  /** The pages this stream carries (parallel streams: its share of them). */
  pages: readonly number[] = snap.pages,
): AsyncGenerator<ChunkProgress> {
  yield { chunk: encoder.header(snap.header), pagesSent: 0, rawPageBytes: 0, sentPageBytes: 0 };
  let last: Omit<ChunkProgress, 'chunk'> = { pagesSent: 0, rawPageBytes: 0, sentPageBytes: 0 };
  for await (const p of pageChunks(task, pages, compression, encoder)) yield (last = p);
  yield { ...last, chunk: encoder.trailer() };
}

/** The PAGES chunks of `pages` of `task`, in batches prepared ahead, with the counts so far. */
export async function* pageChunks(task: MigTask, pages: readonly number[], compression: Compression, encoder: ChunkEncoder): AsyncGenerator<ChunkProgress> {
  let pagesSent = 0;
  let rawPageBytes = 0;
  let sentPageBytes = 0;
  for await (const prepared of pipelined(slices(pages, BATCH_PAGES), (batch) => preparePages(task.space, batch, compression))) {
    const chunk = encoder.pageChunk(prepared);
    pagesSent += prepared.pages;
    rawPageBytes += prepared.raw;
    sentPageBytes += chunk.payload.length;
    yield { chunk, pagesSent, rawPageBytes, sentPageBytes };
  }
}

export type { ContainerHeader__Output };
