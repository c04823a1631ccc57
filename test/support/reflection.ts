/**
 * A gRPC server reflection client (grpc.reflection.v1), as generic tools use it:
 * the services a server lists, and the FileDescriptorProtos it returns for a
 * file name or a symbol, decoded with protobufjs's descriptor types.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { onCleanup } from './processes.ts';

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

type Duplex = grpc.ClientDuplexStream<Record<string, unknown>, ReflectionResponse>;

function client(address: string): { call: Duplex; close: () => void } {
  const require = createRequire(import.meta.url);
  const proto = path.join(path.dirname(require.resolve('@grpc/reflection')), '..', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');
  const def = protoLoader.loadSync(proto, { keepCase: true, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } } };
  const c = new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  const unregister = onCleanup(() => c.close());
  const call = (c as unknown as { ServerReflectionInfo: (o: grpc.CallOptions) => Duplex }).ServerReflectionInfo({ deadline: new Date(Date.now() + 5000) });
  return {
    call,
    close: () => {
      unregister();
      call.end();
      c.close();
    },
  };
}

/** One reflection request, one response. */
async function ask(address: string, request: Record<string, unknown>): Promise<ReflectionResponse> {
  const { call, close } = client(address);
  try {
    return await new Promise<ReflectionResponse>((resolve, reject) => {
      call.on('data', resolve);
      call.on('error', reject);
      call.write(request);
    });
  } finally {
    close();
  }
}

/** The services a server lists. */
export async function listServices(address: string): Promise<string[]> {
  const r = await ask(address, { list_services: '*' });
  return (r.list_services_response?.service ?? []).map((s) => s.name).sort();
}

/** A decoded FileDescriptorProto (protobufjs's descriptor message as a plain object). */
export interface FileDescriptor {
  name: string;
  package: string;
  dependency: string[];
  messageType: { name: string; field: { name: string; jsonName: string; number: number }[] }[];
  service: { name: string; method: { name: string }[] }[];
  sourceCodeInfo?: { location: { leadingComments?: string }[] };
}

const FileDescriptorProto = (descriptor as unknown as { FileDescriptorProto: protobuf.Type }).FileDescriptorProto;

function decode(files: Buffer[]): FileDescriptor[] {
  return files.map((b) => FileDescriptorProto.toObject(FileDescriptorProto.decode(b), { defaults: true, arrays: true }) as FileDescriptor);
}

/** The files a server returns for a file name (the file first, then what it depends on); or its error. */
export async function fileByFilename(address: string, file: string): Promise<FileDescriptor[] | { error: string; code: number }> {
  const r = await ask(address, { file_by_filename: file });
  if (r.error_response) return { error: r.error_response.error_message, code: r.error_response.error_code };
  return decode(r.file_descriptor_response?.file_descriptor_proto ?? []);
}

/** The files a server returns for a fully qualified symbol. */
export async function fileContainingSymbol(address: string, symbol: string): Promise<FileDescriptor[] | { error: string; code: number }> {
  const r = await ask(address, { file_containing_symbol: symbol });
  if (r.error_response) return { error: r.error_response.error_message, code: r.error_response.error_code };
  return decode(r.file_descriptor_response?.file_descriptor_proto ?? []);
}
