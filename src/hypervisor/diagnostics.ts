/**
 * The Diagnostics service: a bare gRPC client stream of random Chunks from one
 * node to another, the baseline migrations are measured against.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { clientStream, openClient, clientStreamHandler, hostPort, optionalInt, unaryHandler, wire, type StreamGuard } from '../common/index.ts';
import type { DiagnosticsHandlers } from '../generated/migvisor/v1/Diagnostics.ts';
import type { DiscardRequest } from '../generated/migvisor/v1/DiscardRequest.ts';

/** Most bytes one StreamTo may send (README "## Limits"). */
export const MAX_STREAM_TO_BYTES = 1 << 29;
/** Largest chunk of a StreamTo. */
export const MAX_STREAM_TO_CHUNK = 4 << 20;

/** Random bytes held at most for one StreamTo; a longer stream sends them again. */
const MAX_POOL = 4 << 20;

/** The Diagnostics service: StreamTo sends random bytes to another node's Discard, the bare-stream baseline of the migration benchmark. */
export function diagnosticsHandlers(streams?: StreamGuard): DiagnosticsHandlers {
  return {
    StreamTo: unaryHandler(async (r) => {
      const target = hostPort(r.target, 'target');
      const bytes = optionalInt(r.bytes, 'bytes', 1, MAX_STREAM_TO_BYTES, 0);
      const size = optionalInt(r.chunkBytes, 'chunk_bytes', 1024, MAX_STREAM_TO_CHUNK, 256 * 1024);
      // Distinct bytes for every chunk, as a migration sends (within a bounded pool).
      const pool = randomBytes(Math.min(bytes, MAX_POOL));
      const client = openClient(wire().Diagnostics, target);
      try {
        function* chunks(): Generator<DiscardRequest> {
          for (let sent = 0, seq = 0; sent < bytes; sent += size, seq++) {
            const at = sent % pool.length;
            const n = Math.min(size, bytes - sent, pool.length - at);
            yield { chunk: { seq, kind: 'CHUNK_KIND_PAGES', compression: 'COMPRESSION_NONE', payload: pool.subarray(at, at + n) } };
          }
        }
        const t0 = performance.now();
        const reply = await clientStream(client.Discard, client, chunks(), `Discard on ${target}`, 120_000);
        return { bytes: reply.bytes, ms: performance.now() - t0 };
      } finally {
        client.close();
      }
    }),
    Discard: clientStreamHandler(async (requests) => {
      let bytes = 0;
      let chunks = 0;
      for await (const m of requests) {
        bytes += m.chunk?.payload?.length ?? 0;
        chunks++;
      }
      return { bytes, chunks };
    }, streams),
  };
}
