/**
 * The testbed network as a whole: a relay for every ordered pair and the route
 * tables pointing at them, cuts (reset and blackhole) and healing, a target that
 * is down and comes back on the same port, and the refusals of the API.
 */
import { randomBytes } from 'node:crypto';
import type * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { InvalidArgumentError, NotFoundError } from '../../src/common/index.ts';
import { UNSHAPED } from '../../src/config/index.ts';
import { Network } from '../../src/testbed/index.ts';
import { connect, failure, readAll, sendAll, sha, since, tcpServer } from '../support/tcp-peers.ts';
import type { TcpServer } from '../support/tcp-peers.ts';

const echo = (s: net.Socket): void => void s.pipe(s);

/** Sends `text` on `c` and resolves with the echo. */
function roundTrip(c: net.Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (d: Buffer): void => {
      got += d.toString();
      if (got.length >= text.length) {
        c.off('data', onData);
        resolve(got);
      }
    };
    c.on('data', onData);
    c.once('error', reject);
    c.write(text);
  });
}

describe('testbed network', function () {
  const servers: TcpServer[] = [];
  const networks: Network[] = [];

  async function server(handler: (s: net.Socket) => void = echo, port = 0): Promise<TcpServer> {
    const s = await tcpServer(handler, port);
    servers.push(s);
    return s;
  }

  async function network(...args: Parameters<typeof Network.start>): Promise<Network> {
    const n = await Network.start(...args);
    networks.push(n);
    return n;
  }

  afterEach(async () => {
    for (const n of networks.splice(0)) await n.close();
    for (const s of servers.splice(0)) await s.close();
  });

  it('starts a relay for every ordered pair, and gives each dialer a route to every other endpoint', async () => {
    const [x, y, z] = [await server(), await server(), await server()];
    const n = await network(
      [
        { name: 'x', address: x.address },
        { name: 'y', address: y.address },
        { name: 'middleware', address: z.address },
      ],
      [{ ...UNSHAPED, latencyMs: 3, between: ['middleware', 'x'], line: 7 }],
      { seed: 42 },
    );
    expect(n.seed).to.equal(42);
    const routes = n.routesFor('x');
    expect(Object.keys(routes).sort()).to.deep.equal([y.address, z.address].sort());
    const relays = new Set([...['x', 'y', 'middleware'].flatMap((d) => Object.values(n.routesFor(d)))]);
    expect(relays.size).to.equal(6);
    expect(n.status().map((s) => [s.between, s.description])).to.deep.equal([
      [['x', 'y'], 'unshaped'],
      [['middleware', 'x'], '3ms'],
      [['y', 'middleware'], 'unshaped'],
    ]);
    expect(n.profile('x', 'middleware').latencyMs).to.equal(3);
    const c = await connect(routes[z.address]!);
    expect(await roundTrip(c, 'through the relay')).to.equal('through the relay');
    c.destroy();
  });

  it('refuses unknown endpoints (naming the known ones), a link to itself and values a link cannot have', async () => {
    const [a, b] = [await server(), await server()];
    const ends = [
      { name: 'a', address: a.address },
      { name: 'b', address: b.address },
    ];
    const n = await network(ends, []);
    expect(() => n.cut('a', 'nowhere')).to.throw(NotFoundError, 'endpoint "nowhere" not found (endpoints: a, b)');
    expect(() => n.routesFor('c')).to.throw(NotFoundError, '"c"');
    expect(() => n.set('a', 'a', { latencyMs: 1 })).to.throw(InvalidArgumentError, 'not a to itself');
    expect(() => n.set('a', 'b', { latencyMs: 1, jitterMs: 2 })).to.throw(InvalidArgumentError, 'link a<->b: jitter (2 ms) must not exceed latency (1 ms)');
    expect(() => n.set('a', 'b', { loss: 2 })).to.throw(InvalidArgumentError, 'loss must be a probability');
    expect(() => n.corrupt('a', 'b', { bytes: 0 })).to.throw(InvalidArgumentError);
    expect(() => n.delay('b', 'a', -1)).to.throw(InvalidArgumentError);
    expect(n.set('b', 'a', { bandwidth: 1000 })).to.deep.include({ bandwidth: 1000, latencyMs: 0 });
    expect(n.set('a', 'b', { bandwidth: undefined }).bandwidth).to.equal(undefined);
    let refused: unknown;
    try {
      await Network.start(ends, [{ ...UNSHAPED, between: ['a', 'zz'], line: 3 }]);
    } catch (e) {
      refused = e;
    }
    expect(refused).to.be.instanceOf(NotFoundError);
    expect(String(refused)).to.include('endpoint "zz" not found (endpoints: a, b)');
    const refusal = (e: readonly { name: string; address: string }[], l: Parameters<typeof Network.start>[1] = []): Promise<unknown> => Network.start(e, l).then(() => undefined, (err: unknown) => err);
    expect(String(await refusal([...ends, { name: 'a', address: '127.0.0.1:1' }]))).to.include('endpoint "a" is listed twice');
    expect(String(await refusal([...ends, { name: 'c', address: a.address }]))).to.include(`endpoints a and c have the same address ${a.address}`);
    expect(String(await refusal([...ends, { name: 'c', address: 'nowhere' }]))).to.include('endpoint c: address "nowhere" is not host:port');
    expect(await refusal(ends, [{ ...UNSHAPED, between: ['b', 'b'], line: 1 }])).to.be.instanceOf(InvalidArgumentError);
  });

  it('cut (reset): open connections see ECONNRESET, new ones are reset, heal lets them through again', async () => {
    const b = await server();
    const a = await server();
    const n = await network(
      [
        { name: 'a', address: a.address },
        { name: 'b', address: b.address },
      ],
      [],
    );
    const route = n.routesFor('a')[b.address]!;
    const c = await connect(route);
    expect(await roundTrip(c, 'before')).to.equal('before');
    const failed = failure(c);
    n.cut('a', 'b');
    expect(await failed).to.equal('ECONNRESET');
    // The reset may come before the connect completes, or right after.
    const late = await connect(route).then(failure, (e: NodeJS.ErrnoException) => e.code);
    expect(late).to.equal('ECONNRESET');
    expect(n.status()[0]).to.deep.include({ state: 'cut', resets: 2 });
    n.heal('b', 'a');
    const again = await connect(route);
    expect(await roundTrip(again, 'after')).to.equal('after');
    again.destroy();
    expect(n.status()[0]!.state).to.equal('up');
  });

  it('blackhole: nothing passes, connections stay open and new ones are held; heal delivers everything intact', async () => {
    const got: Promise<string>[] = [];
    const b = await server((s) => void got.push(readAll(s).then((d) => sha(d))));
    const a = await server();
    const n = await network(
      [
        { name: 'a', address: a.address },
        { name: 'b', address: b.address },
      ],
      [{ ...UNSHAPED, bandwidth: 8e6, between: ['a', 'b'], line: 1 }],
    );
    const route = n.routesFor('a')[b.address]!;
    const data = randomBytes(1024 * 1024);
    const c = await connect(route);
    const sending = sendAll(c, data);
    await sleep(40);
    n.cut('a', 'b', 'blackhole');
    const carried = n.status()[0]!.directions[0].bytes;
    expect(carried).to.be.above(0).and.below(data.length);
    const held = await connect(route);
    const heldData = randomBytes(10_000);
    await sendAll(held, heldData);
    await sleep(250);
    const st = n.status()[0]!;
    expect(st.state).to.equal('blackhole');
    expect(st.directions[0].bytes).to.equal(carried);
    expect(b.accepted()).to.equal(1);
    expect(c.destroyed).to.equal(false);
    n.heal('a', 'b');
    await sending;
    const results = await Promise.all([await waitFor(() => got[0]), await waitFor(() => got[1])]);
    expect(results.sort()).to.deep.equal([sha(data), sha(heldData)].sort());
    expect(b.accepted()).to.equal(2);
    c.destroy();
    held.destroy();
  });

  it('resets connections to a target that is down, and carries them again when it is back on the same port', async () => {
    const b = await server();
    const a = await server();
    const n = await network(
      [
        { name: 'a', address: a.address },
        { name: 'b', address: b.address },
      ],
      [],
    );
    const route = n.routesFor('a')[b.address]!;
    const port = b.port;
    await b.close();
    const t0 = performance.now();
    const refusal = await connect(route).then(failure, (e: NodeJS.ErrnoException) => e.code);
    expect(refusal).to.equal('ECONNRESET');
    expect(since(t0)).to.be.below(500);
    expect(n.status()[0]).to.deep.include({ refused: 1, resets: 0 });
    await server(echo, port);
    const again = await connect(route);
    expect(await roundTrip(again, 'back')).to.equal('back');
    again.destroy();
  });

  it('closes every listener and connection, leaving no timer behind', async () => {
    const b = await server(() => undefined);
    const a = await server();
    const n = await Network.start(
      [
        { name: 'a', address: a.address },
        { name: 'b', address: b.address },
      ],
      [{ ...UNSHAPED, bandwidth: 1000, latencyMs: 500, between: ['a', 'b'], line: 1 }],
    );
    const route = n.routesFor('a')[b.address]!;
    const c = await connect(route);
    c.write(randomBytes(200_000));
    await sleep(20);
    const ended = failure(c);
    await n.close();
    expect(await ended).to.be.oneOf(['end', 'close', 'ECONNRESET']);
    let refused: unknown;
    await connect(route).catch((e: NodeJS.ErrnoException) => (refused = e.code));
    expect(refused).to.equal('ECONNREFUSED');
  });
});

/** Polls until `f` returns something, for at most 5 s. */
async function waitFor<T>(f: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = f();
    if (v !== undefined) return v;
    await sleep(10);
  }
  throw new Error('waited 5 s in vain');
}
