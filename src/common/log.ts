/**
 * The servers' structured log (README, "Operating a cluster"): JSON lines
 * through pino, one object per line with `level` (a label), `time` (ISO 8601),
 * `msg` and the fields of what it concerns (`node`, `task`, `migrationId`,
 * `traveler`, ...); human-readable through pino-pretty on a terminal. The CLI's
 * own output does not go through here: only the long-running processes (node,
 * middleware, the testbed of `cluster up`) log.
 */
import { createRequire } from 'node:module';
import type { DestinationStream, Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

// Loaded on first use: every CLI command loads this area, only the servers log.
const require = createRequire(import.meta.url);
const pinoModule = (): typeof import('pino') => require('pino') as typeof import('pino');
const prettyModule = (): typeof PinoPretty => require('pino-pretty') as typeof PinoPretty;

/** Levels of `--log-level`, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** A level of `--log-level`. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `--log-format`: JSON lines, pretty lines, or pretty when stderr is a terminal. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
/** A value of `--log-format`. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** How a process logs. */
export interface LogOptions {
  /** @default info */
  readonly level?: LogLevel;
  /** @default auto */
  readonly format?: LogFormat;
  /** Fields on every line (e.g. `{ node: 'field-a' }`). */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** Where lines go (default: stderr, written synchronously so nothing is lost at exit). */
  readonly destination?: DestinationStream;
}

/** Options of pino-pretty for one line per record, as a terminal reads it. */
const PRETTY = { colorize: false, singleLine: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' } as const;

/** Whether `format` means pretty lines here (auto: stderr is a terminal). */
export function isPretty(format: LogFormat = 'auto'): boolean {
  return format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
}

/** A logger of JSON lines (or pretty ones, see {@link isPretty}) with `fields` on every line. */
export function createLogger(options: LogOptions = {}): Logger {
  const { pino } = pinoModule();
  const destination =
    options.destination ??
    (isPretty(options.format) ? prettyModule()({ ...PRETTY, colorize: process.stderr.isTTY === true, destination: 2, sync: true }) : pino.destination({ fd: 2, sync: true }));
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid, ...options.fields },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/**
 * A function that turns one JSON log line (of a child process) into a line for a
 * terminal; lines that are not log records come back as they are.
 */
export function prettyLine(): (line: string) => string {
  const format = prettyModule().prettyFactory({ ...PRETTY, colorize: process.stderr.isTTY === true });
  return (line) => {
    if (!line.startsWith('{')) return line;
    try {
      JSON.parse(line);
    } catch {
      return line;
    }
    return format(line).replace(/\n$/, '');
  };
}

let processLogger: Logger | undefined;

/** The process's logger: the one {@link setProcessLogger} installed, else JSON at info on stderr. */
export function log(): Logger {
  processLogger ??= createLogger();
  return processLogger;
}

/** Installs the process's logger (a server's start command does, from its flags). */
export function setProcessLogger(logger: Logger): void {
  processLogger = logger;
}

/**
 * A long-running process (node, middleware) logs a promise rejection nobody
 * handled, with its stack, instead of dying: one failed background task (a gate
 * forward, a page fetch) must not take down every task of the process.
 */
export function logUnhandledRejections(): void {
  process.on('unhandledRejection', (e: unknown) => {
    log().error({ err: e }, `unhandled rejection: ${e instanceof Error ? e.message : String(e)}`);
  });
}
