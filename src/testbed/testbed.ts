/**
 * The testbed's faults and link changes over a {@link LiveCluster}: what
 * `migvisor fault` and `migvisor link` ask of `cluster up` (through the Testbed
 * gRPC service), and what a scenario's steps do in-process. Every change is
 * announced as a {@link TestbedEvent}, so a scenario's timeline shows it.
 */
import { Code, InvalidArgumentError, migTaskClient, MigvisorError, nodeClient, NotFoundError, unary } from '../common/index.ts';
import type { LinkProfile } from '../config/index.ts';
import type { LiveCluster } from './live-cluster.ts';
import type { LinkStatus } from './link.ts';
import type { CorruptSpec } from './network.ts';
import type { CutMode } from './relay.ts';
import type { FaultKind } from './fault-kinds.ts';
import { describeProfile } from './profile.ts';

/** A change the testbed made, for timelines. */
export type TestbedEvent =
  | { readonly kind: 'fault'; readonly fault: FaultKind; readonly target: string; readonly detail: string }
  | { readonly kind: 'link'; readonly between: readonly [string, string]; readonly change: 'set' | 'cut' | 'heal'; readonly profile: string };

/** Most messages fill-gate sends before it gives up on a gate that never fills. */
const FILL_LIMIT = 100_000;

/** Faults and link changes of a live cluster (see the file header). */
export class Testbed {
  /**
   * The undo of each `--for` fault still to come (heal, thaw, restart), by the
   * link or process it undoes: the next change to that link or process by hand
   * cancels it, so an old timer never ends a later cut or freeze.
   */
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    readonly cluster: LiveCluster,
    private readonly onEvent: (e: TestbedEvent) => void = () => {},
  ) {}

  /** Every link, configured ones first. */
  links(): LinkStatus[] {
    return this.cluster.network.status();
  }

  /** Changes a link's profile (absent fields unchanged; `bandwidth: undefined` present: unshaped). */
  setLink(a: string, b: string, change: Partial<LinkProfile>): LinkStatus {
    const profile = this.cluster.network.set(a, b, change);
    this.onEvent({ kind: 'link', between: [a, b], change: 'set', profile: describeProfile(profile) });
    return this.link(a, b);
  }

  /** Cuts a link; with `forMs`, heals it again after that long. */
  cut(a: string, b: string, mode: CutMode = 'reset', forMs = 0): LinkStatus {
    this.cluster.network.cut(a, b, mode);
    this.onEvent({ kind: 'link', between: [a, b], change: 'cut', profile: mode === 'blackhole' ? 'blackhole' : 'reset' });
    this.cancel(linkKey(a, b));
    if (forMs > 0) this.later(linkKey(a, b), forMs, () => this.heal(a, b));
    return this.link(a, b);
  }

  /** Heals a cut link. */
  heal(a: string, b: string): LinkStatus {
    this.cluster.network.heal(a, b);
    this.cancel(linkKey(a, b));
    this.onEvent({ kind: 'link', between: [a, b], change: 'heal', profile: describeProfile(this.cluster.network.profile(a, b)) });
    return this.link(a, b);
  }

  /** SIGKILL a process (a node, or `middleware`); with `forMs`, start it again after that long (a reboot). */
  async kill(process: string, forMs = 0): Promise<string> {
    const detail = await this.cluster.kill(process);
    this.fault(process === 'middleware' ? 'kill-middleware' : 'kill-node', process, forMs > 0 ? `${detail}; it restarts in ${forMs} ms` : detail);
    this.cancel(processKey(process));
    if (forMs > 0) this.later(processKey(process), forMs, () => this.restart(process).catch(() => undefined));
    return detail;
  }

  /** Starts a process again on its address. */
  async restart(process: string): Promise<string> {
    const detail = await this.cluster.restart(process);
    this.cancel(processKey(process));
    this.fault(process === 'middleware' ? 'restart-middleware' : 'restart-node', process, detail);
    return detail;
  }

  /** SIGSTOP a process, for `forMs` (0: until {@link thaw}). */
  freeze(process: string, forMs = 0): string {
    // The cluster's own timer is not used: the thaw must come through here, as an event.
    const detail = `${this.cluster.freeze(process)}${forMs > 0 ? ` for ${forMs} ms` : ''}`;
    this.fault('freeze', process, detail);
    this.cancel(processKey(process));
    if (forMs > 0) this.later(processKey(process), forMs, () => this.cluster.processes().find((p) => p.name === process)?.state === 'frozen' && this.thaw(process));
    return detail;
  }

  /** SIGCONT a frozen process. */
  thaw(process: string): string {
    const detail = this.cluster.thaw(process);
    this.cancel(processKey(process));
    this.fault('thaw', process, detail);
    return detail;
  }

  /** Corrupts the next bytes sent from `from` to `to`. */
  corrupt(from: string, to: string, what: CorruptSpec): string {
    if ('bytes' in what && !(Number.isInteger(what.bytes) && what.bytes >= 1 && what.bytes <= 1 << 20)) {
      throw new InvalidArgumentError(`bytes: 1 to 1048576, got ${what.bytes}`);
    }
    this.cluster.network.corrupt(from, to, what);
    const detail = 'bytes' in what ? `the next ${what.bytes} byte(s) from ${from} to ${to} will be corrupted` : `one byte of the next chunk from ${from} to ${to} will be corrupted`;
    this.fault('corrupt', `${from}->${to}`, detail);
    return detail;
  }

  /** Holds the next message sent from `from` to `to` for `ms` longer. */
  delay(from: string, to: string, ms: number): string {
    if (!(Number.isInteger(ms) && ms >= 1 && ms <= 600_000)) throw new InvalidArgumentError(`ms: 1 to 600000, got ${ms}`);
    this.cluster.network.delay(from, to, ms);
    const detail = `the next message from ${from} to ${to} is held ${ms} ms longer`;
    this.fault('delay', `${from}->${to}`, detail);
    return detail;
  }

  /** Sends one-byte messages into gate `gate` of node `node` until it is full. */
  async fillGate(node: string, gate: string): Promise<string> {
    const address = this.nodeAddress(node);
    const client = nodeClient(address);
    try {
      let sent = 0;
      for (; sent < FILL_LIMIT; sent++) {
        try {
          await unary(client.GateSend, client, { gate, message: Uint8Array.of(sent & 0xff) }, `GateSend to ${node}`);
        } catch (e: unknown) {
          if (e instanceof MigvisorError && e.code === Code.RESOURCE_EXHAUSTED) break;
          throw e;
        }
      }
      if (sent >= FILL_LIMIT) throw new MigvisorError(`gate ${gate} on ${node} took ${FILL_LIMIT} messages and is still not full`);
      const detail = `gate ${gate} on ${node} full after ${sent} more message(s)`;
      this.fault('fill-gate', node, detail);
      return detail;
    } finally {
      client.close();
    }
  }

  /** Declares the deadline of task `task`'s migration from `node` expired. */
  async expireDeadline(node: string, task: string): Promise<string> {
    const client = migTaskClient(this.nodeAddress(node));
    try {
      const r = await unary(client.CancelMigration, client, { taskId: task, reason: 'CANCEL_REASON_DEADLINE' }, `CancelMigration on ${node}`);
      if (!r.cancelled) throw new MigvisorError(`no migration of ${task} is in flight from ${node}`, Code.FAILED_PRECONDITION);
      const detail = `the deadline of migration ${r.migrationId} of ${task} expired (it was in phase ${String(r.phase).replace('MIGRATION_PHASE_', '').toLowerCase()})`;
      this.fault('expire-deadline', node, detail);
      return detail;
    } finally {
      client.close();
    }
  }

  /** Cancels the timers of `--for` faults. */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private nodeAddress(node: string): string {
    const address = this.cluster.endpoints().nodes[node];
    if (!address) throw new NotFoundError('node', node, `in the cluster (nodes: ${Object.keys(this.cluster.endpoints().nodes).join(', ')})`);
    return address;
  }

  private link(a: string, b: string): LinkStatus {
    const s = this.links().find((l) => (l.between[0] === a && l.between[1] === b) || (l.between[0] === b && l.between[1] === a));
    if (!s) throw new NotFoundError('link', `${a}<->${b}`);
    return s;
  }

  private fault(fault: FaultKind, target: string, detail: string): void {
    this.onEvent({ kind: 'fault', fault, target, detail });
  }

  /** Runs `f` in `ms`, as the undo of `key` (replacing an earlier one). */
  private later(key: string, ms: number, f: () => unknown): void {
    this.cancel(key);
    const t = setTimeout(() => {
      this.timers.delete(key);
      try {
        f();
      } catch {
        // the state changed meanwhile (healed or thawed by hand): nothing to undo
      }
    }, ms);
    this.timers.set(key, t);
  }

  /** Cancels the undo of `key`, if one is still to come. */
  private cancel(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }
}

/** The key of a link's pending undo (either order of its ends). */
function linkKey(a: string, b: string): string {
  return `link\u0000${[a, b].sort().join('\u0000')}`;
}

/** The key of a process's pending undo. */
function processKey(name: string): string {
  return `process\u0000${name}`;
}
