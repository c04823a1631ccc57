/**
 * gRPC (grpc-js on both ends) through a testbed link: a large client-streaming
 * call completes over a shaped link, a corrupted chunk reaches the server as
 * changed bytes on a session that survives, and a target that is down fails a
 * call with UNAVAILABLE at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { UNSHAPED } from '../../src/config/index.ts';
import { Network } from '../../src/testbed/index.ts';
import { since, tcpServer } from '../support/tcp-peers.ts';

const same = (b: Buffer): Buffer => b;

/** A service of raw bytes: Upload streams messages in and answers the SHA-256 of their concatenation. */
const SINK: grpc.ServiceDefinition = {
  Upload: {
    path: '/migvisor.test.Sink/Upload',
    requestStream: true,
    responseStream: false,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  },
};

type SinkClient = grpc.Client & { Upload(callback: (e: grpc.ServiceError | null, r?: Buffer) => void): grpc.ClientWritableStream<Buffer> };
const SinkClient = grpc.makeGenericClientConstructor(SINK, 'Sink') as unknown as new (address: string, credentials: grpc.ChannelCredentials) => SinkClient;

/** Streams `messages` to Upload; resolves with the server's SHA (hex). */
function upload(client: SinkClient, messages: readonly Buffer[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const call = client.Upload((e, r) => (e ? reject(e) : resolve(r!.toString('hex'))));
    let i = 0;
    const more = (): void => {
      while (i < messages.length) if (!call.write(messages[i++]!)) return void call.once('drain', more);
      call.end();
    };
    more();
  });
}

describe('gRPC through a testbed link', function () {
  let server: grpc.Server;
  let net: Network;
  let client: SinkClient;
  let target: string;

  beforeEach(async () => {
    server = new grpc.Server();
    server.addService(SINK, {
      Upload: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const h = createHash('sha256');
        call.on('data', (m: Buffer) => h.update(m));
        call.on('end', () => callback(null, h.digest()));
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    target = `127.0.0.1:${port}`;
    const a = await tcpServer(() => undefined);
    net = await Network.start(
      [
        { name: 'a', address: a.address },
        { name: 'b', address: target },
      ],
      [{ ...UNSHAPED, bandwidth: (100e6 / 8), latencyMs: 2, between: ['a', 'b'], line: 1 }],
    );
    await a.close();
    client = new SinkClient(net.routesFor('a')[target]!, grpc.credentials.createInsecure());
  });

  afterEach(async () => {
    client.close();
    server.forceShutdown();
    await net.close();
  });

  it('completes a large client-streaming call over a shaped link (100Mbit, 2ms)', async () => {
    const messages = Array.from({ length: 64 }, () => randomBytes(64 * 1024));
    const t0 = performance.now();
    const digest = await upload(client, messages);
    const ms = since(t0);
    const expected = createHash('sha256');
    for (const m of messages) expected.update(m);
    expect(digest).to.equal(expected.digest('hex'));
    // 4 MiB at 100Mbit: 0.34 s at best.
    expect(ms).to.be.above(300);
    expect(net.status()[0]!.directions[0].bytes).to.be.above(4 * 1024 * 1024);
  });

  it('delivers a corrupted chunk as changed bytes, the channel staying up', async () => {
    const messages = Array.from({ length: 8 }, () => randomBytes(64 * 1024));
    const expected = createHash('sha256');
    for (const m of messages) expected.update(m);
    net.corrupt('a', 'b', { chunk: true });
    expect(await upload(client, messages)).not.to.equal(expected.digest('hex'));
    expect(net.status()[0]!.directions[0].corruptedBytes).to.equal(1);
    const again = createHash('sha256');
    for (const m of messages) again.update(m);
    expect(await upload(client, messages)).to.equal(again.digest('hex'));
    expect(net.status()[0]!.connections.total).to.equal(1);
  });

  it('fails a call with UNAVAILABLE at once when the target is down', async () => {
    server.forceShutdown();
    const t0 = performance.now();
    const e = await upload(client, [Buffer.from('x')]).then(
      () => undefined,
      (err: grpc.ServiceError) => err,
    );
    expect(e?.code).to.equal(grpc.status.UNAVAILABLE);
    expect(since(t0)).to.be.below(1000);
    expect(net.status()[0]!.refused).to.be.at.least(1);
  });
});
