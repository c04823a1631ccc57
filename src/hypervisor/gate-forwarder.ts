/**
 * Forwarding records for gates whose receiver left the node (README, "Migration",
 * step 5: redirect): messages sent here keep arriving in the local queue, which becomes
 * an outbox that is pumped, in order, to the node the task went to (which may
 * forward them again). A message leaves the outbox only once the next node has
 * accepted it; a full or unreachable next node is retried, never dropped.
 */
import * as grpc from '@grpc/grpc-js';
import { Code, describeError, MigvisorError, nodeClient, systemClock, unary, type Clock, type NodeControlClient } from '../common/index.ts';
import type { GateQueue } from '../partition/index.ts';

/** Where a forwarded gate's messages go. */
export interface Route {
  readonly address: string;
  readonly name: string;
}

/** Longest wait between two attempts to hand a message on. */
const MAX_BACKOFF_MS = 1000;

/** Metadata marking a GateSend as forwarded by a node (not sent by a client). */
export const FORWARDED_BY = 'migvisor-forwarded-by';

/** Pumps the messages of forwarded gates, in order, to the nodes their receivers went to. */
export class GateForwarder {
  private readonly routes = new Map<string, Route>();
  private readonly pumping = new Set<string>();
  private readonly clients = new Map<string, NodeControlClient>();
  private closed = false;
  forwarded = 0;

  constructor(
    private readonly gate: (name: string) => GateQueue | undefined,
    private readonly report: (gate: string, detail: string) => void,
    /** This node's name, sent with every forwarded message. */
    private readonly self: string,
    /** Times the backoff between attempts. */
    private readonly clock: Clock = systemClock,
  ) {}

  /** Starts forwarding gate `name` to `route` (replacing an older route). */
  route(name: string, route: Route): void {
    this.routes.set(name, route);
    this.kick(name);
  }

  /** A receiver for the gate is here again: keep messages local. */
  unroute(name: string): void {
    this.routes.delete(name);
  }

  routeOf(name: string): Route | undefined {
    return this.routes.get(name);
  }

  get all(): ReadonlyMap<string, Route> {
    return this.routes;
  }

  /** A message arrived on `name`: pump it on if the gate is forwarded. */
  kick(name: string): void {
    if (this.closed || !this.routes.has(name) || this.pumping.has(name)) return;
    void this.pump(name);
  }

  private client(address: string): NodeControlClient {
    let c = this.clients.get(address);
    if (!c) {
      c = nodeClient(address);
      this.clients.set(address, c);
    }
    return c;
  }

  private async pump(name: string): Promise<void> {
    this.pumping.add(name);
    let backoff = 20;
    try {
      for (;;) {
        const route = this.routes.get(name);
        const q = this.gate(name);
        const msg = q?.peekFirst();
        if (this.closed || !route || !q || !msg) return;
        const c = this.client(route.address);
        // While the message is on its way nobody here may take it: if the task comes
        // back meanwhile, it must get the message once, from here or from there.
        q.reserve(msg);
        try {
          const md = new grpc.Metadata();
          md.set(FORWARDED_BY, this.self);
          await unary(c.GateSend, c, { gate: name, message: msg }, `forward ${name} to ${route.name}`, 5000, md);
          // Remove exactly the message sent, wherever it is now (carried messages may
          // have been put in front of it meanwhile).
          q.remove(msg);
          this.forwarded++;
          backoff = 20;
        } catch (e: unknown) {
          q.release(msg);
          const code = e instanceof MigvisorError ? e.code : Code.UNKNOWN;
          // FAILED_PRECONDITION: the receiver came back here; the route is gone or soon will be.
          const retry = [Code.RESOURCE_EXHAUSTED, Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.FAILED_PRECONDITION] as Code[];
          if (!retry.includes(code)) {
            this.report(name, `cannot forward to ${route.name}: ${describeError(e)}; messages stay queued here`);
            return;
          }
          await this.clock.sleep(backoff);
          backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
      }
    } finally {
      this.pumping.delete(name);
    }
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
