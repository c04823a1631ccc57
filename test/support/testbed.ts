/**
 * The Testbed service of a running `cluster up` as the specs reach it: a grpc-js
 * client (closed by cleanup()), the processes and links it reports, putting a
 * cluster back as it was after a test changed it (links healed and unshaped,
 * processes thawed or started again), and what Linux says of a process (/proc).
 */
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { unary } from '../../src/common/clients.ts';
import { CHANNEL_OPTIONS, wire } from '../../src/common/wire.ts';
import type { Link__Output } from '../../src/generated/migvisor/v1/Link.ts';
import type { Process__Output } from '../../src/generated/migvisor/v1/Process.ts';
import type { TestbedClient } from '../../src/generated/migvisor/v1/Testbed.ts';
import { onCleanup, poll } from './processes.ts';

/** A Testbed client of the testbed at `address`, closed by cleanup(). */
export function testbedClient(address: string): TestbedClient {
  const c = new (wire().Testbed)(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  onCleanup(() => c.close());
  return c;
}

/** ListProcesses. */
export async function processes(c: TestbedClient): Promise<Process__Output[]> {
  return (await unary(c.ListProcesses, c, {}, 'ListProcesses')).processes;
}

/** One process as ListProcesses reports it. */
export async function processOf(c: TestbedClient, name: string): Promise<Process__Output> {
  const p = (await processes(c)).find((x) => x.name === name);
  if (!p) throw new Error(`no process ${name} in ListProcesses`);
  return p;
}

/** ListLinks. */
export async function links(c: TestbedClient): Promise<Link__Output[]> {
  return (await unary(c.ListLinks, c, {}, 'ListLinks')).links;
}

/** The link between `a` and `b` (either order) as ListLinks reports it. */
export async function linkOf(c: TestbedClient, a: string, b: string): Promise<Link__Output> {
  const l = (await links(c)).find((x) => x.between.includes(a) && x.between.includes(b));
  if (!l) throw new Error(`no link ${a}<->${b} in ListLinks`);
  return l;
}

/**
 * Puts the cluster back as `cluster up` started it, as far as a test can have
 * changed it: every link healed and unshaped (no bandwidth limit, latency, jitter
 * or loss), every frozen process thawed and every killed one started again.
 * Faults armed and not yet taken (corrupt, delay) cannot be disarmed through the
 * service: the tests that arm them use them up.
 */
export async function restore(c: TestbedClient): Promise<void> {
  for (const l of await links(c)) {
    const [a, b] = l.between as [string, string];
    if (l.state !== 'LINK_STATE_UP') await unary(c.HealLink, c, { a, b }, `HealLink ${a} ${b}`);
    if (l.profileText !== 'unshaped') {
      await unary(c.SetLink, c, { a, b, bandwidthBitsPerSecond: 0, latencyMs: 0, jitterMs: 0, loss: 0 }, `SetLink ${a} ${b}`);
    }
  }
  for (const p of await processes(c)) {
    if (p.state === 'PROCESS_STATE_FROZEN') await unary(c.InjectFault, c, { thaw: { process: p.name } }, `thaw ${p.name}`);
    else if (p.state !== 'PROCESS_STATE_RUNNING') await unary(c.InjectFault, c, { restart: { process: p.name } }, `restart ${p.name}`, 30_000);
  }
}

/** What /proc/PID/stat says of a process: its state letter (R, S, T...) and CPU time in clock ticks; undefined once it is gone. */
export function procStat(pid: number): { state: string; cpuTicks: number } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid ... utime(14) stime(15): comm may hold spaces, so count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

/** Waits until process `name` is in `state` (e.g. PROCESS_STATE_RUNNING); resolves with it. */
export function processState(c: TestbedClient, name: string, state: string, timeoutMs = 10_000): Promise<Process__Output> {
  return poll(`${name} to be ${state}`, async () => {
    const p = await processOf(c, name);
    return p.state === state ? p : undefined;
  }, timeoutMs, 10);
}

/**
 * The peers of the established IPv4 TCP connections whose local port is `port`
 * (Linux /proc/net/tcp), as `host:port` in hex the way the kernel writes them.
 * A connection the kernel accepted for a stopped (frozen) process is listed too.
 */
export function tcpPeersOf(port: number): Set<string> {
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const out = new Set<string>();
  for (const line of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, l, remote, st] = line.trim().split(/\s+/);
    if (l?.endsWith(local) && st === '01') out.add(remote!);
  }
  return out;
}
