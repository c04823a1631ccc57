/**
 * One link: an unordered pair of endpoints {a, b}, its profile, the two pipes of
 * its directions (a→b, b→a), the faults armed on each direction, and the two
 * relays (a dialing b, b dialing a) whose connections share those pipes: bytes
 * flowing a→b load pipe a→b whichever end opened their connection, so a sink's
 * page requests on its own connection share the link with the migration stream.
 */
import type { LinkProfile } from '../config/index.ts';
import { TamperFaults } from './http2-tamper.ts';
import { Pipe } from './pipe.ts';
import type { Prng } from './prng.ts';
import { describeProfile, mergeProfile } from './profile.ts';
import type { CutMode, Relay, RelaySpec } from './relay.ts';

/** A link's state: carrying bytes, cut with connections reset, or a blackhole. */
export type LinkState = 'up' | 'cut' | 'blackhole';

/** What one direction of a link has carried. */
export interface DirectionStatus {
  readonly from: string;
  readonly to: string;
  /** Bytes delivered. */
  readonly bytes: number;
  /** Segments lost (every lost transmission counts). */
  readonly lostSegments: number;
  /** DATA payload bytes corrupted on purpose. */
  readonly corruptedBytes: number;
  /** Bytes read and not yet transmitted, now. */
  readonly queuedBytes: number;
  /** Bytes transmitted and not yet delivered, now. */
  readonly inFlightBytes: number;
}

/** A link as it is now, and what it has done since the network started. */
export interface LinkStatus {
  /** The two endpoints, in the order the link was described (or the endpoints were listed). */
  readonly between: readonly [string, string];
  readonly profile: LinkProfile;
  /** The profile in words, e.g. `100Mbit 5ms`, or `unshaped`. */
  readonly description: string;
  readonly state: LinkState;
  /** between[0]→between[1], then between[1]→between[0]. */
  readonly directions: readonly [DirectionStatus, DirectionStatus];
  /** Connections either end opened through the link: open now, and in all. */
  readonly connections: { readonly open: number; readonly total: number };
  /** Connections the link reset (cut, or a lost segment in drop mode). */
  readonly resets: number;
  /** Connections reset because their target refused them. */
  readonly refused: number;
}

/** One direction's pipe and armed faults. */
interface Direction {
  readonly from: string;
  readonly to: string;
  readonly pipe: Pipe;
  readonly faults: TamperFaults;
}

/** The pair's shared state; see the file comment. */
export class Link {
  private current: LinkProfile;
  private linkState: LinkState = 'up';
  private readonly forward: Direction;
  private readonly backward: Direction;
  private readonly relays: Relay[] = [];

  /** The link between `between[0]` and `between[1]` with `profile`, its directions drawing from forks of `random`. */
  constructor(
    readonly between: readonly [string, string],
    profile: LinkProfile,
    random: Prng,
  ) {
    this.current = profile;
    const [a, b] = between;
    const direction = (from: string, to: string): Direction => ({
      from,
      to,
      pipe: new Pipe(`${from}->${to}`, profile, random.fork(`${from}->${to}`)),
      faults: new TamperFaults(),
    });
    this.forward = direction(a, b);
    this.backward = direction(b, a);
  }

  /** `a<->b`: the link in messages. */
  get name(): string {
    return `${this.between[0]}<->${this.between[1]}`;
  }

  /** The profile in force. */
  get profile(): LinkProfile {
    return this.current;
  }

  /** Up, cut or blackhole. */
  get state(): LinkState {
    return this.linkState;
  }

  /** What a relay of `dialer` (one end of this link) to the other end, at `target`, carries its bytes through. */
  relaySpec(dialer: string, target: { readonly host: string; readonly port: number }): RelaySpec {
    const up = this.direction(dialer);
    const down = up === this.forward ? this.backward : this.forward;
    return { name: `${up.from}->${up.to}`, target, up: up.pipe, down: down.pipe, upFaults: up.faults, downFaults: down.faults };
  }

  /** Adopts a relay started from {@link relaySpec}: the link cuts, heals and closes it. */
  adopt(relay: Relay): void {
    this.relays.push(relay);
  }

  /** Applies `change` to the profile at once (both directions) and returns the new profile. */
  set(change: Partial<LinkProfile>): LinkProfile {
    this.current = mergeProfile(this.current, change, `link ${this.name}`);
    this.forward.pipe.setProfile(this.current);
    this.backward.pipe.setProfile(this.current);
    return this.current;
  }

  /** Cuts the link: `reset` resets every connection (and new ones), `blackhole` lets nothing through. */
  cut(mode: CutMode): void {
    const pipes = [this.forward.pipe, this.backward.pipe];
    if (mode === 'blackhole') for (const p of pipes) p.hold();
    for (const r of this.relays) r.cut(mode);
    if (mode === 'reset') for (const p of pipes) p.release();
    this.linkState = mode === 'reset' ? 'cut' : 'blackhole';
  }

  /** Back up; after a blackhole, held connections connect and held bytes go on in order. */
  heal(): void {
    for (const r of this.relays) r.heal();
    this.forward.pipe.release();
    this.backward.pipe.release();
    this.linkState = 'up';
  }

  /** The pipe and faults of the direction from `from` to the other end. */
  direction(from: string): Direction {
    return from === this.between[0] ? this.forward : this.backward;
  }

  /** The link now. */
  status(): LinkStatus {
    const dir = (d: Direction): DirectionStatus => ({
      from: d.from,
      to: d.to,
      bytes: d.pipe.counters.bytes,
      lostSegments: d.pipe.counters.lostSegments,
      corruptedBytes: d.pipe.counters.corruptedBytes,
      queuedBytes: d.pipe.queuedBytes,
      inFlightBytes: d.pipe.inFlightBytes,
    });
    const sum = (key: 'open' | 'total' | 'resets' | 'refused'): number => this.relays.reduce((n, r) => n + r.counters[key], 0);
    return {
      between: this.between,
      profile: this.current,
      description: describeProfile(this.current),
      state: this.linkState,
      directions: [dir(this.forward), dir(this.backward)],
      connections: { open: sum('open'), total: sum('total') },
      resets: sum('resets'),
      refused: sum('refused'),
    };
  }

  /** Closes both relays (and their connections) and both pipes. */
  async close(): Promise<void> {
    await Promise.all(this.relays.map((r) => r.close()));
    this.forward.pipe.close();
    this.backward.pipe.close();
  }
}
