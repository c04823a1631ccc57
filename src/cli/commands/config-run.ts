/**
 * `migvisor config check [FILE]`: validates a cluster file before anything starts.
 * Exit 0 when valid; otherwise every problem as FILE:LINE: message on stderr and
 * exit 2 (with --json, the same problems as JSON on stdout, still exit 2). At most
 * the first 100 problems are printed, then how many more there are (--json lists all).
 */
import { checkClusterFile, ConfigFileError } from '../../config/index.ts';
import { Exit, printJson, printProblems } from '../run-command.ts';
import type { CheckFlags } from './config.ts';

/** Checks `file`; returns the exit code. */
export function checkCommand(file: string, flags: CheckFlags): number {
  let result;
  try {
    result = checkClusterFile(file);
  } catch (e: unknown) {
    if (!(e instanceof ConfigFileError)) throw e;
    // An unreadable file is invalid input to this command, not a runtime failure.
    process.stderr.write(`migvisor: ${e.message}\n`);
    return Exit.INVALID;
  }
  const { config, problems } = result;
  if (flags.json) {
    printJson({
      file,
      valid: problems.length === 0,
      problems: problems.map((p) => ({ file: p.file, line: p.line, message: p.detail })),
    });
  } else if (config && problems.length === 0) {
    process.stdout.write(`${file}: OK (${count(config.nodes.length, 'node')}, ${count(config.partitions.size, 'partition')})\n`);
  } else {
    printProblems(problems.map((p) => p.message));
  }
  return problems.length === 0 ? Exit.OK : Exit.INVALID;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
