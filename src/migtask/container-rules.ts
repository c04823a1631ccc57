/**
 * The rules every container must satisfy, written once (README, "Limits", "Files
 * and containers"). The verifier of every sink (load, restore, migration, park)
 * throws the first problem as a ContainerError (INVALID_ARGUMENT); `inspect` runs
 * the same verifier, so what one accepts the other accepts. Each function answers
 * the problems it finds, each naming the field: a header's identity and layout, a
 * page batch, and the final state (travelers, waits against the partition's gate
 * rights, carried gate messages, completeness) before anything of it runs.
 */
import { Code } from '../common/index.ts';
import type { ContainerHeader__Output } from '../generated/migvisor/v1/ContainerHeader.ts';
import type { TravelerState__Output } from '../generated/migvisor/v1/TravelerState.ts';
import { fingerprintOf, MAX_HANDLES, Pte, type PartitionSettings } from '../partition/index.ts';
import { settingsFromWire } from './compatibility.ts';
import { ContainerError } from './container-error.ts';
import { PAGE_ZERO } from './page-map.ts';
import { CONTAINER_MODE_WIRE, FAULT_KIND_WIRE, TRAVELER_STATUS_WIRE, WAIT_KIND_WIRE } from './wire-enums.ts';

/** The limits a container is held to (README, "Limits"). */
export const CONTAINER_LIMITS = {
  /** Task ids: 1..128 characters of A-Z a-z 0-9 `_` `.` `-`. */
  maxIdLength: 128,
  /** Migration ids, node, partition and gate names: at most 128 characters, no control characters. */
  maxNameLength: 128,
  /** Program names (a file's base name): at most 255 characters, no control characters. */
  maxProgramLength: 255,
  minPageSize: 256,
  maxPageSize: 65_536,
  /** Pages of one address space (4 GiB of 1 KiB pages; a node's memory is at most 1 GiB). */
  maxPageCount: 1 << 22,
  /** Travelers of one task (a partition's max_travelers is at most this). */
  maxTravelers: 64,
  /** Handle numbers remembered as closed by migration. */
  maxClosedHandles: 1024,
  /** Console text carried without a newline (a traveler's line buffer). */
  maxPendingConsole: 1024,
  /** Latest creation time: the last instant a JavaScript Date can show (ms since the epoch). */
  maxCreatedUnixMs: 8.64e15,
  /** Pages of one page chunk (a source sends 64). */
  maxBatchPages: 1024,
  /**
   * Rounds of pages a container may send beyond the first: pre-copy's most rounds
   * (1000) and the final one. A container has at most 3 + page_count × 1002 chunks.
   */
  maxPageRounds: 1001,
  /** Highest traveler priority (as StartTask allows). */
  maxPriority: 255,
} as const;

const TASK_ID = /^[A-Za-z0-9_.-]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The problem with a task id, or undefined when it is a valid one. */
export function taskIdProblem(id: string, field = 'task_id'): string | undefined {
  if (typeof id !== 'string' || id === '') return `${field} is empty`;
  if (id.length > CONTAINER_LIMITS.maxIdLength) return `${field} is ${id.length} characters long (limit ${CONTAINER_LIMITS.maxIdLength})`;
  if (!TASK_ID.test(id)) return `${field} ${JSON.stringify(id)} may only hold letters, digits, '_', '.' and '-'`;
  return undefined;
}

/** The problem with a name, or undefined when it is a valid one. */
export function nameProblem(v: string, field: string, required: boolean, limit: number = CONTAINER_LIMITS.maxNameLength): string | undefined {
  if (typeof v !== 'string') return `${field} is not text`;
  if (v === '') return required ? `${field} is empty` : undefined;
  if (v.length > limit) return `${field} is ${v.length} characters long (limit ${limit})`;
  if (CONTROL.test(v)) return `${field} ${JSON.stringify(v)} holds a control character`;
  return undefined;
}

const uint = (v: unknown, max = Number.MAX_SAFE_INTEGER): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;
const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** The partition settings of a header, when they are whole (else the problems). */
export function headerSettings(h: ContainerHeader__Output): { settings?: PartitionSettings; problems: string[] } {
  const problems: string[] = [];
  const w = h.settings;
  if (!w || typeof w !== 'object') return { problems: ['settings are missing'] };
  if (!Array.isArray(w.regions) || w.regions.length === 0) problems.push('settings.regions is empty');
  if (!Array.isArray(w.providers)) problems.push('settings.providers is missing');
  if (!uint(w.maxTravelers) || w.maxTravelers < 1 || w.maxTravelers > CONTAINER_LIMITS.maxTravelers) {
    problems.push(`settings.max_travelers ${String(w.maxTravelers)} is not 1..${CONTAINER_LIMITS.maxTravelers}`);
  }
  if (!uint(w.stackPerTraveler) || w.stackPerTraveler < 1) problems.push(`settings.stack_per_traveler ${String(w.stackPerTraveler)} is not a positive size`);
  (Array.isArray(w.regions) ? w.regions : []).forEach((r, i) => {
    const at = `settings.regions[${i}]`;
    if (!r || typeof r !== 'object') return void problems.push(`${at} is empty`);
    const n = nameProblem(r.name, `${at}.name`, true);
    if (n) problems.push(n);
    if (!uint(r.vaddr)) problems.push(`${at}.vaddr ${String(r.vaddr)} is not an address`);
    if (!uint(r.size) || r.size < 1) problems.push(`${at}.size ${String(r.size)} is not a positive size`);
    if (typeof r.rights !== 'string' || !/^[rwx]*$/.test(r.rights)) problems.push(`${at}.rights ${JSON.stringify(r.rights)} is not rwx letters`);
  });
  (Array.isArray(w.providers) ? w.providers : []).forEach((p, i) => {
    const at = `settings.providers[${i}]`;
    if (!p || typeof p !== 'object') return void problems.push(`${at} is empty`);
    const n = nameProblem(p.name, `${at}.name`, true);
    if (n) problems.push(n);
    if (typeof p.rights !== 'string' || !/^[srw]*$/.test(p.rights)) problems.push(`${at}.rights ${JSON.stringify(p.rights)} is not srw letters`);
    if (p.kind === 'gate' && (!uint(p.capacity) || !uint(p.messageSize))) problems.push(`${at}: a gate needs capacity and message_size`);
  });
  if (problems.length > 0) return { problems };
  const settings = settingsFromWire(w)!;
  if (fingerprintOf(settings) !== h.fingerprint) problems.push(`fingerprint ${JSON.stringify(h.fingerprint)} is not the SHA-256 of the container's settings`);
  return { settings, problems };
}

/**
 * The problems of a HEADER (or STATE) chunk's identity and layout: format
 * version, ids and names, CPU, page size and count, page map, mode, times.
 */
export function headerProblems(h: ContainerHeader__Output, formatVersion: number): string[] {
  const p: string[] = [];
  const L = CONTAINER_LIMITS;
  if (h.formatVersion !== formatVersion) p.push(`container format version ${h.formatVersion} is not supported (this build reads ${formatVersion})`);
  const id = taskIdProblem(h.taskId);
  if (id) p.push(id);
  for (const [v, field, required, limit] of [
    [h.migrationId, 'migration_id', false, L.maxNameLength],
    [h.program, 'program', false, L.maxProgramLength],
    [h.sourceNode, 'source_node', false, L.maxNameLength],
    [h.partition, 'partition', true, L.maxNameLength],
    [h.sourceAddress, 'source_address', false, L.maxNameLength],
  ] as const) {
    const n = nameProblem(v, field, required, limit);
    if (n) p.push(n);
  }
  if (h.wordSize !== 32 && h.wordSize !== 64) p.push(`word_size ${h.wordSize} is not 32 or 64`);
  if (!['ENDIAN_UNSPECIFIED', 'ENDIAN_LITTLE', 'ENDIAN_BIG'].includes(h.endian as string)) p.push(`endian ${JSON.stringify(h.endian)} is not one this build knows`);
  if (!uint(h.pageSize) || !isPow2(h.pageSize) || h.pageSize < L.minPageSize || h.pageSize > L.maxPageSize) {
    p.push(`page_size ${h.pageSize} is not a power of two in ${L.minPageSize}..${L.maxPageSize}`);
  }
  if (!uint(h.pageCount) || h.pageCount < 1 || h.pageCount > L.maxPageCount) p.push(`page_count ${h.pageCount} is not 1..${L.maxPageCount}`);
  if (h.pageFlags.length !== h.pageCount) p.push(`page_flags holds ${h.pageFlags.length} entries for ${h.pageCount} pages`);
  if (!uint(h.pagesToSend) || h.pagesToSend > h.pageCount) p.push(`pages_to_send ${h.pagesToSend} exceeds the ${h.pageCount} pages`);
  if (!uint(h.sourceTick)) p.push(`source_tick ${h.sourceTick} is not a tick`);
  if (!uint(h.createdUnixMs, L.maxCreatedUnixMs)) p.push(`created_unix_ms ${h.createdUnixMs} is not a time (0..${L.maxCreatedUnixMs})`);
  const mode = CONTAINER_MODE_WIRE.fromWire(h.mode);
  if (!mode) p.push(`container mode ${JSON.stringify(h.mode)} is not one this build knows`);
  if (mode === 'lazy' && !h.sourceAddress) p.push('a post-copy container must name its source address');
  const { settings, problems } = headerSettings(h);
  p.push(...problems);
  if (settings && p.length === 0) {
    const pages = settings.regions.reduce((n, r) => n + r.size / h.pageSize, 0);
    if (settings.regions.some((r) => r.size % h.pageSize !== 0)) p.push(`settings.regions: a region size is not a multiple of the page size ${h.pageSize}`);
    else if (pages !== h.pageCount) p.push(`page_count ${h.pageCount} does not match the ${pages} pages of the settings' regions`);
  }
  return p;
}

/** The problems of one page batch: data size, page numbers. */
export function batchProblems(seq: number, b: { index: readonly number[]; data: Uint8Array; zero: readonly number[] }, pageSize: number, pageCount: number): string[] {
  const p: string[] = [];
  const n = b.index.length + b.zero.length;
  if (n === 0 || n > CONTAINER_LIMITS.maxBatchPages) p.push(`chunk ${seq}: ${n} pages in one chunk (1..${CONTAINER_LIMITS.maxBatchPages})`);
  if (b.data.length !== b.index.length * pageSize) p.push(`chunk ${seq}: ${b.data.length} bytes for ${b.index.length} pages of ${pageSize}`);
  const bad = [...b.index, ...b.zero].find((i) => !uint(i) || i >= pageCount);
  if (bad !== undefined) p.push(`chunk ${seq}: page ${bad} outside the ${pageCount} pages`);
  return p;
}

/** The gate rights of partition settings, by gate name. */
function gateRights(s: PartitionSettings): Map<string, { send: boolean; receive: boolean; messageSize: number; capacity: number }> {
  const out = new Map<string, { send: boolean; receive: boolean; messageSize: number; capacity: number }>();
  for (const g of s.providers) {
    if (g.kind !== 'gate') continue;
    out.set(g.name, { send: g.rights.includes('s'), receive: g.rights.includes('r'), messageSize: g.messageSize ?? 0, capacity: g.capacity ?? 0 });
  }
  return out;
}

/** The problems of one restored traveler: registers, status, wait against the gate rights, fault, handles. */
export function travelerProblems(t: TravelerState__Output, index: number, h: ContainerHeader__Output, s: PartitionSettings): string[] {
  const p: string[] = [];
  const at = `traveler ${index}`;
  const L = CONTAINER_LIMITS;
  if (t.id !== index) p.push(`${at}: id ${t.id}, expected ${index}`);
  if (t.registers.length !== 16 * 8) p.push(`${at}: ${t.registers.length} register bytes, expected 128`);
  const limit = h.wordSize === 64 ? 2 ** 64 : 2 ** 32;
  if (!uint(t.pc) || t.pc >= limit) p.push(`${at}: pc ${t.pc} is not a ${h.wordSize}-bit address`);
  if (!uint(t.flags, 15)) p.push(`${at}: flags ${t.flags} are not NZCV bits`);
  if (!uint(t.priority, L.maxPriority)) p.push(`${at}: priority ${t.priority} is not 0..${L.maxPriority}`);
  if (!uint(t.instructions)) p.push(`${at}: instructions ${t.instructions} is not a count`);
  const status = TRAVELER_STATUS_WIRE.fromWire(t.status);
  if (!status) p.push(`${at}: unknown status ${JSON.stringify(t.status)}`);
  const w = t.wait;
  if (status === 'waiting' && !w) p.push(`${at}: waiting without a wait state`);
  if (w) {
    const kind = WAIT_KIND_WIRE.fromWire(w.kind);
    const gates = gateRights(s);
    const gate = (right: 'send' | 'receive'): { messageSize: number } | undefined => {
      const g = gates.get(w.gate);
      if (!g) p.push(`${at}: waits on gate ${JSON.stringify(w.gate)}, which partition ${s.name} does not have`);
      else if (!g[right]) p.push(`${at}: waits to ${right} on gate ${w.gate}, but partition ${s.name} may not ${right} on it`);
      return g?.[right] ? g : undefined;
    };
    switch (kind) {
      case 'sleep':
        if (!uint(w.until)) p.push(`${at}: sleep of ${w.until} ticks is not a tick count`);
        break;
      case 'gate_send': {
        const g = gate('send');
        if (g && w.data.length > g.messageSize) p.push(`${at}: waits to send ${w.data.length} bytes on gate ${w.gate}, over its limit of ${g.messageSize}`);
        break;
      }
      case 'gate_recv': {
        gate('receive');
        if (!uint(w.buf) || w.buf >= limit) p.push(`${at}: receive buffer ${w.buf} is not a ${h.wordSize}-bit address`);
        if (!uint(w.max, 1 << 20)) p.push(`${at}: receive length ${w.max} is out of range`);
        break;
      }
      case 'page':
        if (!uint(w.page) || w.page >= h.pageCount) p.push(`${at}: waits for page ${w.page} outside the ${h.pageCount} pages`);
        break;
      default:
        p.push(`${at}: unknown wait kind ${JSON.stringify(w.kind)}`);
    }
  }
  if (t.fault && !FAULT_KIND_WIRE.fromWire(t.fault.kind)) p.push(`${at}: unknown fault kind ${JSON.stringify(t.fault.kind)}`);
  if (t.closedHandles.length > L.maxClosedHandles) p.push(`${at}: ${t.closedHandles.length} closed handles (limit ${L.maxClosedHandles})`);
  else if (t.closedHandles.some((x) => !uint(x, 2 ** 31) || x < 3)) p.push(`${at}: closed handles must be 3..2^31 (handle numbers; at most ${MAX_HANDLES} open)`);
  if (t.pendingConsole.length > L.maxPendingConsole) p.push(`${at}: ${t.pendingConsole.length} characters of pending console (limit ${L.maxPendingConsole})`);
  if (t.exitCode !== undefined && t.exitCode !== null && !Number.isSafeInteger(t.exitCode)) p.push(`${at}: exit code ${String(t.exitCode)} is not an integer`);
  return p;
}

/** The identity fields a STATE chunk must share with its header. */
const SAME = ['taskId', 'migrationId', 'partition', 'fingerprint', 'wordSize', 'endian', 'pageSize', 'pageCount'] as const;

/**
 * The problems of a container's final state (the STATE chunk, else the header)
 * once every chunk arrived: its identity against the header, the travelers and
 * their waits, carried gate messages, and (unless post-copy) every page present.
 * `sent`: one byte per page, set for the pages the chunks held.
 */
export function finalStateProblems(header: ContainerHeader__Output, state: ContainerHeader__Output, sent: Uint8Array, sentCount: number): string[] {
  const p: string[] = [];
  for (const k of SAME) if (state[k] !== header[k]) p.push(`the state chunk's ${k} ${JSON.stringify(state[k])} differs from the header's ${JSON.stringify(header[k])}`);
  if (p.length > 0) return p;
  const { settings, problems } = headerSettings(state);
  if (!settings) return problems;
  const n = state.travelers.length;
  if (n < 1 || n > settings.maxTravelers) p.push(`${n} travelers, partition ${settings.name} allows 1..${settings.maxTravelers}`);
  else state.travelers.forEach((t, i) => p.push(...travelerProblems(t, i, state, settings)));
  const gates = gateRights(settings);
  for (const g of state.gates) {
    const r = gates.get(g.gate);
    if (!r || !r.receive) {
      p.push(`gate messages for ${JSON.stringify(g.gate)}, on which partition ${settings.name} does not receive`);
      continue;
    }
    if (g.messages.length > r.capacity) p.push(`${g.messages.length} messages for gate ${g.gate}, over its capacity of ${r.capacity}`);
    const big = g.messages.find((m) => m.length > r.messageSize);
    if (big) p.push(`a message of ${big.length} bytes for gate ${g.gate}, over its limit of ${r.messageSize}`);
  }
  const mode = CONTAINER_MODE_WIRE.fromWire(header.mode);
  // A container of several page streams holds here only this stream's pages: the
  // coverage and the count are checked when every stream is in (MigTask.stage).
  if ((header.streams ?? 0) > 1) return p;
  if (mode !== 'lazy') {
    // The pages that did not come, found by indexOf (no step of JavaScript a page).
    const n = state.pageFlags.length;
    for (let i = sent.indexOf(0); i !== -1 && i < n; i = sent.indexOf(0, i + 1)) {
      const f = state.pageFlags[i]!;
      if (f & Pte.PRESENT && !(f & PAGE_ZERO)) {
        p.push(`page ${i} is neither in the container nor marked zero`);
        break;
      }
    }
    // A page map longer than the pages the header announced: those pages did not come either.
    for (let i = sent.length; i < n; i++) {
      const f = state.pageFlags[i]!;
      if (f & Pte.PRESENT && !(f & PAGE_ZERO)) {
        p.push(`page ${i} is neither in the container nor marked zero`);
        break;
      }
    }
  }
  // A full migration's STATE chunk announces its pages (its header went before the stop).
  if ((mode === 'full' || mode === 'save' || mode === 'restore') && sentCount !== state.pagesToSend) {
    p.push(`${state === header ? 'header' : 'state chunk'} announces ${state.pagesToSend} pages, the chunks hold ${sentCount}`);
  }
  return p;
}

/** Most chunks a container of `pageCount` pages may have: header, state, trailer, and every page at most once a round. */
export function maxChunks(pageCount: number): number {
  return 3 + pageCount * (CONTAINER_LIMITS.maxPageRounds + 1);
}

/** Throws the first problem as a ContainerError (INVALID_ARGUMENT). */
export function refuse(problems: readonly string[]): void {
  if (problems.length > 0) throw new ContainerError(problems[0]!, Code.INVALID_ARGUMENT);
}
