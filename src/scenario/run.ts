/**
 * One run of a scenario on a live cluster: its links set, its tasks started,
 * its steps carried out in order (waiting for `at`, `after` and `wait`, each
 * bounded), every move, fault and link change recorded on a timeline, then the
 * expectations judged (see ./expectations.ts). The cluster is shared by the runs
 * of a campaign; ./campaign.ts resets it between them.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, describeError, MIGRATION_MODE_WIRE, MigvisorError, serverStream, toProtoJson, unary } from '../common/index.ts';
import { UNSHAPED, type LinkProfile } from '../config/index.ts';
import { Testbed, type TestbedEvent } from '../testbed/index.ts';
import type { ClusterAccess, Place } from './cluster-access.ts';
import { evaluate, type OrderedLine, type Reference } from './expectations.ts';
import { PHASE_ORDER, type Action, type MoveSpec, type Phase, type RunPlan, type Scenario, type Step, type Trigger } from './model.ts';
import { runMove, type MoveResult } from './moves.ts';
import { Observer } from './observe.ts';
import { referenceRun } from './reference.ts';
import type { FaultRecord, LinkChange, MoveRecord, Residence, RunReport, StepRecord } from './report-model.ts';

/** How often `running` triggers look where a task is (ms). */
const POLL_MS = 50;

interface TaskState {
  id?: string;
  /** Every id the task had (a cold restart gives it a new one); its console is theirs together. */
  ids: string[];
  /** A node, `middleware` (parked), or undefined (not started, or lost). */
  where?: string;
  snapshot?: string;
  lost: string[];
}

/** What a run needs of its campaign. */
export interface RunEnvironment {
  readonly scenario: Scenario;
  readonly access: ClusterAccess;
  /** Called with each step as it ends (progress output). */
  readonly onStep?: (s: StepRecord) => void;
  /** Aborts the run (Ctrl-C): it ends with verdict error. */
  readonly signal?: AbortSignal;
}

/** Carries out `plan` and judges it. */
export async function executeRun(plan: RunPlan, env: RunEnvironment): Promise<RunReport> {
  return new RunExecution(plan, env).execute();
}

class RunExecution {
  /** The run's start: once its links are set and its first tasks started (`at` counts from here). */
  private t0 = performance.now();
  private readonly observer = new Observer(this.t0);
  private readonly tasks = new Map<string, TaskState>();
  private readonly residences: { -readonly [K in keyof Residence]: Residence[K] }[] = [];
  private readonly moves: MoveRecord[] = [];
  private readonly faults: FaultRecord[] = [];
  private readonly linkChanges: LinkChange[] = [];
  private readonly steps: StepRecord[] = [];
  /** How many moves of each kind each `after` step has consumed, per task. */
  private readonly consumed = new Map<string, number>();
  private readonly testbed: Testbed;
  private readonly abort = new AbortController();

  constructor(
    private readonly plan: RunPlan,
    private readonly env: RunEnvironment,
  ) {
    this.testbed = new Testbed(env.access.cluster, (e) => this.onTestbed(e));
    env.signal?.addEventListener('abort', this.onCampaignAbort, { once: true });
    for (const t of plan.tasks) this.tasks.set(t.name, { ids: [], lost: [] });
  }

  /** The campaign's stop reaches this run (removed when the run ends: a campaign runs many). */
  private readonly onCampaignAbort = (): void => this.abort.abort(this.env.signal?.reason);

  private now(): number {
    return performance.now() - this.t0;
  }

  private get cluster() {
    return this.env.access.cluster;
  }

  async execute(): Promise<RunReport> {
    let error: string | undefined;
    const timer = setTimeout(() => this.abort.abort(new MigvisorError(`the run took longer than its timeout (${this.plan.timeoutMs} ms)`, Code.DEADLINE_EXCEEDED)), this.plan.timeoutMs);
    try {
      this.setLinks();
      for (const node of this.env.access.runningNodes()) this.observer.watch(node, this.cluster.address(node));
      for (const def of this.plan.tasks) if (def.atBegin) await this.start(def.name, false);
      this.t0 = performance.now();
      this.observer.rebase(this.t0);
      for (const def of this.plan.tasks) if (def.atBegin) this.reside(def.name, def.node, 'running', 0);
      for (const step of this.plan.steps) {
        if (this.abort.signal.aborted) break;
        await this.step(step);
      }
      if (!this.abort.signal.aborted) await this.sleep(this.plan.settleMs);
    } catch (e: unknown) {
      error = describeError(e);
    } finally {
      clearTimeout(timer);
      this.env.signal?.removeEventListener('abort', this.onCampaignAbort);
    }
    if (this.abort.signal.aborted && !error) error = describeError(this.abort.signal.reason);
    const durationMs = this.now();
    const report = await this.judge(error, durationMs);
    this.testbed.close();
    this.observer.close();
    return report;
  }

  // --- links ---------------------------------------------------------------

  /** Every link to the run's profile (or the cluster file's, or unshaped), healed. */
  private setLinks(): void {
    const key = (a: string, b: string): string => [a, b].sort().join('\u0000');
    const wanted = new Map<string, LinkProfile>();
    for (const l of this.env.scenario.cluster.links) wanted.set(key(...l.between), l);
    for (const l of this.plan.links) wanted.set(key(...l.between), l);
    const network = this.cluster.network;
    network.disarm();
    for (const s of network.status()) {
      const p = wanted.get(key(...s.between)) ?? UNSHAPED;
      if (s.state !== 'up') network.heal(...s.between);
      network.set(s.between[0], s.between[1], { bandwidth: p.bandwidth, latencyMs: p.latencyMs, jitterMs: p.jitterMs, loss: p.loss, lossMode: p.lossMode });
    }
  }

  // --- the timeline ----------------------------------------------------------

  /** The task is now at `lane` in `state` (the interval it was in ends now). */
  private reside(task: string, lane: string | undefined, state: Residence['state'], atMs = this.now()): void {
    const open = this.residences.find((r) => r.task === task && r.toMs === undefined);
    if (open) {
      if (open.lane === lane && open.state === state) return;
      open.toMs = Math.max(open.fromMs, atMs);
    }
    if (lane !== undefined) this.residences.push({ task, lane, fromMs: atMs, state });
  }

  private onTestbed(e: TestbedEvent): void {
    const atMs = this.now();
    if (e.kind === 'link') {
      this.linkChanges.push({ atMs, between: e.between, change: e.change, ...(e.profile ? { profile: e.profile } : {}) });
      return;
    }
    this.faults.push({ atMs, kind: e.fault, target: e.target, detail: e.detail });
    const on = (node: string): string[] => [...this.tasks].filter(([, t]) => t.where === node).map(([n]) => n);
    switch (e.fault) {
      case 'kill-node':
        this.observer.unwatch(e.target);
        for (const name of on(e.target)) {
          const t = this.tasks.get(name)!;
          t.lost.push(`${e.target} was killed while ${name} was on it`);
          t.where = undefined;
          this.reside(name, e.target, 'lost', atMs);
        }
        break;
      case 'restart-node':
        // A new process: its events are numbered from 1 again.
        this.observer.watch(e.target, this.cluster.address(e.target));
        break;
      case 'freeze':
        for (const name of on(e.target)) this.reside(name, e.target, 'stopped', atMs);
        break;
      case 'thaw':
        for (const name of on(e.target)) this.reside(name, e.target, 'running', atMs);
        break;
      default:
        break;
    }
  }

  // --- steps -------------------------------------------------------------

  private async step(step: Step): Promise<void> {
    const startMs = this.now();
    let ok = true;
    let error: string | undefined;
    const bound = new AbortController();
    const onRunAbort = (): void => bound.abort(this.abort.signal.reason);
    this.abort.signal.addEventListener('abort', onRunAbort, { once: true });
    const timer = setTimeout(() => bound.abort(new MigvisorError(`step timed out after ${step.timeoutMs} ms`, Code.DEADLINE_EXCEEDED)), step.timeoutMs);
    try {
      await abortable(
        (async () => {
          if (step.atMs !== undefined) await this.sleep(step.atMs - this.now(), bound.signal);
          if (step.after) await this.trigger(step.after, bound.signal);
          if (step.waitMs) await this.sleep(step.waitMs, bound.signal);
          if (step.action) {
            const failure = await this.act(step.action, bound.signal);
            if (failure) {
              ok = false;
              error = failure;
            }
          }
        })(),
        bound.signal,
      );
    } catch (e: unknown) {
      ok = false;
      error = describeError(e);
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', onRunAbort);
    }
    const record: StepRecord = { index: step.index, line: step.line, text: step.text, startMs, endMs: this.now(), ok, ...(error ? { error } : {}) };
    this.steps.push(record);
    this.env.onStep?.(record);
  }

  private sleep(ms: number, signal: AbortSignal = this.abort.signal): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return sleep(ms, undefined, { signal }).catch(() => {
      throw signal.reason;
    });
  }

  private async trigger(t: Trigger, signal: AbortSignal): Promise<void> {
    const state = this.tasks.get(t.task)!;
    switch (t.kind) {
      case 'console': {
        const ok = (): boolean => this.observer.lines.some((l) => state.ids.includes(l.task) && t.pattern.test(l.text));
        return this.observer.until(ok, 3_600_000, `console ${t.task} /${t.pattern.source}/`, signal);
      }
      case 'running':
      case 'settled':
        for (;;) {
          if (state.id) {
            const places = await this.env.access.locate(state.id).catch(() => [] as Place[]);
            const place = places.length === 1 ? places[0]! : undefined;
            const running = place?.state === 'MIG_STATE_MIG_SOURCE';
            if (place && (running || (t.kind === 'settled' && place.where === 'middleware'))) {
              state.where = place.where;
              if (place.snapshot) state.snapshot = place.snapshot;
              this.reside(t.task, place.where, running ? 'running' : 'parked');
              return;
            }
          }
          await this.sleep(POLL_MS, signal);
        }
      default: {
        const key = `${t.kind}\u0000${t.task}`;
        const wanted = (this.consumed.get(key) ?? 0) + 1;
        const matches = (): number =>
          this.moves.filter((m) => {
            if (m.task !== t.task) return false;
            if (t.kind === 'failed') return m.outcome !== 'completed';
            if (m.outcome !== 'completed') return false;
            if (t.kind === 'parked') return m.kind === 'park';
            if (t.kind === 'restored') return m.kind === 'restore';
            if (t.kind === 'migrated') return m.kind !== 'park' && m.kind !== 'restore';
            return true;
          }).length;
        await this.observer.until(() => matches() >= wanted, 3_600_000, `${t.kind} ${t.task}`, signal).catch(async (e: unknown) => {
          // Moves are recorded by steps, not by node events: check once more before giving up.
          if (matches() >= wanted) return;
          throw e;
        });
        this.consumed.set(key, wanted);
        return;
      }
    }
  }

  /** Does what the action says; resolves with why it failed, or undefined. */
  private async act(a: Action, signal: AbortSignal): Promise<string | undefined> {
    switch (a.type) {
      case 'start':
        await this.start(a.task);
        return undefined;
      case 'restart':
        await this.restartTask(a.task);
        return undefined;
      case 'move': {
        const r = await this.move(a.move, undefined, signal);
        return r.record.outcome === 'completed' ? undefined : `${r.record.code}: ${r.record.error}`;
      }
      case 'link': {
        const [x, y] = a.between;
        if (a.change === 'set') this.testbed.setLink(x, y, a.profile);
        else if (a.change === 'cut') this.testbed.cut(x, y, a.mode, a.forMs);
        else this.testbed.heal(x, y);
        return undefined;
      }
      case 'evacuate':
        return this.evacuate(a.node, a.mode);
      case 'fault': {
        if (!a.during) {
          await this.fault(a, undefined);
          return undefined;
        }
        const target = a.during.phase;
        let struck: Promise<void> | undefined;
        let strikeError: string | undefined;
        const r = await this.move(
          a.during.move,
          (phase) => {
            if (struck || PHASE_ORDER.indexOf(phase) < PHASE_ORDER.indexOf(target)) return;
            struck = this.fault(a, a.during!.move).catch((e: unknown) => {
              strikeError = describeError(e);
            });
          },
          signal,
        );
        await struck;
        if (!struck) return `the ${a.during.move.kind} ended (${r.record.outcome}) before phase ${target}: fault ${a.fault} was not injected`;
        if (strikeError) return `fault ${a.fault} failed: ${strikeError}`;
        return r.record.outcome === 'completed' ? undefined : `${r.record.code}: ${r.record.error}`;
      }
    }
  }

  private async start(name: string, record = true): Promise<void> {
    const def = this.plan.tasks.find((t) => t.name === name)!;
    const state = this.tasks.get(name)!;
    if (state.id) throw new MigvisorError(`task ${name} was started already`);
    state.id = await this.env.access.startTask(def);
    state.ids.push(state.id);
    state.where = def.node;
    if (record) this.reside(name, def.node, 'running');
  }

  /** Kills a task where it runs and starts its program anew there (a cold restart). */
  private async restartTask(name: string): Promise<void> {
    const def = this.plan.tasks.find((t) => t.name === name)!;
    const state = this.tasks.get(name)!;
    if (!state.id || !state.where || state.where === 'middleware') throw new MigvisorError(`task ${name} does not run on a node`, Code.FAILED_PRECONDITION);
    const node = state.where;
    const c = this.env.access.control(node);
    await unary(c.Kill, c, { taskId: state.id }, `Kill ${name} on ${node}`);
    state.id = await this.env.access.startTask({ ...def, node });
    state.ids.push(state.id);
    this.reside(name, node, 'running');
  }

  /** Makes a move of a task, keeping its place and the timeline up to date. */
  private async move(spec: MoveSpec, onPhase?: (phase: Phase) => void, signal?: AbortSignal): Promise<MoveResult> {
    const state = this.tasks.get(spec.task)!;
    if (!state.id) throw new MigvisorError(`task ${spec.task} has not been started`);
    const from = state.where;
    if (spec.kind === 'restore' ? from !== 'middleware' : from === undefined || from === 'middleware') {
      throw new MigvisorError(`task ${spec.task} is ${from === 'middleware' ? 'parked' : from === undefined ? 'nowhere (lost)' : `on ${from}`}: it cannot ${spec.kind === 'restore' ? 'be restored' : 'move'}`, Code.FAILED_PRECONDITION);
    }
    // A park's progress comes through the middleware, over the link from the node:
    // a link's latency late. The node's own event of the stop comes straight to the
    // runner, so a fault meant for the transfer strikes while the pages are on the link.
    let unsubscribe = (): void => {};
    if (spec.kind === 'park' && onPhase) {
      const id = state.id;
      unsubscribe = this.observer.subscribe((e) => {
        if (e.task === id && e.node === from && e.kind === 'migration' && e.step === 'stopped') {
          onPhase('stop');
          onPhase('transfer');
        }
      });
    }
    const r = await runMove(spec, {
      access: this.env.access,
      now: () => this.now(),
      taskName: spec.task,
      taskId: state.id,
      from: from ?? 'middleware',
      ...(state.snapshot ? { snapshot: state.snapshot } : {}),
      ...(onPhase ? { onPhase } : {}),
      ...(signal ? { signal } : {}),
    }).finally(unsubscribe);
    this.moves.push(r.record);
    const stopMs = r.record.phases.find((p) => p.phase === 'stop')?.atMs;
    if (r.record.outcome === 'completed') {
      const resumeMs = r.record.downtime?.toMs ?? r.record.endMs;
      if (stopMs !== undefined && spec.kind !== 'restore') this.reside(spec.task, from, 'stopped', stopMs);
      if (spec.kind === 'park') {
        state.where = 'middleware';
        state.snapshot = r.snapshot;
        this.reside(spec.task, 'middleware', 'parked', r.record.endMs);
      } else {
        state.where = spec.to;
        if (r.taskId && r.taskId !== state.id) {
          state.id = r.taskId;
          state.ids.push(r.taskId);
        }
        this.reside(spec.task, spec.to, 'running', spec.kind === 'restore' ? r.record.endMs : resumeMs);
        // A fault killed the sink while the move was under way: it was there by then, and died with it.
        const kill = this.faults.find((f) => f.kind === 'kill-node' && f.target === spec.to && f.atMs >= r.record.startMs);
        if (kill) {
          state.lost.push(`${spec.to} was killed as ${spec.task} arrived on it`);
          state.where = undefined;
          this.reside(spec.task, spec.to, 'lost', Math.max(resumeMs, kill.atMs));
        }
      }
      if (r.stats?.error) state.lost.push(`${spec.kind} ${from}->${spec.to}: ${r.stats.error}`);
      return r;
    }
    // It failed: find out where the task is now (it should run where it was).
    if (stopMs !== undefined && from !== 'middleware') this.reside(spec.task, from, 'stopped', stopMs);
    await this.relocate(spec.task);
    return r;
  }

  /** Asks the cluster where a task is and updates its place. */
  private async relocate(name: string): Promise<void> {
    const state = this.tasks.get(name)!;
    if (!state.id) return;
    const places = await this.env.access.locate(state.id).catch(() => [] as Place[]);
    const place = places[0];
    if (!place) {
      if (state.where !== undefined) state.lost.push(`no node holds ${name} after its failed move`);
      state.where = undefined;
      this.reside(name, undefined, 'lost');
      return;
    }
    state.where = place.where;
    if (place.where === 'middleware') {
      state.snapshot = place.snapshot;
      this.reside(name, 'middleware', 'parked');
    } else this.reside(name, place.where, place.state === 'MIG_STATE_MIG_SOURCE' ? 'running' : 'stopped');
  }

  private async fault(a: Extract<Action, { type: 'fault' }>, during: MoveSpec | undefined): Promise<void> {
    const t = a.target;
    const tb = this.testbed;
    switch (a.fault) {
      case 'kill-node':
      case 'kill-middleware':
        await tb.kill(t.process!, t.forMs ?? 0);
        return;
      case 'restart-node':
      case 'restart-middleware':
        await tb.restart(t.process!);
        return;
      case 'freeze':
        tb.freeze(t.process!, t.forMs ?? 0);
        return;
      case 'thaw':
        tb.thaw(t.process!);
        return;
      case 'cut':
        tb.cut(t.between![0], t.between![1], t.mode ?? 'reset', t.forMs ?? 0);
        return;
      case 'heal':
        tb.heal(t.between![0], t.between![1]);
        return;
      case 'corrupt':
        tb.corrupt(t.from!, t.to!, t.corrupt!);
        return;
      case 'delay':
        tb.delay(t.from!, t.to!, t.byMs!);
        return;
      case 'fill-gate':
        await tb.fillGate(t.process!, t.gate!);
        return;
      case 'expire-deadline': {
        const name = t.task ?? during?.task;
        const state = name ? this.tasks.get(name) : undefined;
        if (!state?.id || !state.where || state.where === 'middleware') throw new MigvisorError(`task ${name} is not on a node`);
        await tb.expireDeadline(state.where, state.id);
        return;
      }
    }
  }

  private async evacuate(node: string, mode: MoveSpec['kind']): Promise<string | undefined> {
    const c = this.env.access.middleware();
    const startMs = this.now();
    const byId = new Map([...this.tasks].filter(([, t]) => t.id).map(([name, t]) => [t.id!, name]));
    const failures: string[] = [];
    for await (const m of serverStream(c.Evacuate({ node, mode: MIGRATION_MODE_WIRE.toWire(mode as 'full') }), `evacuate ${node}`)) {
      const name = byId.get(m.taskId);
      const status = String(m.status).replace('EVACUATE_STATUS_', '').toLowerCase();
      if (status !== 'moved') failures.push(`${name ?? m.taskId}: ${status}: ${m.detail}`);
      if (!name) continue;
      const endMs = this.now();
      const state = this.tasks.get(name)!;
      const record: MoveRecord = {
        task: name,
        kind: mode as MoveRecord['kind'],
        from: node,
        to: m.to || node,
        startMs,
        endMs,
        phases: [],
        outcome: status === 'moved' ? 'completed' : status === 'refused' ? 'refused' : 'failed',
        ...(status !== 'moved' ? { code: status === 'refused' ? 'FAILED_PRECONDITION' : 'UNAVAILABLE', error: m.detail } : {}),
        ...(m.stats ? { stats: toProtoJson('MigrationStats', m.stats) as Record<string, unknown> } : {}),
        ...(m.stats && m.stats.downtimeMs > 0 ? { downtime: { fromMs: endMs - m.stats.downtimeMs, toMs: endMs } } : {}),
      };
      this.moves.push(record);
      if (status === 'moved') {
        state.where = m.to;
        this.reside(name, m.to, 'running');
      }
    }
    return failures.length ? `evacuation of ${node} left ${failures.length} task(s): ${failures.join('; ')}` : undefined;
  }

  // --- the verdict -----------------------------------------------------------

  private async judge(error: string | undefined, durationMs: number): Promise<RunReport> {
    const places = new Map<string, Place[]>();
    const ended = new Map<string, boolean>();
    for (const [name, t] of this.tasks) {
      const p = t.id ? await this.env.access.locate(t.id, true).catch(() => [] as Place[]) : [];
      places.set(name, p);
      ended.set(name, p.length === 1 && (p[0]?.run === 'RUN_STATE_EXITED' || p[0]?.run === 'RUN_STATE_FAULTED'));
      for (const e of this.observer.events) {
        if (e.task === t.id && e.kind === 'migration' && e.step === 'residual-lost') t.lost.push(`${e.node}: ${e.detail}`);
      }
    }
    const references = new Map<string, Reference>();
    for (const e of this.plan.expect) {
      if (e.kind !== 'transparent' || references.has(e.task)) continue;
      const def = this.plan.tasks.find((x) => x.name === e.task)!;
      const node = this.env.scenario.cluster.nodes.find((n) => n.name === def.node)!;
      const ticks = ended.get(e.task) ? Number.MAX_SAFE_INTEGER : Math.ceil((durationMs * 1000) / node.tickUs) + 1000;
      references.set(e.task, referenceRun(this.env.scenario.cluster, def, ticks, this.plan.seed));
    }
    const expectations = evaluate(this.plan, {
      lines: (task) => this.ordered(task),
      moves: (task) => this.moves.filter((m) => m.task === task),
      places: (task) => places.get(task) ?? [],
      lost: (task) => this.tasks.get(task)?.lost ?? [],
      reference: (task) => references.get(task),
      ended: (task) => ended.get(task) ?? false,
      steps: this.steps,
      endMs: durationMs,
    });
    const failed = expectations.some((x) => x.verdict === 'failed');
    const lanes = [...this.env.scenario.cluster.nodes.map((n) => n.name), ...(this.env.scenario.cluster.middleware ? ['middleware'] : [])];
    return {
      name: this.plan.name,
      params: this.plan.params,
      verdict: error ? 'error' : failed ? 'failed' : 'passed',
      ...(error ? { error } : {}),
      durationMs,
      seed: this.plan.seed,
      lanes,
      tasks: this.plan.tasks.map((t) => t.name),
      residences: this.residences.map((r) => ({ ...r })),
      moves: this.moves,
      faults: this.faults,
      links: this.linkChanges,
      steps: this.steps,
      expectations,
    };
  }

  /** A task's console in the order it printed: by the residence each line belongs to, then by its number on its node. */
  private ordered(name: string): OrderedLine[] {
    const ids = this.tasks.get(name)?.ids ?? [];
    if (ids.length === 0) return [];
    const stays = this.residences.filter((r) => r.task === name && r.lane !== 'middleware');
    const stayOf = (node: string, atMs: number): number => {
      let best = -1;
      stays.forEach((r, i) => {
        if (r.lane === node && r.fromMs - 100 <= atMs) best = i;
      });
      return best;
    };
    return this.observer.lines
      .filter((l) => ids.includes(l.task))
      .map((l) => ({ l, stay: stayOf(l.node, l.atMs) }))
      .sort((a, b) => a.stay - b.stay || a.l.generation - b.l.generation || (a.l.node === b.l.node ? a.l.seq - b.l.seq : a.l.atMs - b.l.atMs))
      .map(({ l }) => ({ text: l.text, node: l.node, atMs: l.atMs }));
  }
}

/** `p`, or the signal's reason as soon as it aborts. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
