/**
 * gRPC handler plumbing, written once for every server (the node's and the
 * middleware's), in the way grpc-js wires its method kinds through one path:
 * a unary adapter, a server-streaming adapter and a client-streaming adapter.
 * Each turns a plain async function into a handler, and every error leaves
 * through {@link toServiceError}, the one mapping to gRPC statuses. Every call
 * that ends is told to the process's {@link CallObserver} (its metrics), and the
 * cause of an internal error goes to the process's log.
 */
import type * as grpc from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import { toServiceError } from './grpc-errors.ts';
import type { StreamGuard } from './stream-guard.ts';
import { decoded } from './undecodable.ts';
import { log } from './log.ts';

/** Told of every call a server's handlers finish: its method (`migvisor.v1.MigTask/Info`), status code and duration. */
export type CallObserver = (method: string, code: grpc.status, seconds: number) => void;

let observer: CallObserver | undefined;

/** Installs the observer of every finished call of this process's servers (undefined: none). */
export function observeCalls(o: CallObserver | undefined): void {
  observer = o;
}

/** CANCELLED, as grpc-js numbers it (the adapters use grpc-js for types only). */
const CANCELLED = 1;

/** Starts timing a call; the returned function reports it, once, with its status code. */
function timed(call: { getPath(): string }): (code: grpc.status) => void {
  const t0 = performance.now();
  let done = false;
  return (code) => {
    if (done || !observer) return;
    done = true;
    observer(call.getPath().replace(/^\//, ''), code, (performance.now() - t0) / 1000);
  };
}

/** {@link toServiceError}, with the cause of an internal error logged under the call's method. */
function statusOf(e: unknown, call: { getPath(): string }): Partial<grpc.StatusObject> {
  return toServiceError(e, (msg) => log().error({ method: call.getPath().replace(/^\//, '') }, msg));
}

/** A unary method from a function of its request (and call, for metadata). */
export function unaryHandler<Req, Res>(fn: (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Res | Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, cb) => {
    const finish = timed(call);
    const fail = (e: unknown): void => {
      const s = statusOf(e, call);
      finish(s.code ?? 2);
      cb(s);
    };
    let reply: Res | Promise<Res>;
    try {
      reply = fn(decoded(call.request), call);
    } catch (e: unknown) {
      fail(e);
      return;
    }
    Promise.resolve(reply).then((r) => {
      finish(0);
      cb(null, r);
    }, fail);
  };
}

/** What a server-streaming method body writes to. */
export interface StreamOut<Res> {
  /** Sends a message, waiting for 'drain' when the transport asks; false when the call is over. */
  send(msg: Res): Promise<boolean>;
  /** Sends a message unless the client is behind (advisory progress); whether it went. */
  offer(msg: Res): boolean;
  /** Whether the client cancelled or the call ended. */
  readonly closed: boolean;
  /** Aborted when the client cancels or the call ends. */
  readonly signal: AbortSignal;
}

/**
 * A server-streaming method from a body that sends (or yields) its replies.
 * Writes honour backpressure; a cancelled call stops a yielding body (its
 * iterator is returned) and makes `send` resolve false; the call ends when the
 * body does, or with the body's error as its status.
 */
export function serverStreamHandler<Req, Res>(
  fn: (req: Req, out: StreamOut<Res>, call: grpc.ServerWritableStream<Req, Res>) => Promise<void> | AsyncIterable<Res>,
  track?: Set<grpc.ServerWritableStream<unknown, unknown>>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    const finish = timed(call);
    const ended = new AbortController();
    let behind = false;
    const end = (): void => {
      ended.abort();
      track?.delete(call as grpc.ServerWritableStream<unknown, unknown>);
    };
    call.on('cancelled', () => {
      finish(CANCELLED);
      end();
    });
    call.on('close', end);
    call.on('drain', () => (behind = false));
    track?.add(call as grpc.ServerWritableStream<unknown, unknown>);
    const out: StreamOut<Res> = {
      get closed() {
        return ended.signal.aborted || call.cancelled;
      },
      signal: ended.signal,
      offer(msg) {
        if (behind || this.closed) return false;
        behind = !call.write(msg);
        return true;
      },
      async send(msg) {
        if (this.closed) return false;
        if (!call.write(msg)) {
          behind = true;
          await new Promise<void>((resolve) => {
            const done = (): void => {
              call.off('drain', done);
              ended.signal.removeEventListener('abort', done);
              resolve();
            };
            call.once('drain', done);
            ended.signal.addEventListener('abort', done, { once: true });
          });
        }
        return !this.closed;
      },
    };
    const run = async (): Promise<void> => {
      const body = fn(decoded(call.request), out, call);
      if (isAsyncIterable(body)) {
        for await (const msg of body) if (!(await out.send(msg))) return;
      } else await body;
      finish(out.closed ? CANCELLED : 0);
      if (!out.closed) call.end();
    };
    run().catch((e: unknown) => {
      const s = statusOf(e, call);
      finish(out.closed ? CANCELLED : (s.code ?? 2));
      if (!out.closed) call.emit('error', s);
    });
  };
}

/**
 * A client-streaming method from a function of the request stream. With a
 * `guard`, the stream takes a place in the server's budget of inbound streams
 * (or is refused with RESOURCE_EXHAUSTED) and fails with DEADLINE_EXCEEDED when
 * the client sends nothing for the guard's idle timeout.
 */
export function clientStreamHandler<Req, Res>(
  fn: (requests: AsyncIterable<Req>, call: grpc.ServerReadableStream<Req, Res>) => Promise<Res>,
  guard?: StreamGuard,
): grpc.handleClientStreamingCall<Req, Res> {
  return (call, cb) => {
    const method = call.getPath?.().split('/').pop() || 'stream';
    const finish = timed(call);
    let release = (): void => {};
    const fail = (e: unknown): void => {
      release();
      const s = statusOf(e, call);
      finish(s.code ?? 2);
      cb(s);
    };
    let reply: Promise<Res>;
    try {
      let requests = call as AsyncIterable<Req>;
      if (guard) {
        release = guard.open(method);
        requests = guard.messages(call as unknown as AsyncIterable<Req> & { getPeer(): string }, method);
      }
      reply = fn(decodedAll(requests), call);
    } catch (e: unknown) {
      fail(e);
      return;
    }
    reply.then((r) => {
      release();
      finish(0);
      cb(null, r);
    }, fail);
  };
}

/** The messages of a client stream; one that did not decode ends it with INVALID_ARGUMENT. */
async function* decodedAll<T>(requests: AsyncIterable<T>): AsyncGenerator<T> {
  for await (const r of requests) yield decoded(r);
}

function isAsyncIterable<T>(x: unknown): x is AsyncIterable<T> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}
