/**
 * Python clients of the API: Debian's python3 (with python3-grpcio and
 * python3-grpc-tools; a python3 earlier on PATH may not see them), stubs
 * generated from proto/ by grpc_tools.protoc into a temporary folder, and a
 * runner with that folder on PYTHONPATH.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, tempDir } from './processes.ts';

/** The system python3 that can import grpc and grpc_tools; skips the test without one (fails it where CI requires one). */
export function debianPython(ctx: Mocha.Context): string {
  const candidates = ['/usr/bin/python3', ...execFileSync('sh', ['-c', 'type -ap python3 || true'], { encoding: 'utf8' }).split('\n').filter(Boolean)];
  for (const p of candidates) {
    try {
      execFileSync(p, ['-c', 'import grpc, grpc_tools.protoc'], { stdio: 'ignore', timeout: 20_000 });
      return p;
    } catch {
      // not this one
    }
  }
  if (process.env.MIGVISOR_REQUIRE_PYTHON === '1') throw new Error('no python3 with grpcio and grpc_tools (Debian: python3-grpcio python3-grpc-tools)');
  ctx.skip();
  throw new Error('unreachable');
}

let generated: string | undefined;

/** Generates the Python stubs of proto/ once per test run; returns the folder to put on PYTHONPATH. */
export function generateStubs(python: string): string {
  if (generated) return generated;
  const out = tempDir('migvisor-py-');
  const protos = fs.readdirSync(path.join(ROOT, 'proto', 'migvisor', 'v1')).filter((f) => f.endsWith('.proto')).map((f) => path.join(ROOT, 'proto', 'migvisor', 'v1', f));
  execFileSync(python, ['-m', 'grpc_tools.protoc', '-I', path.join(ROOT, 'proto'), `--python_out=${out}`, `--grpc_python_out=${out}`, ...protos], { stdio: 'pipe', timeout: 60_000 });
  generated = out;
  return out;
}

/** Runs a Python script with the stubs on PYTHONPATH (bounded). */
export function runPython(python: string, args: readonly string[], stubs: string, timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(python, [...args], { cwd: ROOT, timeout: timeoutMs, env: { ...process.env, PYTHONPATH: stubs } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
    });
  });
}
