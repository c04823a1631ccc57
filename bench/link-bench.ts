/**
 * Link benchmark: raw TCP through a testbed relay (client and sink on 127.0.0.1,
 * in this process). Each figure is a ratio against what was configured or against
 * a baseline measured in the same run:
 *
 * - bandwidth: achieved ÷ configured for 64 MiB over 100Mbit and over 1Gbit;
 * - latency: the added one-way delay (ping-pong round trip through a 5 ms link
 *   minus the same through the unshaped relay, halved) ÷ 5 ms;
 * - sharing: two equal 32 MiB flows at once over one 100Mbit link, each one's time
 *   ÷ the time of one alone (2 is fair, and what the link can do);
 * - pass-through: an unshaped relay's throughput ÷ direct TCP's.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { UNSHAPED } from '../src/config/index.ts';
import { Network } from '../src/testbed/index.ts';

const MiB = 1024 * 1024;
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const mbit = (n: number): number => (n * 1e6) / 8;

/** A sink: reads each connection to its end and answers one byte. Also echoes while `echo` is set, for ping-pong. */
async function sink(): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.setNoDelay(true);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.once('data', (first: Buffer) => {
      if (first[0] === 0x70 /* 'p': ping-pong */) {
        s.write(first);
        s.on('data', (d: Buffer) => s.write(d));
        return;
      }
      s.on('data', () => undefined);
    });
    s.on('end', () => s.end('k'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function connect(address: string): Promise<net.Socket> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)), allowHalfOpen: true }, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

/** Sends `data` to the sink at `address` and waits for its answer; returns ms from the first write to the answer. */
async function send(address: string, data: Buffer): Promise<number> {
  const s = await connect(address);
  const answered = new Promise<void>((resolve) => s.once('data', () => resolve()));
  const t0 = performance.now();
  const piece = 256 * 1024;
  for (let off = 0; off < data.length; off += piece) {
    if (!s.write(data.subarray(off, off + piece))) await new Promise((r) => s.once('drain', r));
  }
  s.end();
  await answered;
  const ms = performance.now() - t0;
  s.destroy();
  return ms;
}

/** Median round trip of a 1-byte ping-pong, ms. */
async function pingPong(address: string, rounds = 40): Promise<number> {
  const s = await connect(address);
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const back = new Promise<void>((resolve) => s.once('data', () => resolve()));
    const t0 = performance.now();
    s.write('p');
    await back;
    times.push(performance.now() - t0);
  }
  s.destroy();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** The `link` part of the bench. */
export async function linkBenchmark(): Promise<Record<string, unknown>> {
  const b = await sink();
  const a = await sink();
  const network = await Network.start(
    [
      { name: 'a', address: a.address },
      { name: 'b', address: b.address },
    ],
    [{ ...UNSHAPED, between: ['a', 'b'], line: 0 }],
    { seed: 1 },
  );
  const route = network.routesFor('a')[b.address]!;
  const data = randomBytes(64 * MiB);
  const half = data.subarray(0, 32 * MiB);
  try {
    // Baselines: direct TCP, and the relay unshaped (pass-through).
    const directMs = Math.min(await send(b.address, data), await send(b.address, data));
    const unshapedMs = Math.min(await send(route, data), await send(route, data));
    const rate = async (bandwidth: number): Promise<{ ms: number; ratio: number }> => {
      network.set('a', 'b', { ...UNSHAPED, bandwidth });
      const ms = await send(route, data);
      return { ms, ratio: data.length / (ms / 1000) / bandwidth };
    };
    const r100 = await rate(mbit(100));
    const r1000 = await rate(mbit(1000));
    network.set('a', 'b', UNSHAPED);
    const baseRtt = await pingPong(route);
    network.set('a', 'b', { latencyMs: 5 });
    const shapedRtt = await pingPong(route);
    const addedOneWay = (shapedRtt - baseRtt) / 2;
    network.set('a', 'b', { ...UNSHAPED, bandwidth: mbit(100) });
    const soloMs = await send(route, half);
    const pair = await Promise.all([send(route, half), send(route, half)]);
    const shares = pair.map((ms) => ms / soloMs);
    return {
      direct_mib_s: round(data.length / MiB / (directMs / 1000), 1),
      unshaped_mib_s: round(data.length / MiB / (unshapedMs / 1000), 1),
      passthrough_ratio: round(directMs / unshapedMs),
      bandwidth_100mbit_ms: round(r100.ms, 1),
      bandwidth_100mbit_ratio: round(r100.ratio),
      bandwidth_1gbit_ms: round(r1000.ms, 1),
      bandwidth_1gbit_ratio: round(r1000.ratio),
      rtt_unshaped_ms: round(baseRtt),
      rtt_5ms_ms: round(shapedRtt),
      latency_added_one_way_ms: round(addedOneWay),
      latency_ratio: round(addedOneWay / 5),
      share_solo_ms: round(soloMs, 1),
      share_pair_ms: pair.map((ms) => round(ms, 1)),
      share_ratio: shares.map((x) => round(x)),
    };
  } finally {
    await network.close();
    await a.close();
    await b.close();
  }
}
