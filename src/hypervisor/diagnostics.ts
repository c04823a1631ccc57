/**
 * The Diagnostics service: a bare gRPC client stream of random Chunks from one
 * node to another, the baseline migrations are measured against.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import { clientStream, InvalidArgumentError, toServiceError, CHANNEL_OPTIONS, wire } from '../common/index.ts';
import type { Chunk } from '../generated/migvisor/v1/Chunk.ts';
import type { DiagnosticsHandlers } from '../generated/migvisor/v1/Diagnostics.ts';
import * as grpcjs from '@grpc/grpc-js';

const MAX_STREAM = 1 << 29;

/** The Diagnostics service: StreamTo sends random bytes to another node's Discard, the bare-stream baseline of the migration benchmark. */
export function diagnosticsHandlers(): DiagnosticsHandlers {
  return {
    StreamTo: (call, cb) => {
      const { target, bytes, chunkBytes } = call.request;
      const run = async (): Promise<{ bytes: number; ms: number }> => {
        if (bytes <= 0 || bytes > MAX_STREAM) throw new InvalidArgumentError(`bytes must be 1..${MAX_STREAM}`);
        const size = Math.min(Math.max(chunkBytes || 256 * 1024, 1024), 16 << 20);
        // Distinct bytes for every chunk, as a migration sends: no cache-hot reuse of one buffer.
        const payload = randomBytes(bytes);
        const client = new (wire().Diagnostics)(target, grpcjs.credentials.createInsecure(), CHANNEL_OPTIONS);
        try {
          function* chunks(): Generator<Chunk> {
            for (let sent = 0, seq = 0; sent < bytes; sent += size, seq++) {
              yield { seq, kind: 'CHUNK_KIND_PAGES', payload: payload.subarray(sent, Math.min(bytes, sent + size)) };
            }
          }
          const t0 = performance.now();
          const reply = await clientStream(client.Discard, client, chunks(), `Discard on ${target}`, 120_000);
          return { bytes: reply.bytes, ms: performance.now() - t0 };
        } finally {
          client.close();
        }
      };
      run().then((r) => cb(null, r), (e: unknown) => cb(toServiceError(e)));
    },
    Discard: (call: grpc.ServerReadableStream<Chunk, unknown>, cb) => {
      let n = 0;
      let chunks = 0;
      call.on('data', (c: { payload: Buffer }) => {
        n += c.payload.length;
        chunks++;
      });
      call.on('end', () => cb(null, { bytes: n, chunks }));
      call.on('error', () => undefined);
    },
  };
}
