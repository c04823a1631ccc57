/**
 * The relay of one ordered pair of endpoints (dialer → target): a TCP listener on
 * 127.0.0.1 that the dialer's route table points at instead of the target. Each
 * connection it accepts it connects on to the target's real address, anew each
 * time (the target may be down, or restart on the same port): a refused connect
 * resets the accepted socket, so a gRPC client sees UNAVAILABLE at once. The
 * dialer's bytes go through the pipe of the direction dialer→target, the
 * target's through the pipe of target→dialer. An HTTP/2 frame tracker reads
 * each direction where it enters the link (a delay holds the next DATA frame
 * there) and another where it leaves it (a corruption hits the next DATA bytes
 * to leave, even bytes already on the link when it was armed).
 *
 * A relay is up, or cut: `reset` destroys every connection with an RST and
 * resets new ones at once; `blackhole` lets nothing through (the link holds its
 * pipes) while connections stay open, and holds new ones unconnected. Healing a
 * blackhole connects what was held and lets the held bytes go, in order.
 *
 * The listening port is chosen at start and kept for the relay's whole life.
 */
import * as net from 'node:net';
import { Http2FrameTracker, TamperFaults } from './http2-tamper.ts';
import type { Flow, FlowPort, Pipe } from './pipe.ts';

/** How a link is cut: connections reset, or a blackhole where nothing passes. */
export type CutMode = 'reset' | 'blackhole';

/** A relay's state: up, or cut in one of the {@link CutMode}s. */
export type RelayState = 'up' | CutMode;

/** What a relay has seen since it started. */
export interface RelayCounters {
  /** Connections accepted and not yet closed. */
  open: number;
  /** Connections accepted. */
  total: number;
  /** Connections the link reset: by a cut, or by a lost segment in `drop` mode. */
  resets: number;
  /** Connections reset because the target refused them (it was down). */
  refused: number;
}

/** Where a relay forwards to and what it carries its bytes through. */
export interface RelaySpec {
  /** The pair, for messages, e.g. `field-a->field-b`. */
  readonly name: string;
  /** The target's real address. */
  readonly target: { readonly host: string; readonly port: number };
  /** The pipe of the direction dialer → target. */
  readonly up: Pipe;
  /** The pipe of the direction target → dialer. */
  readonly down: Pipe;
  /** The faults armed on the direction dialer → target. */
  readonly upFaults: TamperFaults;
  /** The faults armed on the direction target → dialer. */
  readonly downFaults: TamperFaults;
}

/** One ordered pair's listener and its connections; see the file comment. */
export class Relay {
  /** What the relay has seen. */
  readonly counters: RelayCounters = { open: 0, total: 0, resets: 0, refused: 0 };
  private readonly connections = new Set<Connection>();
  private current: RelayState = 'up';
  private closing = false;

  private constructor(
    readonly spec: RelaySpec,
    private readonly server: net.Server,
    /** `127.0.0.1:PORT`: where the dialer connects instead of the target. */
    readonly address: string,
  ) {}

  /** Listens on 127.0.0.1 (a port chosen now, kept until {@link close}) and relays as `spec` says. */
  static async start(spec: RelaySpec): Promise<Relay> {
    let relay: Relay | undefined;
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
      if (relay) relay.accept(socket);
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as net.AddressInfo).port;
    relay = new Relay(spec, server, `127.0.0.1:${port}`);
    return relay;
  }

  /** Up, or how it is cut. */
  get state(): RelayState {
    return this.current;
  }

  /**
   * Cuts the relay: `reset` resets every connection now and each new one on
   * arrival; `blackhole` holds new connections (the link holds the pipes, so the
   * open ones carry nothing).
   */
  cut(mode: CutMode): void {
    this.current = mode;
    if (mode === 'reset') for (const c of [...this.connections]) c.reset();
  }

  /** Back up: held connections are connected to the target. */
  heal(): void {
    const was = this.current;
    this.current = 'up';
    if (was === 'blackhole') for (const c of [...this.connections]) c.release();
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    this.closing = true;
    for (const c of [...this.connections]) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.counters.total++;
    socket.setNoDelay(true);
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.current === 'reset') {
      this.counters.resets++;
      socket.on('error', () => undefined);
      socket.resetAndDestroy();
      return;
    }
    this.counters.open++;
    const c = new Connection(this.spec, socket, {
      reset: () => this.counters.resets++,
      refused: () => this.counters.refused++,
      gone: () => {
        if (this.connections.delete(c)) this.counters.open--;
      },
    });
    this.connections.add(c);
    if (this.current === 'up') c.release();
  }
}

/** What a connection tells its relay. */
interface ConnectionEvents {
  /** The link reset it. */
  reset(): void;
  /** The target refused it. */
  refused(): void;
  /** Both sockets are closed. */
  gone(): void;
}

/** No fault: the tracker only follows the frames. */
const NO_FAULTS = new TamperFaults();

/** The corruption faults of `f` alone (the tracker takes what it uses from `f` itself). */
function corruptionOf(f: TamperFaults): TamperFaults {
  return {
    get corruptBytes() {
      return f.corruptBytes;
    },
    set corruptBytes(v: number) {
      f.corruptBytes = v;
    },
    get chunk() {
      return f.chunk;
    },
    set chunk(v: boolean) {
      f.chunk = v;
    },
    delayMs: undefined,
  };
}

/** The delay fault of `f` alone. */
function delayOf(f: TamperFaults): TamperFaults {
  return {
    corruptBytes: 0,
    chunk: false,
    get delayMs() {
      return f.delayMs;
    },
    set delayMs(v: number | undefined) {
      f.delayMs = v;
    },
  };
}

/** One accepted connection, its connection to the target, and its two flows. */
class Connection {
  private target: net.Socket | undefined;
  private up: Flow | undefined;
  private down: Flow | undefined;
  // Per direction, one tracker where the bytes enter the link (a delay holds them
  // there) and one where they leave it (a corruption hits bytes still on the
  // link, even those read before it was armed).
  private readonly upTracker = new Http2FrameTracker('client');
  private readonly downTracker = new Http2FrameTracker('server');
  private readonly upOut = new Http2FrameTracker('client');
  private readonly downOut = new Http2FrameTracker('server');
  private dialerClosed = false;
  private targetClosed = true;
  private finished = false;

  constructor(
    private readonly spec: RelaySpec,
    private readonly dialer: net.Socket,
    private readonly events: ConnectionEvents,
  ) {
    dialer.on('error', () => this.abort());
    dialer.on('close', () => {
      this.dialerClosed = true;
      // Nothing more can be delivered to the dialer; what it sent still goes on to the target.
      this.down?.close();
      if (this.up) this.up.end();
      else this.target?.destroy();
      this.settle();
    });
  }

  /** Connects to the target (now, or when a blackhole heals) and starts relaying. */
  release(): void {
    if (this.target || this.finished || this.dialerClosed) return;
    const { host, port } = this.spec.target;
    const target = net.connect({ host, port, allowHalfOpen: true, noDelay: true });
    this.target = target;
    this.targetClosed = false;
    let connected = false;
    target.on('error', () => {
      if (connected) this.abort();
      else if (!this.finished) {
        this.events.refused();
        this.resetBoth();
      }
    });
    target.on('close', () => {
      this.targetClosed = true;
      this.up?.close();
      this.down?.end();
      this.settle();
    });
    target.once('connect', () => {
      connected = true;
      if (this.finished) return;
      this.wire(target);
    });
  }

  /** The link resets the connection (a cut, a lost segment in drop mode): RST both ways. */
  reset(): void {
    if (this.finished) return;
    this.events.reset();
    this.resetBoth();
  }

  /** Closes both sockets quietly (the relay closes). */
  destroy(): void {
    this.closeFlows();
    this.dialer.destroy();
    this.target?.destroy();
  }

  private wire(target: net.Socket): void {
    const { dialer, spec } = this;
    target.setNoDelay(true);
    const port = (input: net.Socket, output: net.Socket, tracker: Http2FrameTracker, faults: TamperFaults, pipe: Pipe): FlowPort => ({
      write: (data) => {
        if (!tracker.opaque && (faults.corruptBytes > 0 || faults.chunk)) {
          const r = tracker.feed(data, corruptionOf(faults));
          if (r.corrupted > 0) pipe.counters.corruptedBytes += r.corrupted;
        } else if (!tracker.opaque) tracker.feed(data, NO_FAULTS);
        return output.write(data);
      },
      end: () => output.end(),
      pauseInput: () => input.pause(),
      resumeInput: () => input.resume(),
      reset: () => this.reset(),
    });
    const up = spec.up.open(port(dialer, target, this.upOut, spec.upFaults, spec.up));
    const down = spec.down.open(port(target, dialer, this.downOut, spec.downFaults, spec.down));
    this.up = up;
    this.down = down;
    dialer.on('data', (data: Buffer) => this.carry(data, up, this.upTracker, spec.upFaults));
    target.on('data', (data: Buffer) => this.carry(data, down, this.downTracker, spec.downFaults));
    dialer.on('end', () => up.end());
    target.on('end', () => down.end());
    dialer.on('drain', () => down.drained());
    target.on('drain', () => up.drained());
    dialer.resume();
  }

  private carry(data: Buffer, flow: Flow, tracker: Http2FrameTracker, faults: TamperFaults): void {
    if (!tracker.opaque) {
      const r = tracker.feed(data, delayOf(faults));
      if (r.delay) flow.holdFrom(r.delay.offset, r.delay.ms);
    }
    flow.push(data);
  }

  /** One socket failed (a reset from the peer, say): the other is reset too, as the network would. */
  private abort(): void {
    if (this.finished) return;
    this.resetBoth();
  }

  private resetBoth(): void {
    this.closeFlows();
    for (const s of [this.dialer, this.target]) {
      if (s && !s.destroyed) {
        s.on('error', () => undefined);
        s.resetAndDestroy();
      }
    }
  }

  private closeFlows(): void {
    this.finished = true;
    this.up?.close();
    this.down?.close();
  }

  /** Once both sockets are closed (a target never connected counts as closed), the connection is gone. */
  private settle(): void {
    if (!this.dialerClosed || !this.targetClosed) return;
    this.closeFlows();
    this.events.gone();
  }
}
