/**
 * A node's gates: the bounded queues of its gate providers, and how their
 * messages follow a task that moves. Messages queued for a task when it stops
 * travel in its container; later ones are forwarded to where it went (a
 * forwarding record, GateForwarder); a message never overtakes another, is never
 * lost and never arrives twice, even when the task comes back.
 */
import { Code, MigvisorError, NotFoundError, type Clock } from '../common/index.ts';
import type { GateProviderDef } from '../config/index.ts';
import type { GateMessages, MigTask, TaskGates } from '../migtask/index.ts';
import { GateQueue, SysCallError, SysError } from '../partition/index.ts';
import { GateForwarder, type Route } from './gate-forwarder.ts';

/** A node's gate queues and the forwarding of their messages (TaskGates for the migration protocols). */
export class NodeGates implements TaskGates {
  private readonly queues = new Map<string, GateQueue>();
  /** Forwarding records of gates whose receiver left this node. */
  readonly forwarder: GateForwarder;

  constructor(
    private readonly node: string,
    /** The node's task slots (whose tasks receive on the gates). */
    private readonly slots: readonly MigTask[],
    /** Reports a message that cannot be forwarded. */
    report: (gate: string, detail: string) => void,
    clock: Clock,
  ) {
    this.forwarder = new GateForwarder((name) => this.queues.get(name), report, node, clock);
  }

  /** Creates the queue of a gate provider (once per node, whichever partitions use it). */
  add(def: GateProviderDef): void {
    if (this.queues.has(def.name)) return;
    const q = new GateQueue(def.name, def.capacity, def.messageSize);
    q.onMessage = () => this.forwarder.kick(def.name);
    this.queues.set(def.name, q);
  }

  queue(name: string): GateQueue | undefined {
    return this.queues.get(name);
  }

  /** Every gate queue of the node. */
  all(): GateQueue[] {
    return [...this.queues.values()];
  }

  /** Gates forwarded away, and the node each one goes to. */
  get routes(): { gate: string; node: string }[] {
    return [...this.forwarder.all].map(([gate, r]) => ({ gate, node: r.name }));
  }

  /**
   * Gates whose messages belong to `task`: its partition receives on them and no
   * other task of the partition is left here to do so.
   */
  receivedBy(task: MigTask): string[] {
    const others = this.slots.some((s) => s !== task && s.partition === task.partition && s.state === 'MigSource');
    if (others) return [];
    return [...task.partition.gates].filter(([, r]) => r.receive).map(([name]) => name);
  }

  take(gates: readonly string[]): GateMessages[] {
    return gates.map((gate) => ({ gate, messages: this.queues.get(gate)?.drain() ?? [] })).filter((g) => g.messages.length > 0);
  }

  restore(carried: readonly GateMessages[]): void {
    for (const g of carried) this.queues.get(g.gate)?.prepend(g.messages);
  }

  accept(carried: readonly GateMessages[], gates: readonly string[]): void {
    for (const g of gates) this.forwarder.unroute(g);
    for (const g of carried) this.queues.get(g.gate)?.prepend(g.messages);
  }

  forward(gates: readonly string[], address: string, name: string): void {
    const route: Route = { address, name };
    for (const g of gates) this.forwarder.route(g, route);
  }

  /** A receiver started here: its gates' messages stay here instead of following an old task. */
  receiverStarted(task: MigTask): void {
    for (const g of this.receivedBy(task)) this.forwarder.unroute(g);
  }

  /**
   * Whether the task receiving on `gate` here is being moved away (stopped). Gate
   * messages forwarded from other nodes are refused meanwhile (their sender keeps
   * them and retries), so they cannot overtake the ones travelling with the task.
   */
  private receiverMoving(gate: string): boolean {
    return this.slots.some((s) => (s.state === 'Transferring' || s.state === 'Committing') && s.partition.gates.get(gate)?.receive === true);
  }

  /**
   * GateSend: puts a message on a gate, from a client or forwarded by node
   * `forwardedBy`. A forwarded message is refused (its sender keeps it and retries)
   * while the receiver moves away, and when it bounces back to where the receiver
   * now is.
   */
  deliver(name: string, message: Uint8Array, forwardedBy?: string): { queued: number; deliveredTo: string } {
    const gate = this.queues.get(name);
    if (!gate) throw new NotFoundError('gate', name, `on node ${this.node}`);
    if (forwardedBy !== undefined) {
      if (this.receiverMoving(name)) {
        throw new MigvisorError(`gate ${name}: its receiver is moving away from ${this.node}; keep the message and retry`, Code.UNAVAILABLE);
      }
      if (this.forwarder.routeOf(name)?.name === forwardedBy) {
        throw new MigvisorError(`gate ${name}: its receiver is on ${forwardedBy} now; keep the message there`, Code.FAILED_PRECONDITION);
      }
    }
    try {
      gate.send(message);
    } catch (e: unknown) {
      if (e instanceof SysCallError) throw new MigvisorError(e.message, e.errno === SysError.E_FULL ? Code.RESOURCE_EXHAUSTED : Code.INVALID_ARGUMENT);
      throw e;
    }
    return { queued: gate.length, deliveredTo: this.node };
  }

  close(): void {
    this.forwarder.close();
  }
}
