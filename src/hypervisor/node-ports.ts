/**
 * A node's sampling ports (README, "Sampling ports"): one SamplingPort per port
 * granted to any of its partitions. A write by the port's source stores the
 * message here and pushes it to every other node of the cluster that has a
 * destination of the port (PortWrite), so a destination reads the latest message
 * wherever it runs, also after it migrated. Every node stamps a message with its
 * own tick when it arrives, so age and validity are always judged by the clock of
 * the node the reader runs on. Pushes are latest-wins: at most one is in flight
 * per port and peer, a newer message replaces one still waiting, and a failed
 * push is dropped (the next write supersedes it).
 */
import { InvalidArgumentError, NotFoundError, nodeClient, unary, type NodeControlClient } from '../common/index.ts';
import type { ClusterConfig, NodeDef } from '../config/index.ts';
import { SamplingPort, SysCallError, type SampledMessage } from '../partition/index.ts';

/** How long one push may take. */
const PUSH_DEADLINE_MS = 2000;
/** How long a peer that could not be found is not looked up again (its messages meanwhile are dropped). */
const LOOKUP_BACKOFF_MS = 1000;

/** Finds where a peer node serves (undefined: not known now). */
export type PeerResolver = (node: string) => string | undefined;

interface Outbox {
  inFlight: boolean;
  waiting: { message: Uint8Array; seq: number } | undefined;
}

/** The sampling ports of one node and the pushing of their messages to peers. */
export class NodePorts {
  private readonly ports = new Map<string, SamplingPort>();
  /** Peers with a destination, by port. */
  private readonly peers = new Map<string, string[]>();
  private readonly outboxes = new Map<string, Outbox>();
  private readonly clients = new Map<string, NodeControlClient>();
  private readonly addresses = new Map<string, string>();
  /** Peers not found, and when to look again (ms of `now`). */
  private readonly unknownUntil = new Map<string, number>();
  private resolver: PeerResolver | undefined;
  private seq = 0;
  private closed = false;
  /** Pushes that reached a peer, and that failed. */
  pushed = 0;
  pushFailures = 0;

  constructor(
    private readonly def: NodeDef,
    cluster: ClusterConfig,
    /** This node's current tick. */
    private readonly tick: () => number,
    /** Milliseconds, for the backoff of peer lookups. */
    private readonly now: () => number = Date.now,
  ) {
    for (const pdef of def.partitions) {
      for (const grant of pdef.providers) {
        const p = cluster.providers.get(grant.provider);
        if (p?.kind === 'sampling' && !this.ports.has(p.name)) this.ports.set(p.name, new SamplingPort(p.name, p.messageSize, p.refresh));
      }
    }
    for (const name of this.ports.keys()) {
      const readers = cluster.nodes.filter(
        (n) => n.name !== def.name && n.partitions.some((p) => p.providers.some((g) => g.provider === name && g.rights.includes('r'))),
      );
      this.peers.set(name, readers.map((n) => n.name));
    }
  }

  /** Lets writes reach other nodes (a node without one, e.g. in `simulate`, keeps its ports to itself). */
  connect(resolver: PeerResolver): void {
    this.resolver = resolver;
  }

  /** The node's port of that name. */
  port(name: string): SamplingPort | undefined {
    return this.ports.get(name);
  }

  /** Every port of the node. */
  get all(): readonly SamplingPort[] {
    return [...this.ports.values()];
  }

  /** A write by the port's source on this node: stored here now, pushed to the peers with destinations. */
  write(name: string, message: Uint8Array): void {
    const port = this.ports.get(name);
    if (!port) throw new NotFoundError('sampling port', name, `on node ${this.def.name}`);
    const seq = ++this.seq;
    port.write(message, this.tick(), this.def.name, seq);
    if (!this.resolver || this.closed) return;
    for (const peer of this.peers.get(name) ?? []) this.push(name, peer, { message: message.slice(), seq });
  }

  /** PortWrite: a message written on node `origin`; stamped with this node's tick. */
  accept(name: string, message: Uint8Array, origin: string, seq: number): { tick: number; stored: boolean } {
    const port = this.ports.get(name);
    if (!port) throw new NotFoundError('sampling port', name, `on node ${this.def.name}`);
    try {
      return { tick: this.tick(), stored: port.write(message, this.tick(), origin, seq) };
    } catch (e: unknown) {
      if (e instanceof SysCallError) throw new InvalidArgumentError(e.message);
      throw e;
    }
  }

  /** A read at this node's tick. */
  read(name: string): SampledMessage | undefined {
    return this.ports.get(name)?.read(this.tick());
  }

  private push(port: string, peer: string, m: { message: Uint8Array; seq: number }): void {
    const key = `${port}\u0000${peer}`;
    let box = this.outboxes.get(key);
    if (!box) {
      box = { inFlight: false, waiting: undefined };
      this.outboxes.set(key, box);
    }
    box.waiting = m;
    if (!box.inFlight) void this.pump(port, peer, box);
  }

  private async pump(port: string, peer: string, box: Outbox): Promise<void> {
    box.inFlight = true;
    try {
      while (box.waiting && !this.closed) {
        const m = box.waiting;
        box.waiting = undefined;
        const address = this.addressOf(peer);
        if (!address) {
          this.pushFailures++;
          continue;
        }
        try {
          const c = this.client(address);
          await unary(c.PortWrite, c, { port, message: m.message, sourceNode: this.def.name, seq: m.seq }, `sampling port ${port} to ${peer}`, PUSH_DEADLINE_MS);
          this.pushed++;
        } catch {
          this.pushFailures++;
          // The peer may have restarted elsewhere: look it up again next time.
          this.addresses.delete(peer);
        }
      }
    } finally {
      box.inFlight = false;
    }
  }

  private addressOf(peer: string): string | undefined {
    let a = this.addresses.get(peer);
    if (a !== undefined) return a;
    if ((this.unknownUntil.get(peer) ?? 0) > this.now()) return undefined;
    try {
      a = this.resolver?.(peer);
    } catch {
      a = undefined;
    }
    if (a !== undefined) {
      this.addresses.set(peer, a);
      this.unknownUntil.delete(peer);
    } else this.unknownUntil.set(peer, this.now() + LOOKUP_BACKOFF_MS);
    return a;
  }

  private client(address: string): NodeControlClient {
    let c = this.clients.get(address);
    if (!c) {
      c = nodeClient(address);
      this.clients.set(address, c);
    }
    return c;
  }

  /** Stops pushing and closes the channels to peers. */
  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
