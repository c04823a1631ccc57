/**
 * The one JSON convention of migvisor's `--json` output: the proto3 JSON mapping
 * of the wire message a command received (field names as their json_name,
 * lowerCamelCase; enums by name; 64-bit integers as strings; bytes as base64),
 * with every field present, unset messages as null: what `buf curl
 * --emit-defaults` prints for the same RPC.
 */
import { messageType } from './wire.ts';

/** `message` (a wire object of type migvisor.v1.`typeName`) in the proto3 JSON mapping. */
export function toProtoJson(typeName: string, message: object): Record<string, unknown> {
  const t = messageType(typeName);
  return t.toObject(t.fromObject(message), { longs: String, enums: String, bytes: String, defaults: true, json: true }) as Record<string, unknown>;
}
