/**
 * Orchestration: where a task runs, moving a task between nodes under a lock (so
 * two coordinators never move it at once), and evacuating a node (every MigTask to
 * a compatible node, its `evacuate_to` list first, a clear refusal where none fits).
 * Moves respect the cluster's `migration.max_cluster`: those over it wait their
 * turn (README, "Migration control": many at once); an evacuation starts all its
 * moves at once and lets the limits pace them.
 */
import { Code, COMPRESSION_WIRE, describeError, isAddress, MIGRATION_MODE_WIRE, migTaskClient, MigvisorError, nodeClient, NotFoundError, readEndpoints, serverStream, unary } from '../common/index.ts';
import type { CompressionChoice, MigrationMode } from '../common/index.ts';
import type { InfoResponse__Output } from '../generated/migvisor/v1/InfoResponse.ts';
import type { MigrationStats__Output } from '../generated/migvisor/v1/MigrationStats.ts';
import { DEFAULT_MAX_CLUSTER, type ClusterConfig } from '../config/index.ts';
import { endpointFromInfo, incompatibility, MIG_STATE_WIRE, planRefusal, TurnQueue, type MigState } from '../migtask/index.ts';
import type { Location, SnapshotStore } from './store.ts';

/** Slot states in which a node holds a task: it runs there, or a move in flight stopped it there. */
const HELD: ReadonlySet<MigState> = new Set<MigState>(['MigSource', 'Transferring', 'Committing']);

/** How long {@link Orchestrator.heldOn} waits for a node's answer (a node that does not answer holds nothing it can run). */
const HELD_ON_MS = 2000;

/** How long a move may hold a task's lock before it expires by itself. */
const LOCK_TTL_MS = 120_000;

/** Node names and addresses as the middleware knows them: cluster file, registry, host:port. */
export class NodeBook {
  constructor(
    private readonly cluster: ClusterConfig | undefined,
    private readonly clusterFile: string | undefined,
  ) {}

  /** Every node the middleware can reach, by name. */
  all(): Map<string, string> {
    const out = new Map<string, string>();
    for (const n of this.cluster?.nodes ?? []) if (!n.listen.endsWith(':0')) out.set(n.name, n.listen);
    if (this.clusterFile) for (const [name, addr] of Object.entries(readEndpoints(this.clusterFile).nodes)) out.set(name, addr);
    return out;
  }

  /** A node by name or host:port (NotFoundError if the middleware does not know it). */
  resolve(ref: string): { name: string; address: string } {
    if (isAddress(ref)) {
      const name = [...this.all()].find(([, a]) => a === ref)?.[0] ?? ref;
      return { name, address: ref };
    }
    const address = this.all().get(ref);
    if (!address) throw new NotFoundError('node', ref, 'among the nodes the middleware knows (is it running?)');
    return { name: ref, address };
  }

  /** Most migrations the orchestration has in flight at once (`migration.max_cluster`; 0: unlimited). */
  maxCluster(): number {
    return this.cluster?.migration?.maxCluster ?? DEFAULT_MAX_CLUSTER;
  }

  /** The preferred evacuation targets of a node, from the cluster file. */
  evacuateTo(name: string): readonly string[] {
    return this.cluster?.nodes.find((n) => n.name === name)?.evacuateTo ?? [];
  }
}

/** What became of one task of an evacuated node. */
export interface EvacuateEvent {
  readonly task: string;
  readonly to: string;
  readonly status: 'moved' | 'refused' | 'failed';
  readonly detail: string;
  readonly stats?: MigrationStats__Output;
}

/** Finds, moves and evacuates tasks across the nodes the middleware knows. */
export class Orchestrator {
  /** The cluster's limit: moves in flight at once. */
  readonly turns: TurnQueue;

  constructor(
    private readonly store: SnapshotStore,
    readonly nodes: NodeBook,
    /** Who holds the locks this orchestrator takes (shown to others). */
    private readonly owner: string,
  ) {
    const max = nodes.maxCluster();
    this.turns = new TurnQueue(max, `migrations in the cluster (max_cluster ${max})`);
  }

  private async tasksOn(address: string, ms = 5000): Promise<{ taskId: string; state: MigState | undefined; partition: string }[]> {
    const c = nodeClient(address);
    try {
      const ps = await unary(c.Ps, c, { hashes: false }, `ps on ${address}`, ms);
      return ps.tasks.filter((t) => t.taskId).map((t) => ({ taskId: t.taskId, state: MIG_STATE_WIRE.fromWire(t.state), partition: t.partition }));
    } finally {
      c.close();
    }
  }

  /** A node that holds `task` now (it runs there, or is stopped there by a move in flight), asking every known node at once. */
  async heldOn(task: string): Promise<{ name: string; address: string } | undefined> {
    const nodes = [...this.nodes.all()];
    const found = await Promise.all(nodes.map(([, address]) => this.tasksOn(address, HELD_ON_MS).catch(() => [])));
    const i = found.findIndex((tasks) => tasks.some((t) => t.taskId === task && t.state !== undefined && HELD.has(t.state)));
    return i < 0 ? undefined : { name: nodes[i]![0], address: nodes[i]![1] };
  }

  /**
   * Where a task runs: the directory, checked against the node; else every known
   * node is asked; else its newest parked snapshot (other than `except`: asked
   * whether the task is anywhere but in that snapshot).
   */
  async where(task: string, except?: string): Promise<Location | undefined> {
    const known = await this.store.getLocation(task);
    // Parked: in that snapshot (when it is `except`, the directory says the task is nowhere else).
    if (known?.state === 'parked') return except !== undefined && known.snapshot === except ? undefined : known;
    if (known) {
      const here = await this.tasksOn(known.address).catch(() => []);
      if (here.some((t) => t.taskId === task)) return known;
      // A stale entry (the node died or stopped, or the task left): it says nothing true any more.
      await this.store.setLocation(task, undefined).catch(() => undefined);
    }
    for (const [name, address] of this.nodes.all()) {
      const tasks = await this.tasksOn(address).catch(() => []);
      if (tasks.some((t) => t.taskId === task)) {
        const loc: Location = { node: name, address, state: 'running', snapshot: '', updatedUnixMs: Date.now() };
        await this.store.setLocation(task, loc);
        return loc;
      }
    }
    // Directory entries vanish with the middleware that wrote them; the archive still knows a parked task.
    return this.parkedElsewhere(task, except);
  }

  /** The newest parked snapshot of `task` other than `except`, as a location. */
  private async parkedElsewhere(task: string, except?: string): Promise<Location | undefined> {
    const parked = (await this.store.listManifests()).filter((m) => m.taskId === task && m.state === 'parked' && m.id !== except).at(-1);
    return parked ? { node: '', address: '', state: 'parked', snapshot: parked.id, updatedUnixMs: parked.createdUnixMs } : undefined;
  }

  /** Moves a task to `to` (from `from`, or from wherever it runs), holding its lock throughout. */
  async move(
    task: string,
    to: string,
    options: {
      from?: string;
      mode?: MigrationMode;
      compression?: CompressionChoice;
      onProgress?: (phase: string, done: number, total: number) => void;
      /** Told why the move waits for its turn under `max_cluster`. */
      onWaiting?: (reason: string) => void;
    } = {},
  ): Promise<MigrationStats__Output> {
    const sink = this.nodes.resolve(to);
    const release = await this.turns.acquire(task, (reason) => options.onWaiting?.(reason));
    try {
      return await this.moveNow(task, sink, options);
    } finally {
      release();
    }
  }

  /** {@link move} once it has its turn. */
  private async moveNow(
    task: string,
    sink: { name: string; address: string },
    options: { from?: string; mode?: MigrationMode; compression?: CompressionChoice; onProgress?: (phase: string, done: number, total: number) => void },
  ): Promise<MigrationStats__Output> {
    const lock = await this.store.lock(task, this.owner, LOCK_TTL_MS);
    try {
      let source = options.from ? this.nodes.resolve(options.from) : undefined;
      if (!source) {
        const loc = await this.where(task);
        if (!loc) throw new NotFoundError('task', task, 'on any node the middleware knows');
        if (loc.state === 'parked') throw new MigvisorError(`task ${task} is parked in snapshot ${loc.snapshot}: restore it instead`, Code.FAILED_PRECONDITION);
        source = { name: loc.node, address: loc.address };
      }
      if (source.address === sink.address) throw new MigvisorError(`task ${task} already runs on ${sink.name}`, Code.FAILED_PRECONDITION);
      const c = migTaskClient(source.address);
      let stats: MigrationStats__Output | undefined;
      try {
        const call = c.StopAndTransfer({
          taskId: task,
          sink: sink.address,
          sinkName: sink.name,
          mode: MIGRATION_MODE_WIRE.toWire(options.mode ?? 'full'),
          ...(options.compression && options.compression !== 'auto' ? { compression: COMPRESSION_WIRE.toWire(options.compression) } : {}),
        });
        for await (const m of serverStream(call, `move ${task}`)) {
          if (m.progress) options.onProgress?.(m.progress.phase, m.progress.pagesSent, m.progress.pagesTotal);
          if (m.stats) stats = m.stats;
        }
      } finally {
        c.close();
      }
      if (!stats) throw new MigvisorError(`move of ${task}: ${source.name} ended without statistics`);
      await this.store.setLocation(task, { node: sink.name, address: sink.address, state: 'running', snapshot: '', updatedUnixMs: Date.now() });
      return stats;
    } finally {
      await lock.release();
    }
  }

  /**
   * Moves every MigTask off `node`; yields one event per task. Targets are chosen
   * first, task by task (a slot promised to one task is not offered to the next);
   * refusals come at once; then the moves run together, as many at a time as the
   * source's `max_outbound` and the cluster's `max_cluster` let through (the
   * others wait their turn), and each is reported as it ends.
   */
  async *evacuate(node: string, mode: MigrationMode = 'full'): AsyncGenerator<EvacuateEvent> {
    const from = this.nodes.resolve(node);
    const tasks = (await this.tasksOn(from.address)).filter((t) => t.state === 'MigSource');
    const preferred = this.nodes.evacuateTo(from.name);
    const others = [...this.nodes.all().keys()].filter((n) => n !== from.name && !preferred.includes(n));
    const candidates = [...preferred, ...others];
    const targets = new TargetBook();
    const moves = new Map<string, Promise<EvacuateEvent>>();
    const src = migTaskClient(from.address);
    try {
      for (const t of tasks) {
        const mine = await unary(src.Info, src, { taskId: t.taskId }, `info ${t.taskId}`, 5000);
        if (!mine.slot?.migratable) {
          yield { task: t.taskId, to: '', status: 'refused', detail: `partition ${t.partition} is not migratable` };
          continue;
        }
        const reasons: string[] = [];
        let target: string | undefined;
        for (const name of candidates) {
          let info: InfoResponse__Output;
          try {
            info = await targets.info(name, t.partition, () => this.nodes.resolve(name).address);
          } catch (e: unknown) {
            reasons.push(e instanceof NotFoundError ? `${name}: not running` : `${name}: ${describeError(e)}`);
            continue;
          }
          const why =
            incompatibility({ ...endpointFromInfo(mine, from.name, t.partition), node: from.name, migratable: true }, { ...endpointFromInfo(info, name, t.partition), node: name }) ??
            planRefusal(mine.slot.requiredPlan || undefined, info.schedulePlans ?? [], name, t.partition) ??
            (MIG_STATE_WIRE.fromWire(info.slot?.state) !== 'MigSink' || targets.free(name, t.partition) <= 0 ? `no free slot in partition ${t.partition}` : undefined);
          if (why) reasons.push(`${name}: ${why.replace(`${from.name} is`, 'source is').replace(`${name} is`, 'it is')}`);
          else {
            target = name;
            targets.promise(name, t.partition);
            break;
          }
        }
        if (!target) {
          yield { task: t.taskId, to: '', status: 'refused', detail: `no compatible node (${reasons.join('; ') || 'no other node'})` };
          continue;
        }
        const to = target;
        moves.set(
          t.taskId,
          this.move(t.taskId, to, { from: from.name, mode }).then(
            (stats): EvacuateEvent => ({ task: t.taskId, to, status: 'moved', detail: `${MIGRATION_MODE_WIRE.fromWire(stats.mode) ?? stats.mode}, downtime ${stats.downtimeMs} ms`, stats }),
            (e: unknown): EvacuateEvent => ({ task: t.taskId, to, status: 'failed', detail: describeError(e) }),
          ),
        );
      }
    } finally {
      src.close();
    }
    // Each move as it ends (none rejects: a failure is an event).
    while (moves.size > 0) {
      const done = await Promise.race([...moves.values()]);
      moves.delete(done.task);
      yield done;
    }
  }
}

/** The targets of one evacuation: each node's Info for a partition (asked once), and the slots promised so far. */
class TargetBook {
  private readonly infos = new Map<string, InfoResponse__Output>();
  private readonly promised = new Map<string, number>();

  /** Node `name`'s Info for `partition` (`address` resolves it); a failure is the caller's, and asked again next time. */
  async info(name: string, partition: string, address: () => string): Promise<InfoResponse__Output> {
    const key = `${name}/${partition}`;
    const known = this.infos.get(key);
    if (known) return known;
    const c = migTaskClient(address());
    try {
      const info = await unary(c.Info, c, { partition }, `info on ${name}`, 5000);
      this.infos.set(key, info);
      return info;
    } finally {
      c.close();
    }
  }

  /** Slots of `partition` on `name` free when asked and not yet promised (0 before its Info was asked). */
  free(name: string, partition: string): number {
    const key = `${name}/${partition}`;
    return (this.infos.get(key)?.slot?.freeSlots ?? 0) - (this.promised.get(key) ?? 0);
  }

  /** One slot of `partition` on `name` goes to a task of this evacuation. */
  promise(name: string, partition: string): void {
    const key = `${name}/${partition}`;
    this.promised.set(key, (this.promised.get(key) ?? 0) + 1);
  }
}