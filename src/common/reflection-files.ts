/**
 * What server reflection serves: the real FileDescriptorProtos of proto/ (their
 * file names, packages and dependencies, the original snake_case field names
 * with their json_names, and the comments), built by buf at `npm run gen:proto`,
 * with the health and reflection protos. @grpc/reflection indexes any object
 * whose values carry `fileDescriptorProtos`, so this hands it the real files
 * instead of proto-loader's synthetic ones.
 */
import type { PackageDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { FILE_DESCRIPTOR_SET_BASE64 } from '../generated/file-descriptors.ts';

/** The serialized FileDescriptorProtos of the FileDescriptorSet, one per file. */
export function fileDescriptorProtos(): Buffer[] {
  const reader = protobuf.Reader.create(Buffer.from(FILE_DESCRIPTOR_SET_BASE64, 'base64'));
  const files: Buffer[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    // FileDescriptorSet.file = 1, length-delimited; nothing else is in a set buf writes.
    if (tag >>> 3 === 1 && (tag & 7) === 2) files.push(Buffer.from(reader.bytes()));
    else reader.skipType(tag & 7);
  }
  return files;
}

let files: PackageDefinition | undefined;

/** The files in the shape @grpc/reflection reads. */
export function reflectionFiles(): PackageDefinition {
  files ??= { files: { format: 'Protocol Buffer 3 DescriptorProto', type: {}, fileDescriptorProtos: fileDescriptorProtos() } } as unknown as PackageDefinition;
  return files;
}
