/**
 * Ports for the processes of a live cluster (docs/TESTING.md, "The network:
 * links"). The test bed picks each process's port before it starts, so that the
 * relays can be bound to it, and the process binds it itself a moment later. A
 * port the kernel gave out for port 0 could be taken by anything else on the
 * machine in between (another test bed, any server listening on port 0), and a
 * process restarted by a fault must get the same port again. So the ports are
 * picked below the kernel's ephemeral range (Linux:
 * /proc/sys/net/ipv4/ip_local_port_range), which port-0 listeners and outgoing
 * connections never use.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

/** A port held until released. */
export interface ReservedPort {
  readonly port: number;
  release(): Promise<void>;
}

/** The ports tried below the ephemeral range. */
export const SPAN = 12_000;
/** Random picks before falling back to a port the kernel chooses. */
const TRIES = 64;

/** The first port of the kernel's ephemeral range (undefined where it cannot be read). */
export function ephemeralLow(file = '/proc/sys/net/ipv4/ip_local_port_range'): number | undefined {
  try {
    const low = Number(fs.readFileSync(file, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 ? low : undefined;
  } catch {
    return undefined;
  }
}

/** Listens on `port` of `host` (0: one the kernel picks); undefined if it is taken. */
function hold(host: string, port: number): Promise<ReservedPort | undefined> {
  const server = net.createServer();
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => (port !== 0 && (e.code === 'EADDRINUSE' || e.code === 'EACCES') ? resolve(undefined) : reject(e)));
    server.listen({ port, host, exclusive: true }, () =>
      resolve({ port: (server.address() as net.AddressInfo).port, release: () => new Promise<void>((done) => server.close(() => done())) }),
    );
  });
}

/** Reserves a free port of `host`, below the ephemeral range where it can, and holds it until released. */
export async function reservePort(host: string, random: () => number = Math.random): Promise<ReservedPort> {
  const low = ephemeralLow();
  if (low !== undefined) {
    const from = Math.max(1025, low - SPAN);
    for (let i = 0; i < TRIES; i++) {
      const held = await hold(host, from + Math.floor(random() * (low - from)));
      if (held) return held;
    }
  }
  return (await hold(host, 0))!;
}
