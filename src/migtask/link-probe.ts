/**
 * The link from a source node to a sink, measured as a migration would see it:
 * the calls go from this process through its route to the sink (dialAddress, so
 * under the testbed they cross the shaped link). The round trip is the median
 * of a few small calls; the bandwidth comes from streams of random chunks, as
 * large as a migration's page batches, to the sink's Diagnostics Discard,
 * doubling from {@link FIRST_PROBE_BYTES} until two differ by
 * {@link PROBE_SPREAD_MS} or the next would be larger than allowed; the largest
 * is made twice and the faster kept.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { clientStream, openClient, wire } from '../common/index.ts';
import type { DiagnosticsClient } from '../generated/migvisor/v1/Diagnostics.ts';
import type { DiscardRequest } from '../generated/migvisor/v1/DiscardRequest.ts';
import { bandwidthOf, median, type LinkProbe } from './prediction-fits.ts';

/** Small calls whose median is the round trip. */
export const RTT_PINGS = 5;
/** The first bandwidth probe's payload bytes. */
export const FIRST_PROBE_BYTES = 32 * 1024;
/** Probes double until the last two differ by this much, ms (timers and pacing blur a few ms of each). */
export const PROBE_SPREAD_MS = 150;
/** Longest one probe stream may take, ms. */
const PROBE_DEADLINE_MS = 60_000;
/** Random bytes the probes cycle through (the link sees distinct bytes; nothing compresses them). */
const POOL_BYTES = 1 << 20;

let pool: Buffer | undefined;

/** A sink's Diagnostics Discard, as the bandwidth probe uses it. */
export interface DiscardPort {
  /** Streams `payloads` as chunks to the sink's Discard; resolves with the payload bytes it counted. */
  discard(payloads: Iterable<Uint8Array>, ms: number): Promise<number>;
  /** Closes the channel. */
  close(): void;
}

/** The Diagnostics service of a sink (a node or the middleware), over gRPC. */
export class RemoteDiscard implements DiscardPort {
  private readonly client: DiagnosticsClient;

  constructor(readonly address: string) {
    this.client = openClient(wire().Diagnostics, address);
  }

  async discard(payloads: Iterable<Uint8Array>, ms: number): Promise<number> {
    function* requests(): Generator<DiscardRequest> {
      let seq = 0;
      for (const payload of payloads) yield { chunk: { seq: seq++, kind: 'CHUNK_KIND_PAGES', compression: 'COMPRESSION_NONE', payload } };
    }
    const reply = await clientStream(this.client.Discard, this.client, requests(), `Discard on ${this.address}`, ms);
    return reply.bytes;
  }

  close(): void {
    this.client.close();
  }
}

/** The median round trip of {@link RTT_PINGS} calls of `ping`, ms. */
export async function measureRtt(ping: () => Promise<unknown>, count = RTT_PINGS): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await ping();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** `bytes` payload bytes in chunks of `chunkBytes`, from the random pool. */
function* payloads(bytes: number, chunkBytes: number): Generator<Uint8Array> {
  pool ??= randomBytes(POOL_BYTES);
  for (let sent = 0; sent < bytes; ) {
    const at = sent % pool.length;
    const n = Math.min(chunkBytes, bytes - sent, pool.length - at);
    yield pool.subarray(at, at + n);
    sent += n;
  }
}

/** What the bandwidth probes found. */
export interface BandwidthProbe {
  /** Payload bytes per second. */
  readonly bytesPerS: number;
  /** Payload bytes the probes sent in all. */
  readonly bytes: number;
  readonly probes: readonly LinkProbe[];
}

/** Probes the bandwidth to `port` with chunks of `chunkBytes`, no stream larger than `maxBytes` (see the file header). */
export async function measureBandwidth(port: DiscardPort, chunkBytes: number, maxBytes: number): Promise<BandwidthProbe> {
  const probes: LinkProbe[] = [];
  let total = 0;
  const probe = async (size: number): Promise<LinkProbe> => {
    const t0 = performance.now();
    const counted = await port.discard(payloads(size, chunkBytes), PROBE_DEADLINE_MS);
    total += counted;
    return { bytes: counted, ms: performance.now() - t0 };
  };
  for (let size = Math.min(FIRST_PROBE_BYTES, maxBytes); ; size *= 2) {
    probes.push(await probe(size));
    const [a, b] = probes.slice(-2);
    if (a && b && b.ms - a.ms >= PROBE_SPREAD_MS) break;
    if (size * 2 > maxBytes) break;
  }
  // The largest once more, the faster of the two kept: a stall of this process (or the link's) costs one of them.
  const last = probes.at(-1)!;
  const again = await probe(last.bytes);
  if (again.ms < last.ms) probes[probes.length - 1] = again;
  return { bytesPerS: bandwidthOf(probes), bytes: total, probes };
}
