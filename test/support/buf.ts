/**
 * The Buf CLI (npm @bufbuild/buf, binary included) as the specs run it: `buf lint`,
 * `buf breaking`, and `buf curl`, a reflection-driven JSON client of a live
 * server: what a client in any language sees of the API.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './processes.ts';

export const BUF = path.join(ROOT, 'node_modules', '.bin', 'buf');

export interface BufResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `buf ARGS...` in `cwd` (default: the repository), bounded by `timeoutMs`. */
export function buf(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<BufResult> {
  return new Promise((resolve) => {
    execFile(BUF, [...args], { cwd: options.cwd ?? ROOT, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `buf curl` of `method` (`migvisor.v1.NodeControl/Ps`) at `address` with a JSON body; resolves with the parsed reply, or rejects with buf's error JSON. */
export async function bufCurl(address: string, method: string, body: unknown, options: { emitDefaults?: boolean } = {}): Promise<Record<string, unknown>> {
  const r = await buf(['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...(options.emitDefaults ? ['--emit-defaults'] : []), '-d', JSON.stringify(body), `http://${address}/${method}`], {
    timeoutMs: 30_000,
  });
  if (r.code !== 0) throw new Error(`buf curl ${method} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** `buf curl` that must fail; resolves with its error (`code` as protojson names it, e.g. `not_found`, and `message`). */
export async function bufCurlError(address: string, method: string, body: unknown): Promise<{ code: string; message: string }> {
  const r = await buf(['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '-d', JSON.stringify(body), `http://${address}/${method}`], { timeoutMs: 30_000 });
  if (r.code === 0) throw new Error(`buf curl ${method} succeeded, expected a failure: ${r.stdout}`);
  return JSON.parse(r.stderr.trim() || r.stdout.trim()) as { code: string; message: string };
}
