/**
 * What an operator can do from the dashboard (README, "Dashboard"): pause,
 * resume and migrate a task. Each is the same RPC the CLI's `pause`, `resume`
 * and `migrate` call, on the clients of the node's {@link NodeFeed}; a
 * migration's progress goes into the {@link ClusterView} as it streams back.
 */
import {
  Code,
  describeError,
  InvalidArgumentError,
  isOneOf,
  MIGRATION_MODE_WIRE,
  MIGRATION_MODES,
  MigvisorError,
  serverStream,
  unary,
} from '../common/index.ts';
import type { ClusterView } from './cluster-view.ts';
import type { NodeFeed } from './node-feed.ts';

/** What an action answered, for the page. */
export interface ActionResult {
  /** One line saying what was done. */
  readonly message: string;
}

/** The actions, on the feeds of the watched nodes. */
export class DashboardActions {
  constructor(
    private readonly feeds: ReadonlyMap<string, NodeFeed>,
    private readonly view: ClusterView,
  ) {}

  private feed(node: unknown, field: string): NodeFeed {
    if (typeof node !== 'string' || node === '') throw new InvalidArgumentError(`${field} must name a node`);
    const f = this.feeds.get(node);
    if (!f) throw new MigvisorError(`no node ${JSON.stringify(node)} on this dashboard (it watches ${[...this.feeds.keys()].join(', ')})`, Code.NOT_FOUND);
    return f;
  }

  private static task(task: unknown): string {
    if (typeof task !== 'string' || task === '') throw new InvalidArgumentError('task must be a task id');
    return task;
  }

  /** Pause or Resume `task` on `node`, as `migvisor pause|resume TASK --node NODE` does. */
  async pauseOrResume(verb: 'pause' | 'resume', body: { task?: unknown; node?: unknown }): Promise<ActionResult> {
    const task = DashboardActions.task(body.task);
    const f = this.feed(body.node, 'node');
    const c = f.control;
    const reply = await unary(verb === 'pause' ? c.Pause : c.Resume, c, { taskId: task }, `${verb} ${task} on ${f.target.name}`);
    await f.refresh();
    return { message: `${verb === 'pause' ? 'paused' : 'resumed'} ${task} on ${f.target.name} (${(reply.task?.run ?? '').replace('RUN_STATE_', '').toLowerCase()})` };
  }

  /** StopAndTransfer of `task` from `from` to `to` in `mode` (default full), as `migvisor migrate` does. */
  async migrate(body: { task?: unknown; from?: unknown; to?: unknown; mode?: unknown }): Promise<ActionResult> {
    const task = DashboardActions.task(body.task);
    const source = this.feed(body.from, 'from');
    const sink = this.feed(body.to, 'to');
    const mode = body.mode ?? 'full';
    if (typeof mode !== 'string' || !isOneOf(MIGRATION_MODES, mode)) throw new InvalidArgumentError(`mode must be one of ${MIGRATION_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
    if (source === sink) throw new InvalidArgumentError(`${task} is already on ${source.target.name}: pick another node`);
    const m = this.view.startMigration(task, source.target.name, sink.target.name, mode);
    const c = source.command;
    try {
      let totalMs: number | undefined;
      const call = c.StopAndTransfer({ taskId: task, sink: sink.target.address, sinkName: sink.target.name, mode: MIGRATION_MODE_WIRE.toWire(mode) });
      for await (const r of serverStream(call, `migrate ${task} from ${source.target.name} to ${sink.target.name}`)) {
        if (r.progress) this.view.progress(m, r.progress.phase.replace('MIGRATION_PHASE_', ''), Number(r.progress.pagesSent), Number(r.progress.pagesTotal), Number(r.progress.bytesSent));
        if (r.stats) totalMs = r.stats.totalMs;
      }
      if (totalMs === undefined) throw new MigvisorError(`migrate ${task}: the source ended without statistics`);
      this.view.endMigration(m, 'completed');
      await Promise.all([source.refresh(), sink.refresh()]);
      return { message: `migrated ${task} from ${source.target.name} to ${sink.target.name} (${mode}) in ${totalMs.toFixed(1)} ms` };
    } catch (e: unknown) {
      this.view.endMigration(m, /refused/i.test(describeError(e)) ? 'refused' : 'failed', describeError(e));
      throw e;
    }
  }
}
