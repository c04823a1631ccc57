/**
 * Scale benchmark (`npm run bench -- scale`; README, "Benchmarks", and
 * "Migration control": many at once): a generated cluster file of 16 node
 * processes and a middleware, 1,000 quiet counters spread over them (two
 * MigPartitions of 64 one-page slots per node), then 100 moves asked of the
 * middleware at once, so the cluster's `max_cluster` and every node's
 * `max_outbound` apply. Afterwards every node is asked which tasks it holds:
 * each of the 1,000 must be found exactly once, the moved ones on their targets.
 *
 * The baseline, in the same run on the same cluster before the burst: one task
 * moved alone, again and again, between two otherwise idle nodes.
 */
import * as fs from 'node:fs';
import { REGISTRY_ENV } from '../src/common/endpoints.ts';
import { stopMiddlewares } from '../test/support/middleware-harness.ts';
import { cleanup } from '../test/support/processes.ts';
import { census, middlewareClient, moveAll, moveOne, nodeWaits, outboundPeaks, planMoves, scaleCluster, startScaleWorld, type MoveResult, type ScaleShape } from '../test/support/scale-harness.ts';
import { tempDir } from './cluster-harness.ts';

const SHAPE: ScaleShape = { nodes: 16, tasks: 1000, slots: 64, maxOutbound: 2, maxCluster: 8 };
const MOVES = 100;
/** Moves in a row from one source node, so its max_outbound bites inside the cluster's window. */
const GROUP = 6;
/** Moves of the lone task (after one warm-up). */
const BASELINE_MOVES = 9;
/** The whole benchmark, start to stop, at most. */
const BUDGET_MS = 8 * 60_000;

/** Min, nearest-rank percentiles and max of a set of figures, ms. */
export interface Distribution {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Nearest-rank percentiles. */
function distribution(xs: readonly number[]): Distribution {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : NaN);
  return { n: s.length, min: r3(s[0] ?? NaN), median: r3(at(50)), p90: r3(at(90)), p99: r3(at(99)), max: r3(s.at(-1) ?? NaN) };
}

const median = (xs: readonly number[]): number => distribution(xs).median;

/** Rejects after `ms` (the timer does not hold the process). */
function budget(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms).unref());
}

/** Runs the scale benchmark once; its JSON figures (see the file's header). Every process it started is stopped, also on error. */
export async function scaleBenchmark(): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const dir = tempDir();
  const registryBefore = process.env[REGISTRY_ENV];
  // The nodes and the middleware register in (and find each other through) this run's own folder.
  process.env[REGISTRY_ENV] = dir;
  try {
    const measured = run(dir, t0);
    // Once over budget, whatever the run still does fails as its processes stop: nobody waits for it.
    measured.catch(() => undefined);
    return await Promise.race([measured, budget(BUDGET_MS, 'the scale benchmark')]);
  } finally {
    await stopMiddlewares();
    await cleanup();
    if (registryBefore === undefined) delete process.env[REGISTRY_ENV];
    else process.env[REGISTRY_ENV] = registryBefore;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function run(dir: string, t0: number): Promise<Record<string, unknown>> {
  const file = scaleCluster(dir, SHAPE);
  const world = await startScaleWorld(dir, file, SHAPE);
  const started = await census(world);
  if (started.once !== SHAPE.tasks) throw new Error(`${started.once} of ${SHAPE.tasks} tasks started once`);

  // Baseline: one task alone on the idle cluster, between scale-00 and scale-01.
  const lone = [...world.tasks].find(([, p]) => p.node === 'scale-00')![0];
  const baseline: MoveResult[] = [];
  const c = middlewareClient(world.middleware.address);
  try {
    for (let i = 0; i <= BASELINE_MOVES; i++) {
      const from = world.tasks.get(lone)!.node;
      const to = from === 'scale-00' ? 'scale-01' : 'scale-00';
      const r = await moveOne(c, { task: lone, from, to }, 30_000);
      if (!r.stats || r.stats.status !== 'MIGRATION_STATUS_COMPLETED') throw new Error(`baseline move of ${lone}: ${r.error ?? r.stats?.status}`);
      world.tasks.get(lone)!.node = to;
      if (i > 0) baseline.push(r);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  } finally {
    c.close();
  }
  const waitsBefore = nodeWaits(world).length;

  // The burst: every move asked at once.
  const orders = planMoves(world, MOVES, GROUP, new Set([lone]));
  const tb = performance.now();
  const results = await moveAll(world, orders, 240_000);
  const burstMs = performance.now() - tb;
  const tc = performance.now();
  const after = await census(world);
  const censusMs = performance.now() - tc;

  const done = results.filter((r) => r.stats?.status === 'MIGRATION_STATUS_COMPLETED');
  const failed = results.filter((r) => r.stats?.status !== 'MIGRATION_STATUS_COMPLETED');
  const nodeWaiting = nodeWaits(world).slice(waitsBefore);
  const nodeWaited = new Set(nodeWaiting.map((w) => w.task));
  const clusterWaited = results.filter((r) => r.waiting.length > 0);
  const waitedAny = results.filter((r) => r.waiting.length > 0 || nodeWaited.has(r.order.task));
  // Before its migration began: the cluster's queue, the task's lock, the node's queue, the calls between.
  const waitMs = (r: MoveResult): number => Math.max(0, r.clientMs - (r.stats?.totalMs ?? 0));
  const down = done.map((r) => r.stats!.downtimeMs);
  const total = done.map((r) => r.stats!.totalMs);
  const baseDown = median(baseline.map((r) => r.stats!.downtimeMs));
  const baseTotal = median(baseline.map((r) => r.stats!.totalMs));
  return {
    nodes: SHAPE.nodes,
    tasks: SHAPE.tasks,
    moves: MOVES,
    limits: { max_outbound: SHAPE.maxOutbound, max_cluster: SHAPE.maxCluster },
    wall_ms: Math.round(performance.now() - t0),
    start_ms: { nodes: Math.round(world.startMs.nodes), middleware: Math.round(world.startMs.middleware), tasks: Math.round(world.startMs.tasks) },
    burst_wall_ms: Math.round(burstMs),
    moves_per_s: r1(MOVES / (burstMs / 1000)),
    census_ms: Math.round(censusMs),
    completed: done.length,
    failed: failed.length,
    ...(failed.length ? { failures: failed.slice(0, 5).map((r) => `${r.order.task} ${r.order.from}->${r.order.to}: ${r.error ?? r.stats?.status}`) } : {}),
    /** As the requester saw each move: from the request (all at once) to its statistics, waits included. */
    client_ms: distribution(results.map((r) => r.clientMs)),
    /** The migrations' own time (stats.total_ms, from its turn on the source). */
    total_ms: distribution(total),
    downtime_ms: distribution(down),
    waited: {
      any: waitedAny.length,
      for_cluster: clusterWaited.length,
      for_node: nodeWaited.size,
      longest_wait_ms: r1(Math.max(0, ...results.map(waitMs))),
      /** From each node's events in order: the most outbound migrations it had in flight at once. */
      most_outbound_in_flight: Math.max(0, ...outboundPeaks(world).values()),
      longest_node_queued_ms: r1(Math.max(0, ...done.map((r) => r.stats!.queuedMs))),
      cluster_reason: clusterWaited[0]?.waiting[0] ?? '',
      node_reason: nodeWaiting[0]?.detail ?? '',
    },
    found: {
      once: after.once,
      missing: after.missing.length,
      duplicated: after.duplicated.length,
      misplaced: after.misplaced.length,
      unknown: after.unknown.length,
      moved_on_target: orders.filter((o) => after.holders.get(o.task)?.length === 1 && after.holders.get(o.task)![0] === o.to).length,
    },
    baseline: { what: `one task moved alone ${BASELINE_MOVES} times between two idle nodes of the same cluster (after a warm-up)`, downtime_median_ms: baseDown, total_median_ms: baseTotal },
    ratio: { downtime_median: r3(median(down) / baseDown), total_median: r3(median(total) / baseTotal) },
  };
}

