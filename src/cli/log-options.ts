/**
 * The options every server command shares for its structured log
 * (`--log-level`, `--log-format`; README, "Operating a cluster"), checked while
 * the command line is parsed. Light on purpose: command registration imports it.
 */
import type { Command } from 'commander';
import { choiceOption } from './option-values.ts';

/** The levels of `--log-level` (common's LOG_LEVELS, repeated here so registration loads nothing more). */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** The formats of `--log-format`. */
const FORMATS = ['auto', 'json', 'pretty'] as const;

/** The flags the log options leave on a command's options. */
export interface LogFlags {
  readonly logLevel?: (typeof LEVELS)[number];
  readonly logFormat?: (typeof FORMATS)[number];
}

/** Adds `--log-level` and `--log-format` to a server command (`who`: whose log it is, e.g. "the node's"). */
export function withLogOptions(command: Command, who: string): Command {
  return command
    .addOption(choiceOption('--log-level <level>', `least level of ${who} log lines (default info)`, LEVELS))
    .addOption(choiceOption('--log-format <format>', `${who} log as JSON lines, pretty lines, or auto: pretty when stderr is a terminal (default auto)`, FORMATS));
}
