/**
 * The single error edge of the CLI: every command body runs through {@link action},
 * so any failure prints one clear line on stderr and exits non-zero.
 */
// errors.ts, not the common index: command registration imports this file, and
// the index would load grpc-js and the wire contract before any command runs.
import { describeError, InvalidFileError, MigvisorError, SourceErrors } from '../common/errors.ts';
import { printable } from '../common/printable.ts';

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
        printProblems(e.problems.map((p) => p.message));
        process.exitCode = Exit.INVALID;
        return;
      }
      if (e instanceof InvalidFileError) {
        process.stderr.write(`migvisor: ${printable(e.message.split('\n')[0]!)}\n`);
        process.exitCode = Exit.INVALID;
        return;
      }
      const lines = sourceProblems(e);
      if (lines) {
        // A node refused a source file the command sent (task start): the same report as offline.
        printProblems(lines);
        process.exitCode = Exit.INVALID;
        return;
      }
      const prefix = e instanceof MigvisorError ? '' : 'internal error: ';
      process.stderr.write(`migvisor: ${prefix}${printable(describeError(e).split('\n')[0]!)}\n`);
      process.exitCode = Exit.FAILURE;
    }
  };
}

/** Problems printed at most by one command (a file with thousands says how many more there are). */
export const MAX_PRINTED_PROBLEMS = 100;

/** Writes problem lines to stderr: the first {@link MAX_PRINTED_PROBLEMS}, then `... and N more problems`; control characters are shown escaped. */
export function printProblems(lines: readonly string[]): void {
  const shown = lines.slice(0, MAX_PRINTED_PROBLEMS).map(printable);
  const more = lines.length - shown.length;
  process.stderr.write(`${shown.join('\n')}\n${more > 0 ? `... and ${more} more problem${more === 1 ? '' : 's'}\n` : ''}`);
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
