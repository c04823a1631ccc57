/**
 * gRPC clients of the node services, as promises and async iterables, with
 * deadlines on every call and backpressure on client streams. Failures come back
 * as MigvisorErrors carrying the server's status code and message.
 */
import * as grpc from '@grpc/grpc-js';
import type { MigTaskClient } from '../generated/migvisor/v1/MigTask.ts';
import type { NodeControlClient } from '../generated/migvisor/v1/NodeControl.ts';
import { Code, MigvisorError } from './errors.ts';
import { fromServiceError, isServiceError } from './grpc-errors.ts';
import { openClient, probeTls } from './tls.ts';
import { wire } from './wire.ts';

export type { MigTaskClient, NodeControlClient };

/** Default deadline of a unary call. */
export const CALL_DEADLINE_MS = 10_000;

/** A grpc deadline `ms` from now. */
export function deadline(ms: number): grpc.Deadline {
  return new Date(Date.now() + ms);
}

/** A client of the MigTask command channel at `address` (host:port), through this process's route to it. */
export function migTaskClient(address: string): MigTaskClient {
  return openClient(wire().MigTask, address);
}

/** A client of a node's NodeControl service at `address` (host:port), through this process's route to it. */
export function nodeClient(address: string): NodeControlClient {
  return openClient(wire().NodeControl, address);
}

/**
 * The shape of a generated unary method as TypeScript sees an overloaded method
 * (its last overload), which lets Req and Res be inferred; it is called with options.
 */
type UnaryMethod<Req, Res> = (req: Req, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;
type WithOptions<Req, Res> = (req: Req, metadata: grpc.Metadata, options: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

/** Calls a unary method with a deadline. */
export function unary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  self: grpc.Client,
  req: Req,
  what: string,
  ms = CALL_DEADLINE_MS,
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    (method as unknown as WithOptions<Req, Res>).call(self, req, metadata, { deadline: deadline(ms) }, (err, res) => {
      if (err) explained(err, what, self).then(reject, reject);
      else resolve(res!);
    });
  });
}

/** A unary call opened ahead of its request (see {@link openUnary}). */
export interface PreparedUnary<Req, Res> {
  /** Sends the request and resolves with the reply; a call that failed before it was sent rejects with that failure. */
  send(req: Req): Promise<Res>;
  /** Whether the call already failed or was cancelled (its request was never sent). */
  readonly failed: boolean;
  /** Cancels a call whose request was never sent: the server never sees one (harmless after send). */
  cancel(): void;
}

/**
 * Opens a call of a unary method without its request: its stream (headers, the
 * deadline `ms` from now) goes on the wire at once, the request and end of stream
 * follow with {@link PreparedUnary.send}. On the wire it is the same unary call;
 * what it saves is the call's setup at the moment the request is due (a
 * migration's Commit, while the task is stopped). The server's handler runs only
 * once the request came, so a call cancelled before does nothing there.
 */
export function openUnary<Req, Res>(
  client: grpc.Client,
  method: { readonly path: string; readonly requestSerialize: (r: Req) => Buffer; readonly responseDeserialize: (b: Buffer) => Res },
  what: string,
  ms = CALL_DEADLINE_MS,
  metadata: grpc.Metadata = new grpc.Metadata(),
  onArrival = false,
): PreparedUnary<Req, Res> {
  let failed = false;
  let sent = false;
  let call!: grpc.ClientWritableStream<Req>;
  const reply = new Promise<Res>((resolve, reject) => {
    const early = callOptions(ms, onArrival, resolve);
    call = client.makeClientStreamRequest<Req, Res>(method.path, method.requestSerialize, method.responseDeserialize, metadata, early.options, (err, res) => {
      if (early.arrived) return;
      if (err) {
        failed = !sent;
        explained(err, what, client).then(reject, reject);
      } else resolve(res!);
    });
  });
  reply.catch(() => undefined);
  return {
    get failed() {
      return failed;
    },
    send(req: Req): Promise<Res> {
      if (!failed && !sent) {
        sent = true;
        call.write(req);
        call.end();
      }
      return reply;
    },
    cancel(): void {
      if (!sent) call.cancel();
    },
  };
}

/**
 * What a producer of a client stream's messages throws when the call ended
 * before it wrote them all: the call's own reply or status says why (clientStream
 * reports that, not this).
 */
export const CALL_ENDED = 'the call ended before its stream was written';

/** Messages written to a client stream and not yet handed to the transport, at most (bounds the memory of a fast producer). */
export const WRITE_AHEAD = 16;
/** Below this many such messages, a producer that waited writes again. */
const WRITE_RESUME = 8;

/**
 * Writes every item of `source` to a client stream, keeping at most
 * {@link WRITE_AHEAD} messages queued before the transport. A producer that
 * reached it resumes once the queue is down to half (each message's write
 * callback says when it was handed on), not only once it ran empty ('drain'),
 * so the transport never waits for the producer to refill it. `ended` settles
 * when the call is over (its reply or status arrived): a call that fails while
 * the writer waits would otherwise never let it go on.
 */
export async function writeAll<T>(call: grpc.ClientWritableStream<T>, source: AsyncIterable<T> | Iterable<T>, ended: Promise<unknown> = new Promise(() => {})): Promise<void> {
  let over = false;
  const stop = ended.then(
    () => (over = true),
    () => (over = true),
  );
  let queued = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const handedOn = (e?: Error | null): void => {
    queued--;
    if (e) failure ??= e;
    if (wake && (queued <= WRITE_RESUME || failure !== undefined)) {
      const w = wake;
      wake = undefined;
      w();
    }
  };
  // The next item is raced against the call's end: a producer that waits long
  // (a paced stream at a low rate) does not hold a call that ended, by its
  // deadline or the server's status, open on this side.
  const items = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
  const OVER = Symbol('over');
  // One reaction on `stop` for the whole call (a race per item would pile up one
  // reaction per message, all run at the call's end: inside a migration's downtime).
  let onOver: (() => void) | undefined;
  void stop.then(() => onOver?.());
  /** A next() still running when the call ended: the producer finishes it by itself (its own signal ends its wait). */
  let busy = false;
  try {
    for (;;) {
      const next = Promise.resolve(items.next());
      next.catch(() => undefined);
      const r = over
        ? OVER
        : await new Promise<IteratorResult<T> | typeof OVER>((resolve, reject) => {
            onOver = () => resolve(OVER);
            next.then(resolve, reject);
          });
      onOver = undefined;
      if (r === OVER) {
        busy = true;
        throw new Error(CALL_ENDED);
      }
      if (r.done) break;
      if (over) throw new Error(CALL_ENDED);
      queued++;
      call.write(r.value, handedOn);
      if (queued >= WRITE_AHEAD) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), stop]);
        wake = undefined;
        if (over) throw new Error(CALL_ENDED);
      }
      if (failure !== undefined) throw failure;
    }
    call.end();
  } catch (e: unknown) {
    call.cancel();
    // As for-await would: the producer's finally blocks run (at once when it waits at a yield).
    const closing = Promise.resolve(items.return?.()).catch(() => undefined);
    if (!busy) await closing;
    throw e;
  }
}

type ClientStreamMethod<Req, Res> = (cb: grpc.requestCallback<Res>) => grpc.ClientWritableStream<Req>;
type StreamWithOptions<Req, Res> = (metadata: grpc.Metadata, options: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientWritableStream<Req>;

/**
 * Call options that hand a call's reply message to `onReply` the moment it is
 * read, before the call's status: a grpc-js server writes the status after the
 * message, a turn of its event loop later, and grpc-js calls back only once both
 * came (0.3 ms a call between two idle node processes, measured). For a call
 * whose reply message says by itself what the server did (a sink's "staged",
 * "active"), acting on it then is as safe as acting on the status.
 */
export function replyOnArrival<Res>(options: grpc.CallOptions, onReply: (res: Res) => void): grpc.CallOptions {
  const interceptor: grpc.Interceptor = (opts, next) =>
    new grpc.InterceptingCall(next(opts), {
      start(md, _listener, nextStart) {
        nextStart(md, {
          onReceiveMessage(message: Res | null, nextMessage) {
            // grpc-js hands a unary call that ends without a message null here, just before its status.
            if (message !== null) onReply(message);
            nextMessage(message);
          },
        });
      },
    });
  return { ...options, interceptors: [...(options.interceptors ?? []), interceptor] };
}

/** Options of a call with a deadline `ms` from now; with `onArrival`, its reply goes to `resolve` on arrival and `arrived` says so. */
function callOptions<Res>(ms: number, onArrival: boolean, resolve: (res: Res) => void): { readonly options: grpc.CallOptions; readonly arrived: boolean } {
  const options: grpc.CallOptions = { deadline: deadline(ms) };
  if (!onArrival) return { options, arrived: false };
  const out = {
    arrived: false,
    options: replyOnArrival<Res>(options, (res) => {
      out.arrived = true;
      resolve(res);
    }),
  };
  return out;
}

/**
 * Streams `source` to a client-streaming method; resolves with the reply (with
 * `onArrival`, as soon as its message came: {@link replyOnArrival}). Aborting
 * `signal` cancels the call (it rejects with the signal's reason).
 */
export async function clientStream<Req, Res>(
  method: ClientStreamMethod<Req, Res>,
  self: grpc.Client,
  source: AsyncIterable<Req> | Iterable<Req>,
  what: string,
  ms: number,
  metadata: grpc.Metadata = new grpc.Metadata(),
  signal?: AbortSignal,
  onArrival = false,
): Promise<Res> {
  let call!: grpc.ClientWritableStream<Req>;
  const reply = new Promise<Res>((resolve, reject) => {
    const early = callOptions(ms, onArrival, resolve);
    call = (method as unknown as StreamWithOptions<Req, Res>).call(self, metadata, early.options, (err, res) => {
      // What the reply message said stands; the status after it adds nothing.
      if (early.arrived) return;
      // A call cancelled through `signal` fails with the signal's reason.
      if (err) {
        if (signal?.aborted) reject(signal.reason);
        else explained(err, what, self).then(reject, reject);
      }
      else resolve(res!);
    });
  });
  if (signal) {
    const cancel = (): void => call.cancel();
    if (signal.aborted) cancel();
    else {
      signal.addEventListener('abort', cancel, { once: true });
      void reply.then(
        () => signal.removeEventListener('abort', cancel),
        () => signal.removeEventListener('abort', cancel),
      );
    }
  }
  // The reply (an error status, say) may arrive while we are still writing: then
  // the reply explains the failure. If producing the data failed, that error does.
  let producerError: unknown;
  const written = writeAll(call, source, reply).catch((e: unknown) => {
    producerError = e;
  });
  try {
    const res = await reply;
    await written;
    if (producerError !== undefined) throw producerError;
    return res;
  } catch (e: unknown) {
    await written;
    // The reply's error explains a failed call better than the writer noticing it ended.
    const ownError = producerError instanceof Error && producerError.message === CALL_ENDED;
    throw producerError !== undefined && !ownError && !isCancel(producerError) ? producerError : e;
  }
}

/** grpc's words for a connection the server closed before the call could start (a TLS refusal looks so). */
const CLOSED_EARLY = /Failed to connect|Connection dropped|ECONNRESET|socket hang up/i;

/**
 * A failed call as an error; a connection the server closed during the
 * handshake ("Failed to connect", "Connection dropped") is explained by asking
 * the server's TLS what it makes of this client (tls.ts's probe).
 */
async function explained(err: grpc.ServiceError, what: string, self: grpc.Client): Promise<Error> {
  if (err.code === grpc.status.UNAVAILABLE && CLOSED_EARLY.test(err.details)) {
    const target = self.getChannel().getTarget().replace(/^dns:(\/\/\/)?/, '');
    const why = await probeTls(target).catch(() => undefined);
    if (why) return new MigvisorError(`${what}: TLS: ${why}`, Code.UNAVAILABLE, { cause: err });
  }
  return fromServiceError(err, what);
}

function isCancel(e: unknown): boolean {
  return e instanceof Error && /cancel/i.test(e.message);
}

/**
 * Iterates a server stream, turning a failed status into a MigvisorError; with
 * the `client` the call was made on, a refused TLS handshake is explained as
 * for unary calls.
 */
export async function* serverStream<T>(call: grpc.ClientReadableStream<T>, what: string, client?: grpc.Client): AsyncGenerator<T> {
  try {
    for await (const item of call as AsyncIterable<T>) yield item;
  } catch (e: unknown) {
    throw client && isServiceError(e) ? await explained(e, what, client) : fromServiceError(e, what);
  } finally {
    call.cancel();
  }
}
