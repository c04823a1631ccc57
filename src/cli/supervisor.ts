/**
 * Starts migvisor processes (nodes, the middleware) as children and stops them
 * cleanly. Each child prints one JSON line when it serves; the supervisor waits
 * for it (bounded), keeps the children's stderr visible with a name prefix, and
 * gives each child a pipe on stdin so it exits even if the supervisor is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { MigvisorError } from '../common/index.ts';
import { PACKAGE_ROOT } from './cluster-file.ts';

/** The migvisor command's entry point (children are started with it). */
export const BIN = path.join(PACKAGE_ROOT, 'bin', 'migvisor.js');

/** A started child process and the address it serves at. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly address: string;
}

/** Starts `migvisor ARGS...` and resolves once it prints its ready line. */
export function startChild(name: string, args: readonly string[], options: { timeoutMs?: number; log?: (line: string) => void } = {}): Promise<Child> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const child = spawn(process.execPath, [BIN, ...args, '--exit-with-parent'], { stdio: ['pipe', 'pipe', 'pipe'] });
  createInterface({ input: child.stderr! }).on('line', (line) => log(`[${name}] ${line}`));
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new MigvisorError(`${name} did not start within ${options.timeoutMs ?? 20000} ms`));
    }, options.timeoutMs ?? 20_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        const ready = JSON.parse(line) as { address: string };
        resolve({ name, process: child, address: ready.address });
      } catch {
        child.kill('SIGKILL');
        reject(new MigvisorError(`${name} printed an unexpected first line: ${line}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new MigvisorError(`${name} exited before it was ready (${signal ?? `code ${code}`})`));
    });
  });
}

/** SIGTERM to every child, SIGKILL to those still alive after the grace period. */
export async function stopChildren(children: readonly Child[], graceMs = 5000): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.process.exitCode !== null || c.process.signalCode !== null) return resolve();
          const timer = setTimeout(() => c.process.kill('SIGKILL'), graceMs);
          c.process.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          c.process.kill('SIGTERM');
        }),
    ),
  );
}
