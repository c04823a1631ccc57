/**
 * Retention (README, "Retention and prune"): which snapshots the cluster file's
 * policies release, and what releasing them frees, with deduplication counted:
 * a chunk a kept snapshot also uses stays. Pure: the middleware's Prune applies
 * the plan (deletes the manifests, then gc frees the chunks).
 *
 * A policy applies to the snapshots of one label (`key=value`) or one task. It
 * keeps the newest `keep_last` snapshots of each task it applies to, and every
 * snapshot younger than `max_age`. A snapshot is released when at least one
 * policy applies to it and none keeps it. Pinned snapshots and parked ones (the
 * only copy of their task) are never released.
 */
import type { RetentionRule } from '../config/index.ts';
import type { ChunkHash, Manifest } from './store.ts';

/** What a prune releases and frees. */
export interface PrunePlan {
  /** Snapshots released, oldest first. */
  readonly release: readonly Manifest[];
  /** Snapshots some policy applies to that stay. */
  readonly kept: number;
  /** Chunk bytes and chunks no kept snapshot uses. */
  readonly freedBytes: number;
  readonly freedChunks: number;
  /** Chunks of released snapshots that stay because a kept snapshot uses them. */
  readonly sharedChunks: number;
}

/** Whether a policy applies to a snapshot. */
export function applies(rule: RetentionRule, m: Manifest): boolean {
  if (rule.task !== undefined) return m.taskId === rule.task;
  if (rule.label !== undefined) return m.labels[rule.label.key] === rule.label.value;
  return false;
}

/** Newest first; ties by id, so the order is total. */
function newestFirst(a: Manifest, b: Manifest): number {
  return b.createdUnixMs - a.createdUnixMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The snapshots a policy keeps, among `all`. */
function keptBy(rule: RetentionRule, all: readonly Manifest[], nowMs: number): Set<string> {
  const kept = new Set<string>();
  const byTask = new Map<string, Manifest[]>();
  for (const m of all) {
    if (!applies(rule, m)) continue;
    if (rule.maxAgeMs !== undefined && nowMs - m.createdUnixMs <= rule.maxAgeMs) kept.add(m.id);
    const list = byTask.get(m.taskId) ?? [];
    list.push(m);
    byTask.set(m.taskId, list);
  }
  if (rule.keepLast !== undefined) for (const list of byTask.values()) for (const m of list.sort(newestFirst).slice(0, rule.keepLast)) kept.add(m.id);
  return kept;
}

/** What the policies release among `all` at time `nowMs`, and what that frees. */
export function planPrune(all: readonly Manifest[], rules: readonly RetentionRule[], nowMs: number): PrunePlan {
  const keeps = rules.map((r) => keptBy(r, all, nowMs));
  const release: Manifest[] = [];
  let kept = 0;
  for (const m of all) {
    const mine = rules.map((r, i) => (applies(r, m) ? i : -1)).filter((i) => i >= 0);
    if (mine.length === 0) continue;
    if (m.pinned || m.state === 'parked' || mine.some((i) => keeps[i]!.has(m.id))) kept++;
    else release.push(m);
  }
  const released = new Set(release.map((m) => m.id));
  const live = new Set<ChunkHash>();
  for (const m of all) if (!released.has(m.id)) for (const [, h] of m.pages) live.add(h);
  const freed = new Map<ChunkHash, number>();
  const shared = new Set<ChunkHash>();
  for (const m of release) {
    for (const [, h] of m.pages) {
      if (live.has(h)) shared.add(h);
      else freed.set(h, m.pageSize);
    }
  }
  let freedBytes = 0;
  for (const b of freed.values()) freedBytes += b;
  return { release: [...release].sort((a, b) => a.createdUnixMs - b.createdUnixMs), kept, freedBytes, freedChunks: freed.size, sharedChunks: shared.size };
}
