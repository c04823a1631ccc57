/**
 * The project's error hierarchy. Every domain failure is a subclass of
 * {@link MigvisorError} carrying a gRPC status code and the context a user needs;
 * one function at each service edge maps any error to a gRPC status.
 */

/** gRPC status codes, as numbers (kept here so domain code does not import grpc-js). */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
/** A gRPC status code. */
export type Code = (typeof Code)[keyof typeof Code];

/** Base of every error migvisor raises on purpose. */
export class MigvisorError extends Error {
  readonly code: Code;
  constructor(message: string, code: Code = Code.INTERNAL, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A command arrived in a state that does not accept it. */
export class IllegalStateError extends MigvisorError {
  constructor(
    readonly state: string,
    readonly command: string,
    detail?: string,
  ) {
    super(`${command} refused in state ${state}${detail ? `: ${detail}` : ''}`, Code.FAILED_PRECONDITION);
  }
}

/** Something named by the user does not exist (task, node, partition, snapshot...). */
export class NotFoundError extends MigvisorError {
  constructor(
    readonly kind: string,
    readonly ident: string,
    where?: string,
  ) {
    super(`${kind} ${JSON.stringify(ident)} not found${where ? ` ${where}` : ''}`, Code.NOT_FOUND);
  }
}

/** Bad input from a user: a request, a file, a program. */
export class InvalidArgumentError extends MigvisorError {
  constructor(message: string) {
    super(message, Code.INVALID_ARGUMENT);
  }
}

/** Something that must be unique exists already (a task id on a node, a migration id). */
export class AlreadyExistsError extends MigvisorError {
  constructor(message: string) {
    super(message, Code.ALREADY_EXISTS);
  }
}

/** A bounded resource is full (memory, slots, a gate queue). */
export class ResourceExhaustedError extends MigvisorError {
  constructor(message: string) {
    super(message, Code.RESOURCE_EXHAUSTED);
  }
}

/**
 * An input file that is damaged or malformed (an object file, a container): one
 * line `FILE: message`, INVALID_ARGUMENT, and exit 2 from the CLI like any invalid input file.
 */
export class InvalidFileError extends MigvisorError {
  constructor(message: string) {
    super(message, Code.INVALID_ARGUMENT);
  }
}

/**
 * A refusal of `file` itself (it does not verify, a field is malformed:
 * INVALID_ARGUMENT or DATA_LOSS) as an InvalidFileError naming the file (exit 2);
 * any other error unchanged.
 */
export function asFileRefusal(e: unknown, file: string): unknown {
  if (!(e instanceof MigvisorError) || (e.code !== Code.INVALID_ARGUMENT && e.code !== Code.DATA_LOSS)) return e;
  return new InvalidFileError(e.message.startsWith(file) ? e.message : `${file}: ${e.message}`);
}

/** A problem in a source file, reported as FILE:LINE: message. */
export class SourceError extends MigvisorError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`, Code.INVALID_ARGUMENT);
  }
}

/** Several source problems found in one pass (the assembler and the config checker report all). */
export class SourceErrors extends MigvisorError {
  constructor(readonly problems: readonly SourceError[]) {
    super(problems.map((p) => p.message).join('\n'), Code.INVALID_ARGUMENT);
  }
}

/** Why a file could not be read, written or made, in words: "no such file", "permission denied", "a file is in the way", ... */
export function fileProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    // Where a folder must be made, or a path goes through a file.
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a file is in the way';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left';
    case 'ERR_FS_FILE_TOO_LARGE':
      // Node reads a file into one buffer of at most 2 GiB; nothing migvisor reads whole is near that (a node has at most 1 GiB).
      return 'larger than 2 GiB, more than any file migvisor reads';
    case 'ERR_STRING_TOO_LONG':
      // Read as text: V8's longest string is about 512 MiB.
      return 'larger than 512 MiB, more than any text file migvisor reads';
    default:
      return code ?? (describeError(e));
  }
}

/** Turns anything thrown into a one-line message fit for a terminal. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** A caller's identity lacks the role a method needs (README "TLS and roles"). */
export class PermissionDeniedError extends MigvisorError {
  constructor(message: string) {
    super(message, Code.PERMISSION_DENIED);
  }
}

/** A caller could not be identified (an unknown token, no certificate where roles apply). */
export class UnauthenticatedError extends MigvisorError {
  constructor(message: string) {
    super(message, Code.UNAUTHENTICATED);
  }
}
