/**
 * Where this process dials. Under the testbed (`cluster up`, `scenario run`) each
 * node and the middleware is started with a route table: for every peer's real
 * address, the address of the relay that carries this process's traffic to that
 * peer over their link. Every gRPC channel a process opens to a peer goes through
 * {@link dialAddress}, so migration streams, page fetches, gate forwarding and
 * park/restore all cross the shaped link. Without a table, addresses are dialled
 * as given.
 */
import * as fs from 'node:fs';
import { InvalidArgumentError, MigvisorError } from './errors.ts';

let routes: ReadonlyMap<string, string> = new Map();

/** `localhost:7000` and `127.0.0.1:7000` are one peer. */
function normal(address: string): string {
  return address.replace(/^localhost:/i, '127.0.0.1:');
}

const HOST_PORT = /^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

/** Replaces the route table: peer address → relay address. */
export function setDialRoutes(table: Readonly<Record<string, string>>): void {
  const next = new Map<string, string>();
  for (const [from, to] of Object.entries(table)) {
    if (!HOST_PORT.test(from) || !HOST_PORT.test(to)) throw new InvalidArgumentError(`route ${JSON.stringify(from)} → ${JSON.stringify(to)}: both must be host:port`);
    next.set(normal(from), to);
  }
  routes = next;
}

/** Loads the route table from a JSON file `{ "PEER:PORT": "RELAY:PORT", ... }` (`--routes FILE`). */
export function loadDialRoutes(file: string): void {
  let table: unknown;
  try {
    table = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e: unknown) {
    throw new MigvisorError(`cannot read the route table ${file}: ${(e as Error).message}`);
  }
  if (table === null || typeof table !== 'object' || Array.isArray(table) || Object.values(table).some((v) => typeof v !== 'string')) {
    throw new InvalidArgumentError(`${file}: a route table is a JSON object of "host:port": "host:port"`);
  }
  setDialRoutes(table as Record<string, string>);
}

/** The address to open a channel to when this process talks to `address`. */
export function dialAddress(address: string): string {
  return routes.get(normal(address)) ?? address;
}
