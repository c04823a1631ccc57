/**
 * The one place errors become gRPC statuses (service edge) and statuses become
 * errors again (client edge). Unexpected errors become INTERNAL with a generic
 * message; their cause is logged, never sent.
 */
import * as grpc from '@grpc/grpc-js';
import { Code, describeError, MigvisorError } from './errors.ts';
import { describeTlsFailure } from './tls.ts';
import { log } from './log.ts';

/**
 * Longest status message a server sends, in characters. A longer one (an error
 * echoing a 100,000-character id) would overflow the HTTP/2 trailers: the client
 * would never get its answer and its channel would stall. README "## Limits".
 */
export const MAX_STATUS_DETAILS = 1024;

/** `details` cut to {@link MAX_STATUS_DETAILS} characters, saying how long it was. */
export function boundedDetails(details: string): string {
  if (details.length <= MAX_STATUS_DETAILS) return details;
  return `${details.slice(0, MAX_STATUS_DETAILS - 40)}… (${details.length} characters, cut)`;
}

/** Any error as a gRPC status: a MigvisorError keeps its code and message; anything else becomes INTERNAL with a generic message, its cause told to `say` (the process log by default). */
export function toServiceError(e: unknown, say: (msg: string) => void = (m) => log().error(m)): Partial<grpc.StatusObject> {
  if (e instanceof MigvisorError) return { code: e.code as number as grpc.status, details: boundedDetails(e.message) };
  if (isServiceError(e)) return { code: e.code, details: boundedDetails(e.details ?? '') };
  say(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return { code: grpc.status.INTERNAL, details: 'internal error (see the log of the process that answered)' };
}

/** Whether `e` is a status from grpc-js (a code and details). */
export function isServiceError(e: unknown): e is grpc.ServiceError {
  return typeof e === 'object' && e !== null && 'code' in e && 'details' in e && typeof (e as { code: unknown }).code === 'number';
}

/** grpc's transport details in plain words ("connection refused", "no such host"). */
function unreachable(details: string): string {
  const tls = describeTlsFailure(details);
  if (tls) return `TLS: ${tls}`;
  const refused = /ECONNREFUSED ([^\s.]+(?:\.[^\s.]+)*:\d+)/.exec(details);
  if (refused) return `unreachable (connection refused at ${refused[1]})`;
  if (/ECONNREFUSED/.test(details)) return 'unreachable (connection refused)';
  if (/Name resolution failed|ENOTFOUND|EAI_AGAIN/.test(details)) return 'unreachable (no such host)';
  if (/ECONNRESET|Connection dropped|socket hang up/i.test(details)) return 'unreachable (connection lost)';
  if (/ETIMEDOUT/.test(details)) return 'unreachable (connection timed out)';
  return `unavailable (${details})`;
}

/** A failed call as a MigvisorError carrying the same code and the server's message. */
export function fromServiceError(e: unknown, what: string): MigvisorError {
  if (e instanceof MigvisorError) return e;
  if (isServiceError(e)) {
    // A local transport failure has only grpc's terse details; a server's status carries its own explanation.
    if (e.code === grpc.status.UNAVAILABLE) return new MigvisorError(`${what}: ${unreachable(e.details)}`, Code.UNAVAILABLE, { cause: e });
    if (e.code === grpc.status.DEADLINE_EXCEEDED) {
      const local = !e.details || e.details === 'Deadline exceeded' || e.details.startsWith('Deadline exceeded after');
      return new MigvisorError(local ? `${what}: deadline exceeded` : e.details, Code.DEADLINE_EXCEEDED, { cause: e });
    }
    return new MigvisorError(e.details || `${what} failed`, e.code as number as Code, { cause: e });
  }
  return new MigvisorError(`${what}: ${describeError(e)}`, Code.INTERNAL, { cause: e });
}

/** gRPC status names by number. */
const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** The name of a gRPC status code (`UNAVAILABLE`), or `CODE_n` for a number gRPC does not define. */
export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `CODE_${code}`;
}
