/**
 * Step 1 of a migration, on the source: check that the task can leave, ask the
 * sink's Info and refuse, before any traveler stops, with the exact reason (word
 * size, byte order, page size, fingerprint, a schedule plan the partition
 * requires, no MigSink slot, memory, compression). The middleware's archive takes tasks of any partition; the node
 * that restores one checks it then. A prediction (prediction.ts) goes through
 * the same checks, so it refuses what the migration would.
 */
import { Code, compressionFromWire, describeError, IllegalStateError, MigvisorError, type Compression, type CompressionChoice } from '../common/index.ts';
import { endpointFromInfo, incompatibility, localEndpoint, planRefusal } from './compatibility.ts';
import type { MigTask } from './mig-task.ts';
import type { MigrationHost } from './migration-host.ts';
import { MigrationRefused, type MigrateOptions } from './migration-run.ts';
import type { SinkPort } from './sink-port.ts';
import { MIG_STATE_WIRE } from './wire-enums.ts';

const INFO_DEADLINE_MS = 5_000;

/** The sink did not answer Info: nothing was stopped, so the migration may be tried again on a fresh channel. */
export class SinkUnreachable extends MigvisorError {
  constructor(sinkName: string, cause: unknown) {
    super(`cannot reach sink ${sinkName}: ${describeError(cause)}`, Code.UNAVAILABLE, { cause });
  }
}

/** What the source node offers the checks of {@link sourceTask}. */
export interface SourceFacts {
  /** This node's own gRPC address ('' when it serves none: no post-copy). */
  readonly address: string;
  /** Whether a migration of the task is in flight from this node. */
  readonly migrating: (taskId: string) => boolean;
}

/**
 * The task `options.task` of `host`, if it can leave now; otherwise the refusal
 * (FAILED_PRECONDITION naming the state and `command`, or MigrationRefused).
 */
export function sourceTask(host: MigrationHost, options: MigrateOptions, facts: SourceFacts, command: string): MigTask {
  const task = host.task(options.task);
  if (task.state !== 'MigSource') throw new IllegalStateError(task.state, command);
  if (!task.partition.migratable) throw new MigrationRefused(`partition ${task.partition.name} is not a MigPartition`);
  if (task.postcopy) throw new MigrationRefused(`task ${options.task} still waits for ${task.postcopy.missing} page(s) of its last post-copy migration`);
  if (options.mode === 'lazy' && !facts.address) throw new MigrationRefused('post-copy needs a node that serves gRPC (its pages are fetched from it)');
  if (facts.migrating(options.task)) throw new IllegalStateError(task.state, command, `task ${options.task} is already migrating`);
  return task;
}

/** The compression both ends use: `auto` is deflate when both have it, else none. */
export function chooseCompression(requested: CompressionChoice, mine: readonly Compression[], theirs: readonly Compression[], sinkName: string): Compression {
  const both = (c: Compression): boolean => mine.includes(c) && theirs.includes(c);
  if (requested === 'auto') return both('deflate') ? 'deflate' : 'none';
  if (requested === 'none') return 'none';
  if (!theirs.includes(requested)) throw new MigrationRefused(`${sinkName} does not support ${requested} compression (it supports ${theirs.join(', ') || 'none'})`);
  if (!mine.includes(requested)) throw new MigrationRefused(`this node does not support ${requested} compression`);
  return requested;
}

/** What else negotiation learnt of the sink. */
export interface SinkOffers {
  /** Most page streams one container may use (0: Receive's own only). */
  maxStreams: number;
}

/** Negotiates with the sink; resolves with the compression to use, or throws MigrationRefused. `offers` learns what else the sink takes. */
export async function negotiate(host: MigrationHost, task: MigTask, sink: SinkPort, sinkName: string, options: MigrateOptions, offers?: SinkOffers): Promise<Compression> {
  let info;
  try {
    info = await sink.info(task.partition.name, INFO_DEADLINE_MS);
  } catch (e: unknown) {
    if (e instanceof MigvisorError && e.code === Code.NOT_FOUND) throw new MigrationRefused(`${sinkName} has no partition ${task.partition.name}`);
    throw new SinkUnreachable(sinkName, e);
  }
  const name = info.node || sinkName;
  if (offers) offers.maxStreams = info.maxStreams ?? 0;
  const theirs = info.compression.map((e: unknown) => compressionFromWire(e as string)).filter((c): c is Compression => c !== undefined);
  if (info.archive) {
    if (options.mode === 'lazy') throw new MigrationRefused(`${name} archives full or pre-copy migrations, not post-copy ones`);
    const max = Number(info.maxChunkBytes ?? 0);
    if (max > 0 && host.cpu.pageSize > max) {
      throw new MigrationRefused(`${name} stores chunks of at most ${max} bytes; pages of ${host.name} are ${host.cpu.pageSize} bytes (park into a filesystem store, or use smaller pages)`);
    }
    return chooseCompression(options.compression, host.compression, theirs, name);
  }
  const partition = task.partition.name;
  const reason = incompatibility(localEndpoint(host.name, host.cpu, partition, task.partition), endpointFromInfo(info, sinkName, partition));
  if (reason) throw new MigrationRefused(reason);
  const planReason = planRefusal(task.partition.def.requiresPlan, info.schedulePlans ?? [], name, partition);
  if (planReason) throw new MigrationRefused(planReason);
  const slot = info.slot;
  const state = MIG_STATE_WIRE.fromWire(slot?.state);
  if (state !== 'MigSink' || !slot?.freeSlots) {
    throw new MigrationRefused(`${name} has no MigSink slot free in partition ${partition} (it is ${state ?? 'unavailable'})`);
  }
  if (slot.slotBytes !== undefined && slot.slotBytes !== null && slot.slotBytes < task.space.size) {
    throw new MigrationRefused(`${name} has ${slot.slotBytes} bytes for the task, it needs ${task.space.size}`);
  }
  return chooseCompression(options.compression, host.compression, theirs, name);
}
