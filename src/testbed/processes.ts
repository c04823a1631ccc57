/**
 * Starts migvisor processes (nodes, the middleware) as children and stops them
 * cleanly. Each child prints one JSON line when it serves; the supervisor waits
 * for it (bounded), keeps the children's stderr visible with a name prefix, and
 * gives each child a pipe on stdin so it exits even if the supervisor is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { MigvisorError, PACKAGE_ROOT } from '../common/index.ts';

/** The migvisor command's entry point (children are started with it). */
export const BIN = path.join(PACKAGE_ROOT, 'bin', 'migvisor.js');

/** A started child process and the address it serves at. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly address: string;
  /** Where it serves Prometheus metrics, when it does. */
  readonly metrics?: string;
}

/** How a child is started. */
export interface ChildOptions {
  /** How long it may take to print its ready line (ms). @default 20000 */
  readonly timeoutMs?: number;
  /** Where its stderr lines go, prefixed with its name (default: this process's stderr). */
  readonly log?: (line: string) => void;
  /** Where its stderr lines go as they are, with its name (its structured log); replaces `log`. */
  readonly lines?: (name: string, line: string) => void;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts `migvisor ARGS...` and resolves once it prints its ready line. */
export function startChild(name: string, args: readonly string[], options: ChildOptions = {}): Promise<Child> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const timeoutMs = options.timeoutMs ?? 20_000;
  const child = spawn(process.execPath, [BIN, ...args, '--exit-with-parent'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  });
  const lines = options.lines ?? ((n: string, line: string) => log(`[${n}] ${line}`));
  createInterface({ input: child.stderr! }).on('line', (line) => lines(name, line));
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new MigvisorError(`${name} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    const stdout = createInterface({ input: child.stdout! });
    stdout.once('line', (line) => {
      clearTimeout(timer);
      try {
        const ready = JSON.parse(line) as { address: string; metrics?: string };
        resolve({ name, process: child, address: ready.address, ...(ready.metrics ? { metrics: ready.metrics } : {}) });
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

/** Whether a child process has ended. */
export function exited(c: ChildProcess): boolean {
  return c.exitCode !== null || c.signalCode !== null;
}

/** Resolves once the child has ended. */
export function whenExited(c: ChildProcess): Promise<void> {
  if (exited(c)) return Promise.resolve();
  return new Promise((resolve) => c.once('exit', () => resolve()));
}

/** SIGTERM to every child (SIGCONT first: a frozen one could not act on it), SIGKILL to those still alive after the grace period. */
export async function stopChildren(children: readonly Child[], graceMs = 5000): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      if (exited(c.process)) return;
      const timer = setTimeout(() => c.process.kill('SIGKILL'), graceMs);
      c.process.kill('SIGCONT');
      c.process.kill('SIGTERM');
      await whenExited(c.process);
      clearTimeout(timer);
    }),
  );
}
