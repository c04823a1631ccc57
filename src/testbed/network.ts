/**
 * The plant network of a testbed: every ordered pair of distinct endpoints (node
 * processes, the middleware) gets a relay, whether its link is shaped or not, so
 * any link can be shaped, cut or tampered with at run time. An endpoint's route
 * table ({@link Network.routesFor}) sends each connection it opens to another
 * endpoint through the relay of that pair; both relays of a pair share the link's
 * two pipes.
 */
import { randomInt } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '../common/index.ts';
import { UNSHAPED } from '../config/index.ts';
import type { LinkDef, LinkProfile } from '../config/index.ts';
import { Link } from './link.ts';
import type { LinkStatus } from './link.ts';
import { Prng } from './prng.ts';
import { checkProfile, profileOf } from './profile.ts';
import { Relay } from './relay.ts';
import type { CutMode } from './relay.ts';

/** A process of the testbed: its name (a node's, or `middleware`) and its real address, host:port. */
export interface Endpoint {
  readonly name: string;
  readonly address: string;
}

/** How a network starts. */
export interface NetworkOptions {
  /** Seed of losses and jitter; without one a random seed is drawn (see {@link Network.seed}). */
  readonly seed?: number;
}

/** What to corrupt in one direction: the next `bytes` DATA payload bytes, or one byte in the middle of the next DATA frame of at least 1 KiB. */
export type CorruptSpec = { readonly bytes: number } | { readonly chunk: true };

/** Splits `host:port` (`[v6]:port` too); throws InvalidArgumentError naming `what` if it is not one. */
export function parseAddress(address: string, what: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`${what}: address ${JSON.stringify(address)} is not host:port`);
  }
  return { host, port };
}

/** The relays and links between a testbed's endpoints; see the file comment. */
export class Network {
  private readonly relays = new Map<string, Relay>();
  private readonly links = new Map<string, Link>();
  private closed = false;

  private constructor(
    /** The seed losses and jitter are drawn from. */
    readonly seed: number,
    private readonly endpoints: readonly Endpoint[],
  ) {}

  /**
   * Starts a relay for every ordered pair of distinct `endpoints`, each pair's
   * link shaped as `links` says (pairs not listed are unshaped). Throws
   * InvalidArgumentError for a duplicate endpoint or address, a bad address, a link of an
   * endpoint to itself, a pair described twice or a bad profile, and
   * NotFoundError for a link naming an unknown endpoint.
   */
  static async start(endpoints: readonly Endpoint[], links: readonly LinkDef[], options: NetworkOptions = {}): Promise<Network> {
    const names = new Set<string>();
    const addresses = new Map<string, string>();
    for (const e of endpoints) {
      if (e.name === '') throw new InvalidArgumentError('an endpoint needs a name');
      if (names.has(e.name)) throw new InvalidArgumentError(`endpoint ${JSON.stringify(e.name)} is listed twice`);
      names.add(e.name);
      parseAddress(e.address, `endpoint ${e.name}`);
      // Route tables are keyed by the target's address: two endpoints cannot share one.
      const other = addresses.get(e.address);
      if (other !== undefined) throw new InvalidArgumentError(`endpoints ${other} and ${e.name} have the same address ${e.address}`);
      addresses.set(e.address, e.name);
    }
    const seed = options.seed ?? randomInt(2 ** 32);
    const net = new Network(seed >>> 0, endpoints);
    const random = new Prng(net.seed);
    const described = new Map<string, LinkDef>();
    for (const def of links) {
      const [a, b] = def.between;
      net.known(a);
      net.known(b);
      net.distinct(a, b);
      const key = pairKey(a, b);
      if (described.has(key)) throw new InvalidArgumentError(`link between ${a} and ${b} is described twice`);
      checkProfile(def, `link ${a}<->${b}`);
      described.set(key, def);
    }
    try {
      for (const [i, a] of endpoints.entries()) {
        for (const b of endpoints.slice(i + 1)) {
          const def = described.get(pairKey(a.name, b.name));
          const link = new Link(def ? [def.between[0], def.between[1]] : [a.name, b.name], def ? profileOf(def) : UNSHAPED, random);
          net.links.set(pairKey(a.name, b.name), link);
          for (const [dialer, target] of [
            [a, b],
            [b, a],
          ] as const) {
            const relay = await Relay.start(link.relaySpec(dialer.name, parseAddress(target.address, `endpoint ${target.name}`)));
            link.adopt(relay);
            net.relays.set(relayKey(dialer.name, target.name), relay);
          }
        }
      }
    } catch (e) {
      await net.close();
      throw e;
    }
    return net;
  }

  /**
   * The route table of `dialer`: for every other endpoint, its real address
   * mapped to the address of the relay that carries `dialer`'s connections to it.
   */
  routesFor(dialer: string): Record<string, string> {
    this.known(dialer);
    const routes: Record<string, string> = {};
    for (const e of this.endpoints) if (e.name !== dialer) routes[e.address] = this.relay(dialer, e.name).address;
    return routes;
  }

  /** Where `dialer` connects to reach `target` through their link. */
  relayAddress(dialer: string, target: string): string {
    return this.relay(dialer, target).address;
  }

  /** The profile of the link between `a` and `b` (either order). */
  profile(a: string, b: string): LinkProfile {
    return this.link(a, b).profile;
  }

  /**
   * Changes the link between `a` and `b` at once, both directions, and returns
   * the new profile. `bandwidth: undefined` makes it unshaped; fields not given
   * keep their values. Throws InvalidArgumentError for a value a link cannot have.
   */
  set(a: string, b: string, change: Partial<LinkProfile>): LinkProfile {
    return this.link(a, b).set(change);
  }

  /**
   * Cuts the link between `a` and `b`: `reset` (the default) resets every
   * connection with an RST and each new one on arrival; `blackhole` lets nothing
   * through, keeping connections open and holding new ones, until {@link heal}.
   */
  cut(a: string, b: string, mode: CutMode = 'reset'): void {
    if (mode !== 'reset' && mode !== 'blackhole') throw new InvalidArgumentError(`a link is cut with reset or blackhole, not ${String(mode)}`);
    this.link(a, b).cut(mode);
  }

  /**
   * Brings the link between `a` and `b` back up; after a blackhole, what was held
   * goes on in order. Corrupt and delay faults armed on it and not yet taken are
   * dropped: a healed link carries bytes as its profile says.
   */
  heal(a: string, b: string): void {
    const link = this.link(a, b);
    link.heal();
    for (const end of link.between) {
      const { faults } = link.direction(end);
      faults.corruptBytes = 0;
      faults.chunk = false;
      faults.delayMs = undefined;
    }
  }

  /**
   * Corrupts bytes flowing `from` → `to` on whichever connection of that
   * direction carries them first: the next `bytes` DATA payload bytes (added to
   * any not yet used), or with `chunk` one byte in the middle of the next DATA
   * frame carrying at least 1 KiB.
   */
  corrupt(from: string, to: string, what: CorruptSpec): void {
    const { faults } = this.link(from, to).direction(from);
    if ('chunk' in what) {
      faults.chunk = true;
      return;
    }
    if (!Number.isSafeInteger(what.bytes) || what.bytes < 1) throw new InvalidArgumentError(`corrupt takes a positive whole number of bytes, not ${what.bytes}`);
    faults.corruptBytes += what.bytes;
  }

  /**
   * Holds the next non-empty DATA frame flowing `from` → `to` (on whichever
   * connection carries one first), and every byte after it on that connection,
   * `ms` longer than the link would; order is kept. A later call before it
   * happens replaces the duration.
   */
  delay(from: string, to: string, ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new InvalidArgumentError(`delay takes a non-negative number of milliseconds, not ${ms}`);
    this.link(from, to).direction(from).faults.delayMs = ms;
  }

  /** Drops every corrupt and delay fault armed and not yet taken, on every link (a scenario's next run starts clean). */
  disarm(): void {
    for (const l of this.links.values()) {
      for (const end of l.between) {
        const { faults } = l.direction(end);
        faults.corruptBytes = 0;
        faults.chunk = false;
        faults.delayMs = undefined;
      }
    }
  }

  /** Every link, in the order of the endpoints. */
  status(): LinkStatus[] {
    return [...this.links.values()].map((l) => l.status());
  }

  /** Closes every relay and connection; no timer is left behind. Closing twice does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.links.values()].map((l) => l.close()));
  }

  private known(name: string): void {
    if (!this.endpoints.some((e) => e.name === name)) {
      throw new NotFoundError('endpoint', name, `(endpoints: ${this.endpoints.map((e) => e.name).join(', ')})`);
    }
  }

  private distinct(a: string, b: string): void {
    if (a === b) throw new InvalidArgumentError(`a link joins two different endpoints, not ${a} to itself`);
  }

  private link(a: string, b: string): Link {
    this.known(a);
    this.known(b);
    this.distinct(a, b);
    return this.links.get(pairKey(a, b))!;
  }

  private relay(dialer: string, target: string): Relay {
    this.link(dialer, target);
    return this.relays.get(relayKey(dialer, target))!;
  }
}

function pairKey(a: string, b: string): string {
  return [a, b].sort().join('\u0000');
}

function relayKey(dialer: string, target: string): string {
  return `${dialer}\u0000${target}`;
}
