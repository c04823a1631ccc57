/**
 * Requests that do not decode. grpc-js answers a request it cannot deserialize
 * with INTERNAL ("Error deserializing request"), as if the server were broken;
 * here such a request decodes to an {@link UndecodableRequest} instead, and the
 * handler adapters (handlers.ts) answer it with INVALID_ARGUMENT naming the
 * message type and what is wrong with the bytes.
 */
import type * as grpc from '@grpc/grpc-js';
import { boundedDetails } from './grpc-errors.ts';
import { describeError, InvalidArgumentError } from './errors.ts';

/** What a request decodes to when its bytes are not a message of its type. */
export class UndecodableRequest {
  constructor(
    readonly method: string,
    readonly reason: string,
  ) {}

  /** The refusal a handler answers with. */
  error(): InvalidArgumentError {
    return new InvalidArgumentError(boundedDetails(`${this.method}: the request is not a valid message (${this.reason})`));
  }
}

/** `def` with request deserializers that never throw (a bad request decodes to an {@link UndecodableRequest}). */
export function tolerantRequests(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, md] of Object.entries(def)) {
    const decode = md.requestDeserialize;
    out[name] = {
      ...md,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (e: unknown) {
          return new UndecodableRequest(name, describeError(e));
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

/** Throws the INVALID_ARGUMENT of a request that did not decode; returns a decoded one. */
export function decoded<T>(request: T): T {
  if (request instanceof UndecodableRequest) throw request.error();
  return request;
}
