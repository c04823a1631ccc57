/**
 * A TCP proxy between a migration source and its sink, to inject network faults
 * deterministically. The source is told the proxy's address as the sink
 * (`migrate --to 127.0.0.1:PROXYPORT`); the proxy forwards to the real sink until
 * a test says otherwise:
 *
 * - {@link TcpProxy.holdAfter}: forward N more bytes client→server, then hold the
 *   rest (buffered, connections stay open): the transfer freezes mid-stream, at a
 *   point the test chooses, while both nodes still believe it is in progress;
 * - {@link TcpProxy.release}: forward what was held and go on normally;
 * - {@link TcpProxy.cut}: destroy every connection at once (both sides);
 * - {@link TcpProxy.delay}: forward each piece of data only after a delay, in
 *   order, in both directions (a slow link: HTTP/2 flow control then bounds the
 *   throughput by the round trip).
 *
 * When the server side of a connection goes away (the sink was killed), the
 * client side is destroyed too, as a real network would report a reset.
 */
import * as net from 'node:net';

interface Pipe {
  readonly client: net.Socket;
  readonly server: net.Socket;
  /** Client→server data held back (not yet given to the server side). */
  readonly held: Buffer[];
  /** Per direction, the last delayed write: later ones wait for it, so order is kept. */
  up: Promise<void>;
  down: Promise<void>;
  /** Per direction, when the link is free again (ms since the epoch; rate cap). */
  readonly free: { up: number; down: number };
}

export class TcpProxy {
  private readonly pipes = new Set<Pipe>();
  private budget = Infinity;
  private delayMs = 0;
  private bytesPerSecond = 0;
  private heldBytes = 0;
  private holdWaiters: (() => void)[] = [];
  private closed = false;
  /** Client→server bytes forwarded since the proxy started. */
  forwarded = 0;
  /** Connections accepted since the proxy started. */
  connections = 0;
  /** Sizes of the client→server reads, in order (to see where a stream's bytes go). */
  readonly reads: number[] = [];

  private constructor(
    private readonly server: net.Server,
    readonly address: string,
    private readonly target: { readonly host: string; readonly port: number },
  ) {}

  /** Listens on 127.0.0.1 (port 0) and forwards to `target` ("host:port"). */
  static async start(target: string): Promise<TcpProxy> {
    const i = target.lastIndexOf(':');
    const to = { host: target.slice(0, i), port: Number(target.slice(i + 1)) };
    let proxy: TcpProxy | undefined;
    const server = net.createServer((socket) => proxy?.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    proxy = new TcpProxy(server, `127.0.0.1:${port}`, to);
    return proxy;
  }

  /** Forwards `bytes` more client→server bytes (over all connections), then holds the rest. */
  holdAfter(bytes: number): void {
    this.budget = bytes;
  }

  /** True once data is being held back. */
  get holding(): boolean {
    return this.heldBytes > 0;
  }

  /** Resolves once the proxy holds data back (the transfer is frozen), or rejects after `ms`. */
  whenHolding(ms: number): Promise<void> {
    if (this.holding) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.holdWaiters = this.holdWaiters.filter((w) => w !== done);
        reject(new Error(`the proxy held no data within ${ms} ms (forwarded ${this.forwarded} bytes)`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.holdWaiters.push(done);
    });
  }

  /** Forwards everything held and stops holding. */
  release(): void {
    this.budget = Infinity;
    for (const p of this.pipes) this.flush(p);
  }

  /** Every piece of data waits `ms` before it is forwarded (0: no delay). */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  /**
   * Forwards at most `bytesPerSecond` per direction and connection (0: no cap), as
   * a slow link would: a piece goes once the ones before it had their time on the wire.
   */
  rate(bytesPerSecond: number): void {
    this.bytesPerSecond = bytesPerSecond;
  }

  /**
   * Destroys every open connection (both sides) and drops held data; the proxy
   * then forwards new connections normally again, as after a network blip.
   */
  cut(): void {
    for (const p of this.pipes) {
      p.client.destroy();
      p.server.destroy();
    }
    this.pipes.clear();
    this.budget = Infinity;
    this.heldBytes = 0;
  }

  /** Cuts everything and stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.closed) {
      client.destroy();
      return;
    }
    this.connections++;
    const server = net.connect(this.target.port, this.target.host);
    const pipe: Pipe = { client, server, held: [], up: Promise.resolve(), down: Promise.resolve(), free: { up: 0, down: 0 } };
    this.pipes.add(pipe);
    client.setNoDelay(true);
    server.setNoDelay(true);
    const drop = (): void => {
      if (!this.pipes.delete(pipe)) return;
      client.destroy();
      server.destroy();
    };
    client.on('error', drop).on('close', drop);
    server.on('error', drop).on('close', drop);
    client.on('data', (data: Buffer) => {
      this.reads.push(data.length);
      pipe.held.push(data);
      this.flush(pipe);
    });
    server.on('data', (data: Buffer) => this.later(pipe, 'down', data.length, () => client.destroyed || client.write(data)));
  }

  /** Forwards held client→server data within the budget; the rest stays held. */
  private flush(p: Pipe): void {
    while (p.held.length > 0 && this.budget > 0) {
      let data = p.held.shift()!;
      if (data.length > this.budget) {
        p.held.unshift(data.subarray(this.budget));
        data = data.subarray(0, this.budget);
      }
      this.budget -= data.length;
      this.forwarded += data.length;
      const piece = data;
      this.later(p, 'up', piece.length, () => p.server.destroyed || p.server.write(piece));
    }
    this.heldBytes = [...this.pipes].reduce((n, q) => n + q.held.reduce((m, b) => m + b.length, 0), 0);
    if (this.heldBytes > 0) {
      const waiters = this.holdWaiters;
      this.holdWaiters = [];
      for (const w of waiters) w();
    }
  }

  /**
   * Runs `fn` once the configured delay has passed since the data arrived, and
   * never before the earlier data of the same direction went (nor, with a rate
   * cap, before the earlier data's `bytes` would have crossed the link).
   */
  private later(p: Pipe, direction: 'up' | 'down', bytes: number, fn: () => void): void {
    const arrived = Date.now() + this.delayMs;
    const wire = this.bytesPerSecond > 0 ? (bytes * 1000) / this.bytesPerSecond : 0;
    const due = Math.max(arrived, p.free[direction]) + wire;
    p.free[direction] = due;
    p[direction] = p[direction].then(async () => {
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      fn();
    });
  }
}
