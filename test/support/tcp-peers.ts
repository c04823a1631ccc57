/**
 * Raw TCP peers for the link specs: a server on 127.0.0.1 that
 * hands every connection to a handler, and the few things a test does with a
 * socket (connect, send a buffer with backpressure, read to the end, wait for a
 * reset), all bounded in time.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';

/** A TCP server on 127.0.0.1 whose open sockets {@link TcpServer.close} destroys. */
export interface TcpServer {
  readonly address: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: () => number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 or `port`) and gives each connection to `handler`. */
export async function tcpServer(handler: (socket: net.Socket) => void, port = 0): Promise<TcpServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.setNoDelay(true);
    handler(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const p = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${p}`,
    port: p,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects to `address` (host:port), with half-close allowed. */
export function connect(address: string): Promise<net.Socket> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)), allowHalfOpen: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

/** Writes `data` in pieces of `piece` bytes, waiting for 'drain' when the socket is full; ends it if `end`. */
export async function sendAll(socket: net.Socket, data: Buffer, piece = 64 * 1024, end = true): Promise<void> {
  for (let off = 0; off < data.length; off += piece) {
    if (socket.destroyed) throw new Error('socket destroyed while sending');
    if (!socket.write(data.subarray(off, off + piece))) {
      await new Promise<void>((resolve, reject) => {
        const fail = (e: Error): void => reject(e);
        socket.once('error', fail);
        socket.once('drain', () => {
          socket.off('error', fail);
          resolve();
        });
      });
    }
  }
  if (end) socket.end();
}

/** Everything `socket` reads until its end; rejects on an error or after `ms`. */
export function readAll(socket: net.Socket, ms = 20_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`no end within ${ms} ms (read ${parts.reduce((n, b) => n + b.length, 0)} bytes)`)), ms);
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts));
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Resolves with the error code `socket` fails with (e.g. ECONNRESET), or 'end'/'close' if it ends quietly; rejects after `ms`. */
export function failure(socket: net.Socket, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the socket neither failed nor ended within ${ms} ms`)), ms);
    const done = (what: string): void => {
      clearTimeout(timer);
      resolve(what);
    };
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    socket.once('end', () => done('end'));
    socket.once('close', () => done('close'));
    socket.resume();
  });
}

/** SHA-256 of `data`, hex. */
export function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Milliseconds from `t0` (performance.now()) to now. */
export function since(t0: number): number {
  return performance.now() - t0;
}
