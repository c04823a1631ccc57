/**
 * A cluster as the testbed runs it: every node of a cluster file and its
 * middleware as child processes, each on an address fixed for the cluster's
 * whole life (chosen before the first start, so a restarted process comes back
 * where its peers expect it), and every connection between two of them through
 * the relay of their link ({@link Network}). Processes can be killed, restarted,
 * frozen and thawed; one that exits by itself is reported.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IllegalStateError, makeDirsSync, MigvisorError, NotFoundError, REGISTRY_ENV, type Endpoints } from '../common/index.ts';
import { loadCluster, MIDDLEWARE_ENDPOINT, type ClusterConfig, type LinkDef } from '../config/index.ts';
import { Network } from './network.ts';
import { reservePort } from './ports.ts';
import { exited, startChild, stopChildren, whenExited, type Child } from './processes.ts';

/** What a process of the cluster is doing. */
export type ProcessState = 'running' | 'frozen' | 'killed' | 'exited';

/** A process of the cluster, as {@link LiveCluster.processes} lists it. */
export interface ProcessInfo {
  /** A node's name, or `middleware`. */
  readonly name: string;
  readonly kind: 'node' | 'middleware';
  /** Where it serves (the same across restarts). */
  readonly address: string;
  /** Its pid while it runs or is frozen. */
  readonly pid: number | undefined;
  readonly state: ProcessState;
  /** Starts after the first. */
  readonly restarts: number;
}

/** How to start a live cluster. */
export interface LiveClusterOptions {
  /** The cluster file. */
  readonly file: string;
  /** Links that replace the file's for the same pair (a scenario's `links:`), or add to them. */
  readonly links?: readonly LinkDef[];
  /** Seed of the links' loss and jitter. @default 1 */
  readonly seed?: number;
  /** Extra arguments of `node start` (e.g. `--log`). */
  readonly nodeArgs?: readonly string[];
  /** The middleware's store (default: the cluster file's). */
  readonly store?: string;
  /** A private folder for the registry of the processes (default: the shared one of the cluster file). */
  readonly registry?: string;
  /** Where route tables go (default: a fresh temporary folder, removed at stop). */
  readonly stateDir?: string;
  /** Where the children's stderr lines go (default: this process's stderr). */
  readonly log?: (line: string) => void;
  /** Where the children's stderr lines (their structured logs) go as they are, with the process's name; replaces `log`. */
  readonly lines?: (name: string, line: string) => void;
  /** Give every process a Prometheus endpoint: its cluster file `metrics:` address, else a free port on its host (kept across restarts). @default false */
  readonly metrics?: boolean;
  /** `--log-level` of every process. @default warn (a test bed's processes report only trouble unless asked) */
  readonly logLevel?: string;
  /** Called when a process exits without being asked to. */
  readonly onExit?: (name: string, how: string) => void;
  /** How long a process may take to start (ms). @default 20000 */
  readonly startTimeoutMs?: number;
}

interface Member {
  readonly name: string;
  readonly kind: 'node' | 'middleware';
  readonly address: string;
  /** Where it serves metrics (fixed like its address), when it does. */
  readonly metrics: string | undefined;
  readonly args: readonly string[];
  child: Child | undefined;
  state: ProcessState;
  restarts: number;
  /** Set while the testbed itself ends the process (kill, restart, stop): its exit is expected. */
  ending: boolean;
  thaw: NodeJS.Timeout | undefined;
  /** The last kill, restart or revival of this process: the next one waits for it (two starts would fight for the port). */
  busy: Promise<unknown>;
}

function hostOf(listen: string): string {
  const host = listen.slice(0, listen.lastIndexOf(':'));
  return host.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
}

/** Links of the file, with those of `extra` replacing the file's for the same pair. */
function mergeLinks(file: readonly LinkDef[], extra: readonly LinkDef[]): LinkDef[] {
  const key = (l: LinkDef): string => [...l.between].sort().join('\u0000');
  const replaced = new Set(extra.map(key));
  return [...file.filter((l) => !replaced.has(key(l))), ...extra];
}

/** A running cluster (see the file header). */
export class LiveCluster {
  private stopping = false;

  private constructor(
    readonly file: string,
    readonly config: ClusterConfig,
    readonly network: Network,
    private readonly members: Map<string, Member>,
    private readonly options: LiveClusterOptions,
    private readonly stateDir: string,
    private readonly ownsStateDir: boolean,
  ) {}

  /** Starts every process of the cluster file; resolves once all serve. On failure, whatever started is stopped. */
  static async start(options: LiveClusterOptions): Promise<LiveCluster> {
    const config = loadCluster(options.file);
    const ownsStateDir = options.stateDir === undefined;
    const stateDir = options.stateDir ?? fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'migvisor-testbed-'));
    makeDirsSync(stateDir);
    const planned: { name: string; kind: 'node' | 'middleware'; listen: string; metrics: string | undefined }[] = [
      ...config.nodes.map((n) => ({ name: n.name, kind: 'node' as const, listen: n.listen, metrics: n.metrics })),
      ...(config.middleware ? [{ name: MIDDLEWARE_ENDPOINT, kind: 'middleware' as const, listen: config.middleware.listen, metrics: config.middleware.metrics }] : []),
    ];
    // Ports chosen now and held until the relays are bound, so no relay takes one.
    const reserved: { release: () => Promise<void> }[] = [];
    const addresses = new Map<string, string>();
    const metrics = new Map<string, string>();
    /** `listen` itself if its port is fixed, else a free port of its host, held until the relays are bound. */
    const fix = async (listen: string): Promise<string> => {
      if (!listen.endsWith(':0')) return listen;
      const host = hostOf(listen);
      const r = await reservePort(host);
      reserved.push(r);
      return `${host.includes(':') ? `[${host}]` : host}:${r.port}`;
    };
    let network: Network | undefined;
    try {
      for (const p of planned) {
        addresses.set(p.name, await fix(p.listen));
        if (options.metrics) metrics.set(p.name, await fix(p.metrics ?? `${p.listen.slice(0, p.listen.lastIndexOf(':'))}:0`));
      }
      network = await Network.start(
        planned.map((p) => ({ name: p.name, address: addresses.get(p.name)! })),
        mergeLinks(config.links, options.links ?? []),
        { seed: options.seed ?? 1 },
      );
    } finally {
      await Promise.all(reserved.map((r) => r.release()));
    }
    const members = new Map<string, Member>();
    for (const p of planned) {
      const address = addresses.get(p.name)!;
      const routes = path.join(stateDir, `routes-${p.name}.json`);
      fs.writeFileSync(routes, `${JSON.stringify(network.routesFor(p.name), null, 2)}\n`);
      const m = metrics.get(p.name);
      // Piped to the testbed: JSON lines, whatever its terminal.
      const common = ['--listen', address, '--routes', routes, '--log-format', 'json', ...(m ? ['--metrics', m] : []), '--log-level', options.logLevel ?? 'warn'];
      const args =
        p.kind === 'node'
          ? ['node', 'start', options.file, '--node', p.name, ...common, ...(options.nodeArgs ?? [])]
          : ['middleware', 'start', options.file, ...common, ...(options.store ? ['--store', options.store] : [])];
      members.set(p.name, { name: p.name, kind: p.kind, address, metrics: m, args, child: undefined, state: 'killed', restarts: -1, ending: false, thaw: undefined, busy: Promise.resolve() });
    }
    const cluster = new LiveCluster(options.file, config, network, members, options, stateDir, ownsStateDir);
    const started = await Promise.allSettled([...members.values()].map((m) => cluster.launch(m)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await cluster.stop();
      throw failed.reason;
    }
    return cluster;
  }

  /** Where the processes serve (their real addresses, which the registry holds too). */
  endpoints(): Endpoints {
    const nodes: Record<string, string> = {};
    let middleware: string | undefined;
    for (const m of this.members.values()) {
      if (m.kind === 'node') nodes[m.name] = m.address;
      else middleware = m.address;
    }
    return { nodes, ...(middleware ? { middleware } : {}) };
  }

  /** Where each process serves Prometheus metrics, by name (nodes, then `middleware`); empty without {@link LiveClusterOptions.metrics}. */
  metrics(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of this.members.values()) if (m.metrics) out[m.name] = m.metrics;
    return out;
  }

  /** The address of process `name` (a node or `middleware`). */
  address(name: string): string {
    return this.member(name).address;
  }

  /** Every process, nodes in the file's order, then the middleware. */
  processes(): ProcessInfo[] {
    return [...this.members.values()].map((m) => ({
      name: m.name,
      kind: m.kind,
      address: m.address,
      pid: m.state === 'running' || m.state === 'frozen' ? m.child?.process.pid : undefined,
      state: m.state,
      restarts: Math.max(0, m.restarts),
    }));
  }

  /** SIGKILL to process `name`; resolves once it is gone. */
  kill(name: string): Promise<string> {
    const m = this.member(name);
    return this.serial(m, async () => {
      if (m.state === 'killed' || m.state === 'exited' || !m.child) throw new IllegalStateError(m.state, 'kill', `${name} is not running`);
      const pid = m.child.process.pid;
      await this.end(m);
      return `killed ${name} (pid ${pid})`;
    });
  }

  /** Starts process `name` again on its address (killed first if it runs); resolves once it serves. */
  restart(name: string): Promise<string> {
    const m = this.member(name);
    return this.serial(m, async () => {
      if (m.child && !exited(m.child.process)) await this.end(m);
      await this.launch(m);
      return `restarted ${name} (pid ${m.child?.process.pid}) at ${m.address}`;
    });
  }

  /** Brings process `name` back to running if it is not: thawed if frozen, started if killed or gone; nothing if it runs. */
  revive(name: string): Promise<void> {
    const m = this.member(name);
    return this.serial(m, async () => {
      if (m.state === 'frozen') this.thaw(name);
      if (m.state === 'running' && m.child && !exited(m.child.process)) return;
      await this.launch(m);
    });
  }

  /** SIGSTOP to process `name`: it answers nothing (its peers' calls wait) until {@link thaw}, or for `forMs`. */
  freeze(name: string, forMs = 0): string {
    const m = this.member(name);
    if (m.state !== 'running' || !m.child) throw new IllegalStateError(m.state, 'freeze', `${name} is not running`);
    m.child.process.kill('SIGSTOP');
    m.state = 'frozen';
    if (forMs > 0) {
      m.thaw = setTimeout(() => {
        if (m.state === 'frozen') this.thaw(name);
      }, forMs);
    }
    return `froze ${name} (pid ${m.child.process.pid})${forMs > 0 ? ` for ${forMs} ms` : ''}`;
  }

  /** SIGCONT to a frozen process. */
  thaw(name: string): string {
    const m = this.member(name);
    if (m.state !== 'frozen' || !m.child) throw new IllegalStateError(m.state, 'thaw', `${name} is not frozen`);
    clearTimeout(m.thaw);
    m.thaw = undefined;
    m.child.process.kill('SIGCONT');
    m.state = 'running';
    return `thawed ${name} (pid ${m.child.process.pid})`;
  }

  /** Stops every process (thawing frozen ones first) and the relays; removes its temporary files. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const children: Child[] = [];
    for (const m of this.members.values()) {
      clearTimeout(m.thaw);
      m.ending = true;
      if (m.child) children.push(m.child);
    }
    await stopChildren(children);
    for (const m of this.members.values()) if (m.state !== 'exited') m.state = 'killed';
    await this.network.close();
    if (this.ownsStateDir) fs.rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** Runs `op` after every earlier kill, restart or revival of `m`. */
  private serial<T>(m: Member, op: () => Promise<T>): Promise<T> {
    const next = m.busy.then(op, op);
    m.busy = next.catch(() => undefined);
    return next;
  }

  private member(name: string): Member {
    const m = this.members.get(name);
    if (!m) throw new NotFoundError('process', name, `in the cluster (processes: ${[...this.members.keys()].join(', ')})`);
    return m;
  }

  private async launch(m: Member): Promise<void> {
    if (this.stopping) throw new MigvisorError('the cluster is stopping');
    const child = await startChild(m.name, m.args, {
      ...(this.options.log ? { log: this.options.log } : {}),
      ...(this.options.lines ? { lines: this.options.lines } : {}),
      ...(this.options.registry ? { env: { [REGISTRY_ENV]: this.options.registry } } : {}),
      ...(this.options.startTimeoutMs ? { timeoutMs: this.options.startTimeoutMs } : {}),
    });
    m.child = child;
    m.state = 'running';
    m.ending = false;
    m.restarts++;
    child.process.once('exit', (code, signal) => {
      if (m.child !== child) return;
      if (m.ending || this.stopping) return;
      m.state = 'exited';
      this.options.onExit?.(m.name, signal ?? `code ${code}`);
    });
  }

  /** Kills the member's process (expected by the testbed) and waits for it. */
  private async end(m: Member): Promise<void> {
    const child = m.child;
    if (!child) return;
    clearTimeout(m.thaw);
    m.ending = true;
    child.process.kill('SIGKILL');
    await whenExited(child.process);
    m.state = 'killed';
  }
}
