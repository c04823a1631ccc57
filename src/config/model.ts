/**
 * The validated, normalised form of a cluster file (see config/cluster.yaml and
 * config/cluster.schema.json). Everything downstream (nodes, partitions, the
 * simulator) reads these types, never raw YAML. Sizes and addresses are plain
 * numbers in bytes; `line` fields point back into the YAML for later messages.
 */

import type { Compression, Endian, Role, WordSize } from '../common/index.ts';
import type { HmRule, StartPolicy } from './hm-vocabulary.ts';

export type { Compression, Endian, Role, WordSize };

/** Memory access rights of a region. W and X are never both set (W^X). */
export interface RegionRights {
  readonly r: boolean;
  readonly w: boolean;
  readonly x: boolean;
}

/** A memory region of a partition: where it is mapped, where its memory is, and its rights. */
export interface RegionDef {
  readonly name: string;
  /** Virtual base address inside the partition's address space. */
  readonly vaddr: number;
  /** Physical base address of slot 0; slot k lives at paddr + k * size. */
  readonly paddr: number;
  readonly size: number;
  readonly rights: RegionRights;
  /** The rights as written, e.g. "rx". */
  readonly rightsText: string;
  readonly line: number;
}

/** A file provider: a sandboxed host folder travelers open files in. */
export interface FileProviderDef {
  readonly kind: 'file';
  readonly name: string;
  /** Host directory; `{node}` is replaced by the node's name. Relative to the cluster file's folder. */
  readonly path: string;
  readonly line: number;
}

/** A gate provider: a named, bounded message queue. */
export interface GateProviderDef {
  readonly kind: 'gate';
  readonly name: string;
  /** Most messages the queue holds. */
  readonly capacity: number;
  /** Largest message in bytes. */
  readonly messageSize: number;
  readonly line: number;
}

/**
 * A sampling port (README, "Sampling ports"): one source partition writes
 * messages of exactly `messageSize` bytes; destinations read the latest one and
 * whether its age on their node is at most `refresh` ticks.
 */
export interface SamplingPortDef {
  readonly kind: 'sampling';
  readonly name: string;
  /** Bytes of every message. */
  readonly messageSize: number;
  /** Refresh period in ticks: an older message reads as invalid. */
  readonly refresh: number;
  readonly line: number;
}

/** A provider, by kind. */
export type ProviderDef = FileProviderDef | GateProviderDef | SamplingPortDef;

/**
 * A partition's access to a provider: file rights "r" | "w" | "rw", gate rights
 * "s" | "r" | "sr", sampling port rights "s" (source) | "r" (destination).
 */
export interface ProviderGrant {
  readonly provider: string;
  readonly rights: string;
  readonly line: number;
}

/** A partition as defined once by name (so a MigPartition is identical on every node). */
export interface PartitionDef {
  readonly name: string;
  readonly migratable: boolean;
  /** How many tasks the partition can hold at once (each slot has its own physical copy of the regions). */
  readonly slots: number;
  /** Stack bytes reserved per traveler, carved from the top of the region named "stack". */
  readonly stackPerTraveler: number;
  readonly maxTravelers: number;
  readonly regions: readonly RegionDef[];
  readonly providers: readonly ProviderGrant[];
  /** The partition's health-monitor table (README "Health monitor"), in file order; absent: empty. */
  readonly healthMonitor?: readonly HmRule[];
  /** How the partition leaves COLD_START/WARM_START: at once, or when told to enter NORMAL. @default auto */
  readonly start?: StartPolicy;
  /** A system partition: its tasks may switch the node's schedule plan. @default false */
  readonly system?: boolean;
  /** The schedule plan a sink must have to take this partition's tasks by migration. */
  readonly requiresPlan?: string | undefined;
  readonly line: number;
}

/** A node's CPU: word size, byte order, page size and instruction budget per tick. */
export interface CpuDef {
  readonly word: WordSize;
  readonly endian: Endian;
  readonly pageSize: number;
  /** Instruction budget of one tick. */
  readonly instructionsPerTick: number;
}

/** A time window of the major frame, owned by one partition. */
export interface WindowDef {
  readonly partition: string;
  /** First tick of the window inside the major frame. */
  readonly start: number;
  readonly duration: number;
  readonly line: number;
}

/** A node's time-partition schedule: the major frame (ticks) and its windows. */
export interface ScheduleDef {
  /** Length of the major frame in ticks. */
  readonly majorFrame: number;
  readonly windows: readonly WindowDef[];
}

/** A named schedule plan of a node (README, "Schedule plans"). */
export interface SchedulePlanDef extends ScheduleDef {
  readonly name: string;
  /** Line of the plan's key (of `schedule:` for the default plan written the old way). */
  readonly line: number;
}

/** Name of the plan the old `schedule:` key defines. */
export const DEFAULT_PLAN = 'default';

/** A task a node starts at boot. */
export interface BootTaskDef {
  readonly partition: string;
  /** Absolute path of the program (.s source). */
  readonly program: string;
  readonly travelers: number;
  readonly priority: number;
  readonly line: number;
}

/** One node of the cluster. */
export interface NodeDef {
  readonly name: string;
  /** host:port; port 0 picks a free one. */
  readonly listen: string;
  /** host:port of its Prometheus `/metrics` endpoint; absent: none (unless `--metrics` or `cluster up`). */
  readonly metrics?: string;
  readonly cpu: CpuDef;
  /** Physical memory in bytes. */
  readonly memory: number;
  /** Wall-clock length of one tick when paced, in microseconds. */
  readonly tickUs: number;
  readonly compression: readonly Compression[];
  readonly partitions: readonly PartitionDef[];
  /** The schedule of the plan the node boots with ({@link NodeDef.initialPlan}). */
  readonly schedule: ScheduleDef;
  /** Every schedule plan of the node, in file order (absent: `schedule` alone, as plan default). */
  readonly plans?: readonly SchedulePlanDef[];
  /** The plan the node boots with. @default default */
  readonly initialPlan?: string;
  readonly tasks: readonly BootTaskDef[];
  /** Preferred targets when this node is evacuated (names of other nodes). */
  readonly evacuateTo: readonly string[];
  /** The node's health-monitor table: events its partitions' tables leave to the node; absent: empty. */
  readonly healthMonitor?: readonly HmRule[];
  readonly line: number;
}

/** The middleware of the cluster: where it listens, its snapshot store, its retention policies. */
export interface MiddlewareDef {
  readonly listen: string;
  /** host:port of its Prometheus `/metrics` endpoint; absent: none (unless `--metrics` or `cluster up`). */
  readonly metrics?: string;
  /** Store URI: file://PATH (relative to the cluster file's folder), etcd://HOST:PORT or etcds://HOST:PORT (TLS). */
  readonly store: string;
  /** Chunk engine: nats://HOST:PORT[,...] (the store keeps the catalog); absent: chunks stay in the store. */
  readonly chunks?: string;
  /** Replicas of the chunk bucket. */
  readonly chunkReplicas?: number;
  /** Keys of the section that would hold an archive key (refused by the checker). */
  readonly keyEntries?: readonly string[];
  /** What `snapshot prune` releases (README, "Retention and prune"); empty: nothing. */
  readonly retention: readonly RetentionRule[];
  readonly line: number;
}

/** One retention policy: the snapshots of a label or a task, how many and how long to keep. */
export interface RetentionRule {
  /** Applies to the snapshots with this label. */
  readonly label?: { readonly key: string; readonly value: string };
  /** Applies to the snapshots of this task. */
  readonly task?: string;
  /** Keeps the newest N snapshots of each task it applies to. */
  readonly keepLast?: number;
  /** Keeps every snapshot younger than this (ms). */
  readonly maxAgeMs?: number;
  readonly line: number;
}

/** What a lost segment does on a link. */
export type LossMode = 'stall' | 'drop';

/** The name links use for the middleware (a node cannot be called so when the cluster has one). */
export const MIDDLEWARE_ENDPOINT = 'middleware';

/** How a link carries bytes; each direction is shaped on its own with the same profile. */
export interface LinkProfile {
  /** Bytes per second in each direction; undefined: unshaped. */
  readonly bandwidth: number | undefined;
  /** One-way delay added to every byte, ms. */
  readonly latencyMs: number;
  /** Each segment's delay varies by up to ± this, ms (order is kept). */
  readonly jitterMs: number;
  /** Probability that a segment is lost, 0..1. */
  readonly loss: number;
  /** What a lost segment does: `stall` (resent after a retransmission timeout) or `drop` (the connection is reset). */
  readonly lossMode: LossMode;
}

/** A link that carries bytes unchanged and at once. */
export const UNSHAPED: LinkProfile = { bandwidth: undefined, latencyMs: 0, jitterMs: 0, loss: 0, lossMode: 'stall' };

/** A link of the cluster file: its two endpoints (node names or {@link MIDDLEWARE_ENDPOINT}) and its profile. */
export interface LinkDef extends LinkProfile {
  readonly between: readonly [string, string];
  readonly line: number;
}

/** The concurrency limits of migrations (`migration:`; 0: unlimited). */
export interface MigrationLimits {
  /** Most migrations in flight from one node at once. */
  readonly maxOutbound: number;
  /** Most migrations the middleware's orchestration has in flight at once. */
  readonly maxCluster: number;
  readonly line: number;
}

/** The defaults of {@link MigrationLimits} (KubeVirt's). */
export const DEFAULT_MAX_OUTBOUND = 2;
export const DEFAULT_MAX_CLUSTER = 5;

/** A whole cluster file, checked and normalised. */
export interface ClusterConfig {
  /** Absolute path of the cluster file. */
  readonly file: string;
  /** Folder of the cluster file; relative paths resolve against it. */
  readonly dir: string;
  readonly providers: ReadonlyMap<string, ProviderDef>;
  /** Top-level partition definitions by name. */
  readonly partitions: ReadonlyMap<string, PartitionDef>;
  readonly nodes: readonly NodeDef[];
  readonly middleware: MiddlewareDef | undefined;
  /** The links between endpoints, in file order; pairs not listed are unshaped. */
  readonly links: readonly LinkDef[];
  /** TLS on every channel (the `tls:` section); absent: plaintext. */
  readonly tls?: TlsDef | undefined;
  /** Roles and tokens (the `roles:` and `tokens:` sections); absent: every caller may call everything. */
  readonly access?: AccessDef | undefined;
  /** The concurrency limits of migrations (defaults when the file has no `migration:`). */
  readonly migration: MigrationLimits;
}

/** A certificate and its key (absolute paths of PEM files). */
export interface CertKeyDef {
  readonly cert: string;
  readonly key: string;
  readonly line: number;
}

/** The `tls:` section: the CA and a certificate per process (README "TLS and roles"). */
export interface TlsDef {
  /** Absolute path of the CA certificate (PEM). */
  readonly ca: string;
  /** Node name → its certificate. */
  readonly nodes: ReadonlyMap<string, CertKeyDef>;
  readonly middleware?: CertKeyDef | undefined;
  /** The testbed server of `cluster up`. */
  readonly testbed?: CertKeyDef | undefined;
  /** The command-line client's default certificate. */
  readonly client?: CertKeyDef | undefined;
  readonly line: number;
}

/** The `roles:` and `tokens:` sections (README "TLS and roles"). */
export interface AccessDef {
  /** Identity → roles, as written (the nodes, `middleware` and `testbed` are added when applied). */
  readonly roles: ReadonlyMap<string, readonly Role[]>;
  /** Identity → its token. */
  readonly tokens: ReadonlyMap<string, string>;
  /** Line of `roles:` (or of `tokens:` without roles). */
  readonly line: number;
}
