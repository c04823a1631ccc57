/**
 * `--json` output: every command prints the proto3 JSON mapping of the wire
 * message it received (README, "Command line": JSON), so a script reads the
 * same field names from the CLI as from the RPC.
 */
import { toProtoJson } from '../common/index.ts';

/** Prints `message`, a wire message of type migvisor.v1.`typeName`, as proto3 JSON. */
export function printMessage(typeName: string, message: object): void {
  process.stdout.write(`${JSON.stringify(toProtoJson(typeName, message), null, 2)}\n`);
}

/** Prints one message per line (streams: watch). */
export function printMessageLine(typeName: string, message: object): void {
  process.stdout.write(`${JSON.stringify(toProtoJson(typeName, message))}\n`);
}

/** Prints several messages as one JSON array. */
export function printMessages(typeName: string, messages: readonly object[]): void {
  process.stdout.write(`${JSON.stringify(messages.map((m) => toProtoJson(typeName, m)), null, 2)}\n`);
}
