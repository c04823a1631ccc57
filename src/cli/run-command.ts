/**
 * The single error edge of the CLI: every command body runs through {@link action},
 * so any failure prints one clear line on stderr and exits non-zero.
 */
// errors.ts, not the common index: command registration imports this file, and
// the index would load grpc-js and the wire contract before any command runs.
import { describeError, MigvisorError, SourceErrors } from '../common/errors.ts';

/** Exit codes of the migvisor command. */
export const Exit = {
  OK: 0,
  /** A runtime failure: unreachable node, refused command, bad input. */
  FAILURE: 1,
  /** Invalid source input (configuration or program): every problem printed as FILE:LINE: message. */
  INVALID: 2,
} as const;

/** Prints a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Wraps a command body. The body returns an exit code (or nothing for success);
 * a thrown error is printed as `migvisor: message` and exits 1 (2 for source errors).
 */
export function action<A extends unknown[]>(body: (...args: A) => Promise<number | void> | number | void) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await body(...args);
      process.exitCode = code ?? Exit.OK;
    } catch (e: unknown) {
      if (e instanceof SourceErrors) {
        for (const p of e.problems) process.stderr.write(`${p.message}\n`);
        process.exitCode = Exit.INVALID;
        return;
      }
      const lines = sourceProblems(e);
      if (lines) {
        // A node refused a source file the command sent (task start): the same report as offline.
        for (const l of lines) process.stderr.write(`${l}\n`);
        process.exitCode = Exit.INVALID;
        return;
      }
      const prefix = e instanceof MigvisorError ? '' : 'internal error: ';
      process.stderr.write(`migvisor: ${prefix}${describeError(e).split('\n')[0]}\n`);
      process.exitCode = Exit.FAILURE;
    }
  };
}

/** Code INVALID_ARGUMENT, as a number (errors.ts's Code, without loading more). */
const INVALID_ARGUMENT = 3;
const SOURCE_LINE = /^[^\s:][^:]*:\d+: \S/;

/** The FILE:LINE problems of a remote refusal of a source file (each line one problem), or undefined. */
function sourceProblems(e: unknown): string[] | undefined {
  if (!(e instanceof MigvisorError) || e.code !== INVALID_ARGUMENT) return undefined;
  const lines = e.message.split('\n').filter((l) => l.length > 0);
  return lines.length > 0 && lines.every((l) => SOURCE_LINE.test(l)) ? lines : undefined;
}
