/**
 * What every layer shares: the error hierarchy and its gRPC mapping, the wire
 * contract loaded from proto/, gRPC clients and the service host, task ids, and
 * the registry of where running processes listen.
 */
export {
  AlreadyExistsError,
  Code,
  describeError,
  fileProblem,
  IllegalStateError,
  InvalidArgumentError,
  MigvisorError,
  NotFoundError,
  ResourceExhaustedError,
  SourceError,
  SourceErrors,
} from './errors.ts';
export { toServiceError } from './grpc-errors.ts';
export { dialAddress, loadDialRoutes, setDialRoutes } from './dial-routes.ts';
export { clientStream, deadline, migTaskClient, nodeClient, serverStream, unary } from './clients.ts';
export type { MigTaskClient, NodeControlClient } from './clients.ts';
export { claimMiddleware, forgetMiddleware, forgetNode, isAddress, readEndpoints, recordMiddleware, recordNode, REGISTRY_ENV, registryDir, resolveMiddleware, resolveNode, resolveTestbed, writeEndpoints } from './endpoints.ts';
export { PACKAGE_ROOT } from './package-root.ts';
export type { ClusterListeners, Endpoints } from './endpoints.ts';
export { ManualClock, systemClock } from './clock.ts';
export type { Clock, Timer } from './clock.ts';
export { randomIds, seededIds, taskId } from './ids.ts';
export type { IdSource } from './ids.ts';
export { ServiceHost } from './service-host.ts';
export { clientStreamHandler, serverStreamHandler, unaryHandler } from './handlers.ts';
export type { StreamOut } from './handlers.ts';
export { bufferedIterable } from './observable-iterable.ts';
export { CHANNEL_OPTIONS, messageType, wire } from './wire.ts';
export {
  COMPRESSION_CHOICES,
  COMPRESSIONS,
  compressionFromWire,
  COMPRESSION_WIRE,
  compressionToWire,
  ENDIAN_WIRE,
  EVENT_KIND_WIRE,
  EVENT_KINDS,
  MIGRATION_MODE_WIRE,
  endianFromWire,
  endianToWire,
  ENDIANS,
  isOneOf,
  MIGRATION_MODES,
  WORD_SIZES,
} from './vocabulary.ts';
export type { Compression, CompressionChoice, Endian, EventKind, MigrationMode, WireCompression, WireEndian, WordSize } from './vocabulary.ts';
export { upperSnake, wireEnum } from './wire-enum.ts';
export type { WireEnum } from './wire-enum.ts';
export { fileDescriptorProtos } from './reflection-files.ts';
export { enumField, hostPort, MAX_NAME_LENGTH, MAX_PAGE_SIZE, name, optionalInt, page, requiredName } from './request-fields.ts';
export type { Page } from './request-fields.ts';
export { toProtoJson } from './proto-json.ts';
