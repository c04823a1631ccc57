/**
 * Validation of request fields at the service edge: every RPC checks its
 * request with these before it does anything, so a bad request is refused with
 * INVALID_ARGUMENT naming the field (`task_id: required`), never half-done and
 * never accepted when it could not make progress.
 */
import { InvalidArgumentError } from './errors.ts';
import type { WireEnum } from './wire-enum.ts';

/** Longest id, name or label a request may carry. */
export const MAX_NAME_LENGTH = 256;
/** Most items a page of a listing may hold. */
export const MAX_PAGE_SIZE = 1000;

const shorten = (v: string): string => (v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}… (${v.length} characters)` : JSON.stringify(v));

/** A name or id that must be present and at most {@link MAX_NAME_LENGTH} characters. */
export function requiredName(value: string | null | undefined, field: string): string {
  if (!value) throw new InvalidArgumentError(`${field}: required`);
  return name(value, field);
}

/** A name or id that may be empty, at most {@link MAX_NAME_LENGTH} characters, without control characters. */
export function name(value: string | null | undefined, field: string): string {
  const v = value ?? '';
  if (v.length > MAX_NAME_LENGTH) throw new InvalidArgumentError(`${field}: at most ${MAX_NAME_LENGTH} characters, got ${v.length}`);
  if (/[\u0000-\u001f\u007f]/.test(v)) throw new InvalidArgumentError(`${field}: control characters are not allowed in ${shorten(v)}`);
  return v;
}

/** host:port (or [v6]:port) with a port 1..65535. */
export function hostPort(value: string | null | undefined, field: string): string {
  const v = requiredName(value, field);
  const m = /^(?:[^\s:[\]]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[1]) : 0;
  if (!m || port < 1 || port > 65535) throw new InvalidArgumentError(`${field}: must be host:port, got ${shorten(v)}`);
  return v;
}

/**
 * An enum field: its domain value; UNSPECIFIED gives `fallback` (or is refused
 * when there is none); a value this build does not know is refused by name.
 */
export function enumField<T extends string>(mapping: WireEnum<T>, value: unknown, field: string, fallback?: T): T {
  if (value === undefined || value === null || value === `${mapping.prefix}UNSPECIFIED` || value === 0) {
    if (fallback !== undefined) return fallback;
    throw new InvalidArgumentError(`${field}: required (one of ${mapping.values.map((v) => mapping.toWire(v)).join(', ')})`);
  }
  const v = mapping.fromWire(value);
  if (v === undefined) throw new InvalidArgumentError(`${field}: unknown value ${JSON.stringify(value)} (one of ${mapping.values.map((x) => mapping.toWire(x)).join(', ')})`);
  return v;
}

/** An optional unsigned integer within [min, max]; absent gives `fallback`. */
export function optionalInt(value: number | null | undefined, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new InvalidArgumentError(`${field}: must be ${min}..${max}, got ${value}`);
  return value;
}

/** One page of a listing: which items, and the token of the next page. */
export interface Page {
  readonly start: number;
  readonly end: number;
  /** Empty on the last page. */
  readonly nextToken: string;
}

/**
 * The page a request asks for, of `total` items. Tokens are opaque to clients
 * (here: the offset of the page's first item); a token this server did not
 * give, or one past the end, is refused.
 */
export function page(pageSize: number | null | undefined, token: string | null | undefined, total: number, defaultSize: number): Page {
  const size = optionalInt(pageSize, 'page_size', 1, MAX_PAGE_SIZE, defaultSize);
  let start = 0;
  if (token) {
    const m = /^o(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('latin1'));
    start = m ? Number(m[1]) : -1;
    if (start < 0 || start > total) throw new InvalidArgumentError(`page_token: not a token of this listing (${shorten(token)})`);
  }
  const end = Math.min(total, start + size);
  return { start, end, nextToken: end < total ? Buffer.from(`o${end}`, 'latin1').toString('base64url') : '' };
}
