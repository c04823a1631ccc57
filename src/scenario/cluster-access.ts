/**
 * The runner's gRPC side: clients of the nodes and the middleware of a live
 * cluster (straight to their addresses, not through the links: the runner is
 * the test engineer's console, not a peer), and what it asks of them: start a
 * task, list slots, find a task, clear a node or the archive between runs.
 */
import * as fs from 'node:fs';
import { Code, MigvisorError, openClient, unary, wire, type MigTaskClient, type NodeControlClient } from '../common/index.ts';
import type { MiddlewareClient } from '../generated/migvisor/v1/Middleware.ts';
import type { SnapshotInfo__Output } from '../generated/migvisor/v1/SnapshotInfo.ts';
import type { TaskSummary__Output } from '../generated/migvisor/v1/TaskSummary.ts';
import type { LiveCluster } from '../testbed/index.ts';
import type { TaskDef } from './model.ts';

/** Slot states in which a node holds a task: running there, or stopped there by a migration in flight. */
const HELD = new Set(['MIG_STATE_MIG_SOURCE', 'MIG_STATE_TRANSFERRING', 'MIG_STATE_COMMITTING']);

/**
 * The runner's channels (its calls and its watchers) have subchannels of their
 * own, not grpc-js's shared pool, so that a client opened after a process
 * restarted does not inherit the reconnect backoff of one that tried the process
 * while it was down.
 */
export const OWN_CHANNEL = { 'grpc.use_local_subchannel_pool': 1 };

/** Deadline of the runner's unary calls (ms). */
const CALL_MS = 5000;

/** Where a task is now, as the nodes and the archive say. */
export interface Place {
  /** A node, or `middleware` (a parked snapshot). */
  readonly where: string;
  /** The slot's state (MIG_STATE_MIG_SOURCE, ...) or the snapshot's. */
  readonly state: string;
  /** The run state on a node (RUN_STATE_RUNNING, RUN_STATE_EXITED, ...). */
  readonly run?: string;
  readonly memoryHash?: string;
  readonly snapshot?: string;
}

/** Clients of one live cluster's processes (see the file header). */
export class ClusterAccess {
  private readonly nodes = new Map<string, { address: string; control: NodeControlClient; task: MigTaskClient }>();
  private mw: { address: string; client: MiddlewareClient } | undefined;

  constructor(readonly cluster: LiveCluster) {}

  /** The NodeControl client of node `name`. */
  control(name: string): NodeControlClient {
    return this.clients(name).control;
  }

  /** The MigTask client of node `name`. */
  migTask(name: string): MigTaskClient {
    return this.clients(name).task;
  }

  /** The middleware's client. */
  middleware(): MiddlewareClient {
    const address = this.cluster.endpoints().middleware;
    if (!address) throw new MigvisorError('the cluster has no middleware', Code.FAILED_PRECONDITION);
    if (this.mw?.address !== address) {
      this.mw?.client.close();
      this.mw = { address, client: openClient(wire().Middleware, address, OWN_CHANNEL) };
    }
    return this.mw.client;
  }

  /** Nodes whose process runs (not killed, not frozen). */
  runningNodes(): string[] {
    return this.cluster
      .processes()
      .filter((p) => p.kind === 'node' && p.state === 'running')
      .map((p) => p.name);
  }

  /** Starts `def` on its node; resolves with the task id. */
  async startTask(def: TaskDef): Promise<string> {
    const c = this.migTask(def.node);
    const source = fs.readFileSync(def.program, 'utf8');
    const r = await unary(
      c.Initialize,
      c,
      { partition: def.partition, programName: def.program.split('/').pop() ?? 'program', programSource: source, travelers: def.travelers, priority: def.priority },
      `Initialize ${def.name} on ${def.node}`,
      CALL_MS,
    );
    if (!r.task?.taskId) throw new MigvisorError(`${def.node} started ${def.name} but named no task id`);
    return r.task.taskId;
  }

  /** The slots of node `name`. */
  async ps(name: string, hashes = false): Promise<TaskSummary__Output[]> {
    const c = this.control(name);
    return (await unary(c.Ps, c, { hashes }, `Ps on ${name}`, CALL_MS)).tasks;
  }

  /** The archive's snapshots (every page). */
  async snapshots(): Promise<SnapshotInfo__Output[]> {
    const c = this.middleware();
    const out: SnapshotInfo__Output[] = [];
    let pageToken = '';
    for (let i = 0; i < 1000; i++) {
      const r = await unary(c.List, c, { pageToken, pageSize: 500 }, 'List', CALL_MS);
      out.push(...r.snapshots);
      pageToken = r.nextPageToken;
      if (!pageToken) break;
    }
    return out;
  }

  /** Every place task `taskId` is in: node slots holding it, and parked snapshots of it. */
  async locate(taskId: string, hashes = false): Promise<Place[]> {
    const places: Place[] = [];
    for (const node of this.runningNodes()) {
      const slots = await this.ps(node, hashes).catch(() => []);
      for (const s of slots) {
        // A sink's Receiving or Staged copy is not a place the task is: it runs only once committed.
        if (s.taskId !== taskId || !HELD.has(s.state)) continue;
        places.push({ where: node, state: s.state, run: s.run, ...(s.memoryHash ? { memoryHash: s.memoryHash } : {}) });
      }
    }
    if (this.cluster.endpoints().middleware && this.cluster.processes().find((p) => p.kind === 'middleware')?.state === 'running') {
      for (const s of await this.snapshots().catch(() => [])) {
        if (s.taskId === taskId && s.state === 'SNAPSHOT_STATE_PARKED') places.push({ where: 'middleware', state: s.state, snapshot: s.id });
      }
    }
    return places;
  }

  /** Kills every task on node `name`; false when some slot would not empty (the node must be restarted). */
  async clearNode(name: string): Promise<boolean> {
    const c = this.control(name);
    for (const s of await this.ps(name)) {
      if (!s.taskId || s.state === 'MIG_STATE_MIG_SINK') continue;
      try {
        await unary(c.Kill, c, { taskId: s.taskId }, `Kill on ${name}`, CALL_MS);
      } catch {
        return false;
      }
    }
    return (await this.ps(name)).every((s) => s.state === 'MIG_STATE_MIG_SINK');
  }

  /** Deletes every snapshot of the archive. */
  async clearArchive(): Promise<void> {
    const c = this.middleware();
    for (const s of await this.snapshots()) await unary(c.Delete, c, { snapshotId: s.id, force: true }, 'Delete', CALL_MS);
  }

  /**
   * Opens new channels to every running process and waits until they are
   * connected (at most {@link CALL_MS}). A process that was killed and started
   * again leaves a channel that tried it while it was down in its reconnect
   * backoff, where a call fails at once ("No connection established").
   */
  async ready(): Promise<void> {
    // New channels: the old ones may be in their reconnect backoff.
    this.close();
    const deadline = Date.now() + CALL_MS;
    const wait = (c: { waitForReady(deadline: number, cb: (e?: Error) => void): void }, what: string): Promise<void> =>
      new Promise((resolve, reject) => c.waitForReady(deadline, (e) => (e ? reject(new MigvisorError(`${what} did not answer within ${CALL_MS} ms: ${e.message}`, Code.UNAVAILABLE)) : resolve())));
    const waits = this.runningNodes().flatMap((name) => [wait(this.control(name), name), wait(this.migTask(name), name)]);
    if (this.cluster.endpoints().middleware && this.cluster.processes().find((p) => p.kind === 'middleware')?.state === 'running') waits.push(wait(this.middleware(), 'the middleware'));
    await Promise.all(waits);
  }

  /** Closes every client. */
  close(): void {
    for (const n of this.nodes.values()) {
      n.control.close();
      n.task.close();
    }
    this.nodes.clear();
    this.mw?.client.close();
    this.mw = undefined;
  }

  private clients(name: string): { control: NodeControlClient; task: MigTaskClient } {
    const address = this.cluster.address(name);
    let n = this.nodes.get(name);
    if (!n || n.address !== address) {
      n = { address, control: openClient(wire().NodeControl, address, OWN_CHANNEL), task: openClient(wire().MigTask, address, OWN_CHANNEL) };
      this.nodes.set(name, n);
    }
    return n;
  }
}
