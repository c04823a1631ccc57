/**
 * What every layer shares: the error hierarchy and its gRPC mapping, the wire
 * contract loaded from proto/, gRPC clients and the service host, TLS and roles,
 * task ids, the registry of where running processes listen, and the servers' log
 * and metrics.
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
  PermissionDeniedError,
  ResourceExhaustedError,
  SourceError,
  SourceErrors,
  InvalidFileError,
  asFileRefusal,
  UnauthenticatedError,
} from './errors.ts';
export { boundedDetails, MAX_STATUS_DETAILS, statusName, toServiceError } from './grpc-errors.ts';
export { DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_STREAM_IDLE_MS, inboundStreamLimits, StreamGuard } from './stream-guard.ts';
export type { InboundStreamLimits } from './stream-guard.ts';
export { dialAddress, loadDialRoutes, setDialRoutes } from './dial-routes.ts';
export { roomyBuffer, varintSize, writeVarint } from './chunk-frame.ts';
export { CALL_ENDED, clientStream, deadline, migTaskClient, nodeClient, openUnary, serverStream, unary } from './clients.ts';
export type { MigTaskClient, NodeControlClient, PreparedUnary } from './clients.ts';
export { claimMiddleware, forgetMiddleware, forgetNode, isAddress, readEndpoints, recordMiddleware, recordNode, REGISTRY_ENV, registryDir, resolveMiddleware, resolveNode, resolveTestbed, writeEndpoints } from './endpoints.ts';
export { PACKAGE_ROOT } from './package-root.ts';
export { printable, quoted } from './printable.ts';
export { firstNulLine } from './binary-text.ts';
export { makeDirsSync } from './make-dirs.ts';
export type { ClusterListeners, Endpoints } from './endpoints.ts';
export { ManualClock, systemClock } from './clock.ts';
export type { Clock, Timer } from './clock.ts';
export { randomIds, seededIds, taskId } from './ids.ts';
export type { IdSource } from './ids.ts';
export { ServiceHost } from './service-host.ts';
export { certificateNames, channelCredentials, channelOptions, configureTls, describeTlsFailure, openClient, probeTls, serverCredentials, setCallToken, tlsIdentity } from './tls.ts';
export type { TlsIdentity } from './tls.ts';
export { authorizeCall, callerIdentity, configureAccess, METHOD_ROLES, ROLES, rolesOf, roleInterceptor } from './roles.ts';
export type { AccessPolicy, CallerFacts, Role } from './roles.ts';
export { clientStreamHandler, observeCalls, serverStreamHandler, unaryHandler } from './handlers.ts';
export type { CallObserver, StreamOut } from './handlers.ts';
export { createLogger, isPretty, log, LOG_FORMATS, LOG_LEVELS, logUnhandledRejections, prettyLine, setProcessLogger } from './log.ts';
export type { LogFormat, Logger, LogLevel, LogOptions } from './log.ts';
export { counter, createRegistry, gauge, histogram, registerGrpcMetrics, SECONDS_BUCKETS, serveMetrics } from './metrics.ts';
export type { Counter, Gauge, Histogram, MetricsServer, Registry } from './metrics.ts';
export { bufferedIterable } from './observable-iterable.ts';
export { withEnd } from './source-end.ts';
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
