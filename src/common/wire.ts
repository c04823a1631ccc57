/**
 * The wire contract, with one set of loader options (the same the TypeScript
 * types in src/generated/ were generated with: see scripts/gen-proto.mjs). It
 * is loaded from src/generated/wire-descriptor.ts: the .proto files of proto/
 * precompiled to a protobufjs JSON descriptor, so that no process parses them to
 * start (test/wire/generated.spec.ts fails when the descriptor is stale). gRPC
 * clients, services and server reflection use its package definition; the
 * container codec uses protobufjs types from the same descriptor.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import type { ProtoGrpcType as MigTaskProto } from '../generated/migtask.ts';
import type { ProtoGrpcType as NodeProto } from '../generated/node.ts';
import type { ProtoGrpcType as DiagnosticsProto } from '../generated/diagnostics.ts';
import type { ProtoGrpcType as MiddlewareProto } from '../generated/middleware.ts';
import type { ProtoGrpcType as ClusterProto } from '../generated/cluster.ts';
import type { ProtoGrpcType as TestbedProto } from '../generated/testbed.ts';
import { WIRE_DESCRIPTOR } from '../generated/wire-descriptor.ts';
import { serializeInPlace } from './chunk-frame.ts';

/** The folder of the wire contract (proto/). */
export const PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proto');
/**
 * Every file of the contract, relative to {@link PROTO_DIR}, sorted: the order
 * scripts/gen-proto.mjs loads them in for wire-descriptor.ts. protobufjs merges
 * each file's options (java_outer_classname...) into the one package namespace,
 * so the descriptor depends on the order.
 */
export const PROTO_FILES = [
  'migvisor/v1/cluster.proto',
  'migvisor/v1/container.proto',
  'migvisor/v1/diagnostics.proto',
  'migvisor/v1/middleware.proto',
  'migvisor/v1/migtask.proto',
  'migvisor/v1/node.proto',
  'migvisor/v1/testbed.proto',
  'migvisor/v1/types.proto',
];

/** Loader options; scripts/gen-proto.mjs passes the same ones to the type generator. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

let definition: protoLoader.PackageDefinition | undefined;
let root: protobuf.Root | undefined;

/**
 * The package definition of the contract. It equals what loading PROTO_FILES
 * from PROTO_DIR with LOADER_OPTIONS gives, which the wire tests check.
 */
export function packageDefinition(): protoLoader.PackageDefinition {
  definition ??= withChunksInPlace(protoLoader.fromJSON(WIRE_DESCRIPTOR, LOADER_OPTIONS));
  return definition;
}

/** The client streams of chunks, with the field number of the chunk in their request. */
const CHUNK_REQUESTS: readonly (readonly [service: string, method: string, field: number])[] = [
  ['migvisor.v1.MigTask', 'Receive', 1],
  ['migvisor.v1.MigTask', 'ReceiveStream', 2],
  ['migvisor.v1.MigTask', 'PushPages', 2],
  ['migvisor.v1.NodeControl', 'Load', 1],
];

/** Serializes the requests of the chunk streams around their payload where it has room (chunk-frame.ts); the rest as before. */
function withChunksInPlace(def: protoLoader.PackageDefinition): protoLoader.PackageDefinition {
  const r = protoRoot();
  const enums = { kind: r.lookupEnum('migvisor.v1.ChunkKind').values, compression: r.lookupEnum('migvisor.v1.Compression').values };
  for (const [service, method, field] of CHUNK_REQUESTS) {
    const m = (def[service] as protoLoader.ServiceDefinition | undefined)?.[method];
    if (!m) throw new Error(`wire: ${service}.${method} is not in the contract`);
    const usual = m.requestSerialize;
    (m as { requestSerialize: (req: object) => Buffer }).requestSerialize = (req: object) => serializeInPlace(field, req, enums) ?? usual(req);
  }
  return def;
}

/** The typed shape of every service and message of the contract. */
export type WireProto = MigTaskProto & NodeProto & DiagnosticsProto & MiddlewareProto & ClusterProto & TestbedProto;

/** The loaded services and messages, typed by the generated definitions. */
export function wire(): WireProto['migvisor']['v1'] {
  return (grpc.loadPackageDefinition(packageDefinition()) as unknown as WireProto).migvisor.v1;
}

/** protobufjs types for encoding container payloads and saved files. */
export function protoRoot(): protobuf.Root {
  if (!root) {
    root = protobuf.Root.fromJSON(WIRE_DESCRIPTOR);
    root.resolveAll();
  }
  return root;
}

/** A protobufjs message type of package migvisor.v1, by its short name. */
export function messageType(name: string): protobuf.Type {
  return protoRoot().lookupType(`migvisor.v1.${name}`);
}

/**
 * The HTTP/2 receive window of every migvisor channel and server, per stream and
 * per connection (bytes). HTTP/2's default of 64 KiB makes a sender wait for a
 * WINDOW_UPDATE every 64 KiB, which the receiver sends only between its own
 * work: a 64 MiB restore took 1.3 s with it and 0.7–0.9 s with this window on
 * the bench machine (README "Benchmarks"). It bounds what one stream can buffer.
 */
export const FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;

/** Options for channels and servers: containers stream in large chunks. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
};
