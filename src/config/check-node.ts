/**
 * Checks of one node with the partitions it boots: the page size and what must
 * align to it, physical memory, the address space of 32-bit CPUs, the schedule
 * plans (check-plans.ts), gate receivers and boot tasks.
 */
import { relative } from 'node:path';
import type { NodeDef, PartitionDef, RegionDef } from './model.ts';
import { hostingOf } from './check-context.ts';
import type { CheckContext } from './check-context.ts';
import { checkPlans } from './check-plans.ts';
import { hex, hexRange, isPowerOfTwo, rangesOverlap } from './units.ts';

const MIN_PAGE_SIZE = 256;

/** Runs every per-node check. `seen` spares repeating one message for each node sharing a definition. */
export function checkNode(ctx: CheckContext, node: NodeDef, seen: Set<string>): void {
  if (checkPageSize(ctx, node)) checkAlignment(ctx, node, seen);
  checkAddressSpace(ctx, node, seen);
  checkPhysicalMemory(ctx, node);
  checkPlans(ctx, node);
  checkGates(ctx, node);
  checkTasks(ctx, node);
}

function checkPageSize(ctx: CheckContext, node: NodeDef): boolean {
  const size = node.cpu.pageSize;
  if (isPowerOfTwo(size) && size >= MIN_PAGE_SIZE) return true;
  ctx.report(
    ctx.cluster.locate.line(node, 'cpu', 'page_size'),
    `node ${node.name}: page_size ${size} must be a power of two of at least ${MIN_PAGE_SIZE} bytes`,
  );
  return false;
}

/** Region addresses and sizes, and stack slices, must be whole pages of every node that boots the partition. */
function checkAlignment(ctx: CheckContext, node: NodeDef, seen: Set<string>): void {
  const page = node.cpu.pageSize;
  const { locate } = ctx.cluster;
  const misaligned = (line: number, what: string, value: number): void => {
    const message = `${what} ${hex(value)} is not a multiple of the page size ${hex(page)} of node ${node.name}`;
    const key = `align ${line} ${what} ${page}`;
    if (value % page === 0 || seen.has(key)) return;
    seen.add(key);
    ctx.report(line, message);
  };
  for (const def of node.partitions) {
    for (const region of def.regions) {
      for (const field of ['vaddr', 'paddr', 'size'] as const) {
        misaligned(locate.line(region, field), `region ${def.name}.${region.name}: ${field}`, region[field]);
      }
    }
    misaligned(locate.line(def, 'stack_per_traveler'), `partition ${def.name}: stack_per_traveler`, def.stackPerTraveler);
  }
}

/** A 32-bit CPU cannot address past 4 GiB. */
function checkAddressSpace(ctx: CheckContext, node: NodeDef, seen: Set<string>): void {
  if (node.cpu.word !== 32) return;
  for (const def of node.partitions) {
    for (const region of def.regions) {
      const end = region.vaddr + region.size;
      const key = `space ${region.line} ${def.name}.${region.name}`;
      if (end <= 2 ** 32 || seen.has(key)) continue;
      seen.add(key);
      ctx.report(
        region.line,
        `region ${def.name}.${region.name} ${hexRange(region.vaddr, end)} does not fit the 32-bit address space of node ${node.name}`,
      );
    }
  }
}

interface Extent {
  readonly def: PartitionDef;
  readonly region: RegionDef;
  readonly start: number;
  readonly end: number;
}

/** Every slot of every region gets its own physical copy: [paddr, paddr + size * slots). */
function extentsOf(node: NodeDef): Extent[] {
  return node.partitions
    .flatMap((def) => def.regions.map((region) => ({ def, region, start: region.paddr, end: region.paddr + region.size * def.slots })))
    .sort((a, b) => a.region.line - b.region.line);
}

function describeExtent(e: Extent): string {
  const slots = e.def.slots > 1 ? ` (${e.def.slots} slots)` : '';
  return `${e.def.name}.${e.region.name} ${hexRange(e.start, e.end)}${slots}`;
}

function checkPhysicalMemory(ctx: CheckContext, node: NodeDef): void {
  const extents = extentsOf(node);
  extents.forEach((b, j) => {
    if (b.end > node.memory) {
      ctx.report(
        b.region.line,
        `node ${node.name}: region ${describeExtent(b)} lies outside its physical memory of ${hex(node.memory)} bytes`,
      );
    }
    for (const a of extents.slice(0, j)) {
      if (rangesOverlap(a.start, a.end - a.start, b.start, b.end - b.start)) {
        ctx.report(b.region.line, `node ${node.name}: physical memory of ${describeExtent(b)} overlaps ${describeExtent(a)}`);
      }
    }
  });
}

/** A gate delivers each message to one receiver, so on a node only one partition may hold `r`. */
function checkGates(ctx: CheckContext, node: NodeDef): void {
  for (const provider of ctx.cluster.config.providers.values()) {
    if (provider.kind !== 'gate') continue;
    const receivers = node.partitions.flatMap((def) =>
      def.providers.filter((g) => g.provider === provider.name && g.rights.includes('r')).map((grant) => ({ def, grant })),
    );
    const [first, ...others] = receivers;
    for (const other of others) {
      ctx.report(
        other.grant.line,
        `node ${node.name}: gate ${provider.name} can have one receiver, but partitions ${first?.def.name} and ${other.def.name} both hold r`,
      );
    }
  }
}

function checkTasks(ctx: CheckContext, node: NodeDef): void {
  const { locate, config } = ctx.cluster;
  const perPartition = new Map<string, number>();
  for (const task of node.tasks) {
    const hosting = hostingOf(ctx.cluster, node, task.partition);
    if (hosting === 'unknown') {
      ctx.report(locate.line(task, 'partition'), `node ${node.name}: task for unknown partition "${task.partition}"`);
    } else if (hosting === 'absent') {
      ctx.report(
        locate.line(task, 'partition'),
        `node ${node.name}: task for partition ${task.partition}, which the node does not boot (add it to the node's partitions)`,
      );
    }
    if (!ctx.fileExists(task.program)) {
      ctx.report(
        locate.line(task, 'program'),
        `node ${node.name}: program ${relative(config.dir, task.program)} not found (looked in ${config.dir})`,
      );
    }
    const def = node.partitions.find((p) => p.name === task.partition);
    if (!def) continue;
    if (task.travelers > def.maxTravelers) {
      ctx.report(
        locate.line(task, 'travelers'),
        `node ${node.name}: task in ${def.name} has ${task.travelers} travelers but max_travelers is ${def.maxTravelers}`,
      );
    }
    const count = (perPartition.get(def.name) ?? 0) + 1;
    perPartition.set(def.name, count);
    if (count === def.slots + 1) {
      ctx.report(
        task.line,
        `node ${node.name}: partition ${def.name} has ${def.slots} slot${def.slots === 1 ? '' : 's'} but more boot tasks than that`,
      );
    }
  }
}
