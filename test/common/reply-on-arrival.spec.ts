// A call's reply taken from its message, before the status (clients.ts
// replyOnArrival): the migration's Receive and Commit go on the moment the sink's
// answer is read. The server here is plain HTTP/2 speaking gRPC's framing, so it
// can send the reply message and hold the status back for as long as a test says.
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { clientStream, openUnary } from '../../src/common/clients.ts';

const raw = (b: Buffer): Buffer => b;
const METHOD = { path: '/test.Echo/Echo', requestStream: true, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw };

/** One gRPC message frame (uncompressed). */
function frame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** A server that answers every call with `reply` (if any) at once and its status (`code`) only when `release()` is called. */
async function holdingServer(reply: Buffer | undefined, code = 0): Promise<{ address: string; release(): void; close(): Promise<void> }> {
  const held: http2.ServerHttp2Stream[] = [];
  let released = false;
  const finish = (s: http2.ServerHttp2Stream): void => {
    if (!s.destroyed) s.end();
  };
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(code), 'grpc-message': code ? 'the server failed' : '' }));
      if (reply) stream.write(frame(reply));
      if (released) finish(stream);
      else held.push(stream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    release() {
      released = true;
      held.splice(0).forEach(finish);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of held) s.close();
      }),
  };
}

/** Whether `p` settles within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = p.then(
    () => true,
    () => true,
  );
  const out = await Promise.race([settled, late]);
  clearTimeout(timer);
  return out;
}

describe('replies taken on arrival (before the status)', () => {
  const Client = grpc.makeGenericClientConstructor({ Echo: METHOD }, 'Echo');
  let server: Awaited<ReturnType<typeof holdingServer>> | undefined;
  let client: grpc.Client | undefined;
  type EchoMethod = (cb: grpc.requestCallback<Buffer>) => grpc.ClientWritableStream<Buffer>;
  const echo = (): EchoMethod => (client as unknown as { Echo: EchoMethod }).Echo;

  afterEach(async () => {
    client?.close();
    await server?.close();
    client = server = undefined;
  });

  it('a client stream resolves with the reply while the server still holds its status', async () => {
    server = await holdingServer(Buffer.from('staged'));
    client = new Client(server.address, grpc.credentials.createInsecure());
    const reply = clientStream(echo(), client, [Buffer.from('chunk')], 'Echo', 10_000, undefined, undefined, true);
    expect(await settlesWithin(reply, 2000), 'resolved before the status').to.equal(true);
    expect((await reply).toString()).to.equal('staged');
    server.release();
  });

  it('without it, the same call waits for the status', async () => {
    server = await holdingServer(Buffer.from('staged'));
    client = new Client(server.address, grpc.credentials.createInsecure());
    const reply = clientStream(echo(), client, [Buffer.from('chunk')], 'Echo', 10_000);
    expect(await settlesWithin(reply, 500), 'settled before the status').to.equal(false);
    server.release();
    expect((await reply).toString()).to.equal('staged');
  });

  it('a call that ends with an error and no reply fails with that error, on arrival or not', async () => {
    server = await holdingServer(undefined, grpc.status.UNAVAILABLE);
    server.release();
    client = new Client(server.address, grpc.credentials.createInsecure());
    for (const onArrival of [true, false]) {
      const e = await clientStream(echo(), client, [Buffer.from('chunk')], 'Echo', 10_000, undefined, undefined, onArrival).then(
        (r) => new Error(`resolved with ${String(r)}`),
        (x: unknown) => x as Error,
      );
      expect(e.message, `onArrival ${onArrival}`).to.match(/the server failed/);
    }
  });

  it('an opened unary call resolves on arrival too, and a failed status after the reply does not undo it', async () => {
    server = await holdingServer(Buffer.from('active'), grpc.status.INTERNAL);
    client = new Client(server.address, grpc.credentials.createInsecure());
    const call = openUnary<Buffer, Buffer>(client, METHOD, 'Echo', 10_000, undefined, true);
    const reply = call.send(Buffer.from('commit'));
    expect(await settlesWithin(reply, 2000), 'resolved before the status').to.equal(true);
    expect((await reply).toString()).to.equal('active');
    server.release();
    // The status (INTERNAL) comes after the reply was taken: it changes nothing.
    await new Promise((r) => setTimeout(r, 100));
    expect((await reply).toString()).to.equal('active');
    // Without on-arrival, the status decides.
    const plain = openUnary<Buffer, Buffer>(client, METHOD, 'Echo', 10_000).send(Buffer.from('commit'));
    const e = await plain.then(
      () => undefined,
      (x: unknown) => x as Error,
    );
    expect(e?.message).to.match(/the server failed/);
  });
});
