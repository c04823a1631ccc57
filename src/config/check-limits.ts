/**
 * The limits of a cluster file (README, "Limits", "Files and containers"): values
 * the schema accepts but a node could not boot with, such as more memory than the
 * simulator can allocate. Integer limits the schema states itself (maximum in
 * config/cluster.schema.json); sizes are checked here once parsed.
 */
import type { CheckContext } from './check-context.ts';
import { partitionDefinitions } from './check-context.ts';
import { hex } from './units.ts';

/** The limits a cluster file is held to. The integer ones repeat config/cluster.schema.json's maxima. */
export const CONFIG_LIMITS = {
  /** Physical memory of one node (the simulator allocates it at boot). */
  maxMemory: 1 << 30,
  /** Largest page size (and the smallest is 256 bytes). */
  maxPageSize: 65_536,
  /** Largest gate message (a system call moves at most 64 KiB). */
  maxMessageSize: 65_536,
  /** Highest virtual address (end of a region) of a 64-bit node: 2^48. */
  maxAddress64: 2 ** 48,
  /** In the schema: ticks of a major frame. */
  maxMajorFrame: 1_000_000,
  /** In the schema: instructions of one tick. */
  maxInstructionsPerTick: 10_000_000,
  /** In the schema: microseconds of one tick (10 s). */
  maxTickUs: 10_000_000,
  /** In the schema: slots of a partition, travelers of a task, messages a gate holds. */
  maxSlots: 64,
  maxTravelers: 64,
  maxGateCapacity: 65_536,
  /** In the schema: characters of a name. */
  maxNameLength: 128,
} as const;

const size = (n: number): string => {
  for (const [unit, f] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) if (n >= f && n % f === 0) return `${n / f}${unit}`;
  return `${n} bytes`;
};

/** Reports every size over its limit, at its line. */
export function checkLimits(ctx: CheckContext): void {
  const { locate } = ctx.cluster;
  const L = CONFIG_LIMITS;
  for (const node of ctx.cluster.config.nodes) {
    if (node.memory > L.maxMemory) {
      ctx.report(locate.line(node, 'memory'), `node ${node.name}: memory ${size(node.memory)} exceeds the limit of ${size(L.maxMemory)} per node`);
    }
    if (node.cpu.pageSize > L.maxPageSize) {
      ctx.report(locate.line(node, 'cpu', 'page_size'), `node ${node.name}: page_size ${size(node.cpu.pageSize)} exceeds the limit of ${size(L.maxPageSize)}`);
    }
    if (node.cpu.word !== 64) continue;
    for (const def of node.partitions) {
      for (const region of def.regions) {
        const end = region.vaddr + region.size;
        if (end > L.maxAddress64) ctx.report(region.line, `region ${def.name}.${region.name} ends at ${hex(end)}, past the highest address ${hex(L.maxAddress64)} of a 64-bit node`);
      }
    }
  }
  for (const p of ctx.cluster.config.providers.values()) {
    if (p.kind === 'gate' && p.messageSize > L.maxMessageSize) {
      ctx.report(locate.line(p, 'message_size'), `gate ${p.name}: message_size ${size(p.messageSize)} exceeds the limit of ${size(L.maxMessageSize)}`);
    }
  }
  for (const def of partitionDefinitions(ctx.cluster)) {
    if (def.stackPerTraveler > L.maxMemory) ctx.report(locate.line(def, 'stack_per_traveler'), `partition ${def.name}: stack_per_traveler ${size(def.stackPerTraveler)} exceeds the limit of ${size(L.maxMemory)}`);
    for (const region of def.regions) {
      if (region.size > L.maxMemory) ctx.report(locate.line(region, 'size'), `region ${def.name}.${region.name}: size ${size(region.size)} exceeds the memory limit of ${size(L.maxMemory)} per node`);
    }
  }
}
