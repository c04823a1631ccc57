/**
 * A private NATS JetStream cluster for the archive tests (README "Chunks on a
 * replicated engine"): `nats-server -js` servers on free loopback ports, routed
 * to each other (`--cluster`, `--routes`, one `--cluster_name`), each with its own
 * temporary store folder (`-sd`). Waits are bounded (each server's /healthz on
 * its monitoring port, JetStream included); every server started here is killed
 * and its folder removed by {@link NatsCluster.stop} or, should a suite forget,
 * by `cleanup()`. A single server can be SIGKILLed to lose it mid-operation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './middleware-harness.ts';
import { killProcess, onCleanup, sleep } from './processes.ts';

/** One server of the cluster. */
export interface NatsServer {
  readonly name: string;
  /** "127.0.0.1:PORT" of its client port. */
  readonly address: string;
  /** The running process (replaced by a restart). */
  child: ChildProcess;
  readonly stderr: string[];
  readonly args: readonly string[];
  readonly monitor: number;
}

/** A running JetStream cluster. */
export interface NatsCluster {
  readonly servers: readonly NatsServer[];
  /** `nats://A,B,C`: every client address, for --chunks. */
  readonly uri: string;
  /** SIGKILLs one server and waits until it is gone. */
  kill(server: NatsServer): Promise<void>;
  /** Starts a killed server again (same ports, same store folder) and waits until it is healthy. */
  restart(server: NatsServer): Promise<void>;
  /** The server that leads the stream of the chunk bucket, if one has said so. */
  streamLeader(bucket: string): NatsServer | undefined;
  /** Kills every server and removes their store folders. */
  stop(): Promise<void>;
}

/** The nats-server binary: $NATS_SERVER_BIN, else `nats-server` on the PATH (Debian installs /usr/sbin/nats-server). */
export function natsBinary(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin'];
  const candidates = process.env['NATS_SERVER_BIN'] ? [process.env['NATS_SERVER_BIN']] : dirs.map((d) => path.join(d, 'nats-server'));
  return candidates.find((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

/** For a suite's before(): the binary, or skip the suite (fail with MIGVISOR_REQUIRE_NATS=1). */
export function requireNats(ctx: Mocha.Context): string {
  const bin = natsBinary();
  if (bin) return bin;
  const why = "no nats-server binary (install Debian's nats-server, or set NATS_SERVER_BIN)";
  if (process.env['MIGVISOR_REQUIRE_NATS'] === '1') throw new Error(`MIGVISOR_REQUIRE_NATS=1 but ${why}`);
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

function launch(bin: string, args: readonly string[], stderr: string[]): ChildProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  createInterface({ input: child.stderr! }).on('line', (l) => {
    if (stderr.length > 2000) stderr.splice(0, 1000);
    stderr.push(l);
  });
  return child;
}

async function healthy(monitor: number): Promise<boolean> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 1000);
  try {
    const res = await fetch(`http://127.0.0.1:${monitor}/healthz?js-enabled-only=true`, { signal: ctl.signal });
    return res.ok;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts `size` routed JetStream servers on loopback (one: a standalone server) and waits (bounded) until each is healthy and the meta group has a leader;
 * `extraArgs` go to every server (e.g. its TLS flags).
 * The ports are probed free first, so another process may take one before nats-server binds it: a start that fails with
 * "address already in use" is tried again on new ports (at most 4 times).
 */
export async function startNatsCluster(bin: string, size = 3, timeoutMs = 20_000, extraArgs: readonly string[] = []): Promise<NatsCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, size, timeoutMs, extraArgs);
    } catch (e: unknown) {
      if (attempt >= 4 || !/address already in use/.test(String(e))) throw e;
    }
  }
}

async function startOnce(bin: string, size: number, timeoutMs: number, extraArgs: readonly string[]): Promise<NatsCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-nats-'));
  const ports: { client: number; cluster: number; monitor: number }[] = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), cluster: await freePort(), monitor: await freePort() });
  const routes = ports.map((p) => `nats://127.0.0.1:${p.cluster}`).join(',');
  const servers: NatsServer[] = [];
  const unregister: (() => void)[] = [];
  for (let i = 0; i < size; i++) {
    const p = ports[i]!;
    const name = `n${i}`;
    const sd = path.join(dir, name);
    fs.mkdirSync(sd);
    // One server runs standalone (a cluster of one never elects a JetStream leader).
    const clustering = size > 1 ? ['--cluster_name', 'migvisor-test', '--cluster', `nats://127.0.0.1:${p.cluster}`, '--routes', routes] : [];
    const args = ['-js', '-a', '127.0.0.1', '-p', String(p.client), '-m', String(p.monitor), '-n', name, '-sd', sd, ...clustering, ...extraArgs];
    const stderr: string[] = [];
    const server: NatsServer = { name, address: `127.0.0.1:${p.client}`, child: launch(bin, args, stderr), stderr, args, monitor: p.monitor };
    unregister.push(onCleanup(() => server.child.kill('SIGKILL')));
    servers.push(server);
  }
  const stop = async (): Promise<void> => {
    for (const u of unregister) u();
    for (const s of servers) await killProcess(s.child, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + timeoutMs;
  try {
    for (const [i, s] of servers.entries()) {
      while (!(await healthy(ports[i]!.monitor))) {
        if (s.child.exitCode !== null) throw new Error(`nats-server ${s.name} exited ${s.child.exitCode}: ${s.stderr.slice(-3).join(' | ')}`);
        if (Date.now() > end) throw new Error(`nats-server ${s.name} was not healthy within ${timeoutMs} ms: ${s.stderr.slice(-3).join(' | ')}`);
        await sleep(100);
      }
    }
    // JetStream's meta group must have elected a leader before streams can be made.
    while (size > 1 && !servers.some((s) => s.stderr.some((l) => /JetStream cluster new metadata leader|Self is new JetStream cluster metadata leader/.test(l)))) {
      if (Date.now() > end) throw new Error(`the JetStream cluster elected no metadata leader within ${timeoutMs} ms`);
      await sleep(100);
    }
  } catch (e: unknown) {
    await stop();
    throw e;
  }
  return {
    servers,
    uri: `nats://${servers.map((s) => s.address).join(',')}`,
    kill: async (s) => killProcess(s.child, 'SIGKILL'),
    restart: async (s) => {
      s.child = launch(bin, s.args, s.stderr);
      const until = Date.now() + timeoutMs;
      while (!(await healthy(s.monitor))) {
        if (Date.now() > until) throw new Error(`nats-server ${s.name} was not healthy within ${timeoutMs} ms of its restart`);
        await sleep(100);
      }
    },
    streamLeader: (bucket) => {
      let best: { s: NatsServer; at: string } | undefined;
      for (const s of servers) {
        for (const l of s.stderr) {
          if (!l.includes(`new stream leader for '$G > OBJ_${bucket}'`)) continue;
          const at = l.split(' ').slice(1, 3).join(' ');
          if (!best || at > best.at) best = { s, at };
        }
      }
      return best && best.s.child.exitCode === null && best.s.child.signalCode === null ? best.s : undefined;
    },
    stop,
  };
}
