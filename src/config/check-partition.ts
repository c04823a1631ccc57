/**
 * Checks of one partition definition on its own: region names and rights,
 * provider grants, the virtual layout, and what a task needs to run (code and a
 * stack). Also how two definitions of one partition differ (for MigPartitions,
 * which must be identical wherever they exist).
 */
import type { PartitionDef, ProviderGrant, RegionDef } from './model.ts';
import type { CheckContext } from './check-context.ts';
import { hex, hexRange, rangesOverlap } from './units.ts';

/** Runs every single-definition check on `def`. */
export function checkPartitionDefinition(ctx: CheckContext, def: PartitionDef): void {
  checkRegionNames(ctx, def);
  checkRegionRights(ctx, def);
  checkGrants(ctx, def);
  checkVirtualOverlap(ctx, def);
  checkCodeAndStack(ctx, def);
}

/**
 * Why a rights string is malformed, or undefined when it is fine: letters from
 * `allowed`, each at most once, at least one.
 */
export function rightsProblem(text: string, allowed: readonly string[]): string | undefined {
  const allowedText = allowed.join(', ');
  if (text === '') return `rights are empty (allowed: ${allowedText})`;
  const seen = new Set<string>();
  for (const letter of text) {
    if (!allowed.includes(letter)) return `unknown right "${letter}" in "${text}" (allowed: ${allowedText})`;
    if (seen.has(letter)) return `right "${letter}" repeated in "${text}"`;
    seen.add(letter);
  }
  return undefined;
}

function checkRegionNames(ctx: CheckContext, def: PartitionDef): void {
  const first = new Map<string, RegionDef>();
  for (const region of def.regions) {
    const earlier = first.get(region.name);
    if (earlier) {
      ctx.report(
        ctx.cluster.locate.line(region, 'name'),
        `partition ${def.name} has two regions named ${region.name} (first at line ${earlier.line})`,
      );
    } else {
      first.set(region.name, region);
    }
  }
}

function checkRegionRights(ctx: CheckContext, def: PartitionDef): void {
  for (const region of def.regions) {
    const line = ctx.cluster.locate.line(region, 'rights');
    const problem = rightsProblem(region.rightsText, ['r', 'w', 'x']);
    if (problem) {
      ctx.report(line, `region ${def.name}.${region.name}: ${problem}`);
    } else if (region.rights.w && region.rights.x) {
      ctx.report(
        line,
        `region ${def.name}.${region.name}: rights "${region.rightsText}" make it writable and executable, which W^X forbids; use separate code and data regions`,
      );
    }
  }
}

function checkGrants(ctx: CheckContext, def: PartitionDef): void {
  const { providers } = ctx.cluster.config;
  for (const grant of def.providers) {
    const provider = providers.get(grant.provider);
    if (!provider) {
      if (!ctx.cluster.broken.providers.has(grant.provider)) {
        ctx.report(grant.line, `partition ${def.name} is granted unknown provider "${grant.provider}"`);
      }
      continue;
    }
    const [letters, combos] =
      provider.kind === 'file'
        ? [['r', 'w'], 'r, w, rw']
        : provider.kind === 'sampling'
          ? [['s', 'r'], 's (source), r (destination)']
          : [['s', 'r'], 's (send), r (receive), sr'];
    const problem = rightsProblem(grant.rights, letters);
    if (problem) {
      const detail = problem.replace(/\(allowed: [^)]*\)/, `(allowed: ${combos})`);
      ctx.report(ctx.cluster.locate.line(grant), `partition ${def.name}: ${provider.kind === 'sampling' ? 'sampling port' : `${provider.kind} provider`} ${provider.name}: ${detail}`);
    }
  }
}

function checkVirtualOverlap(ctx: CheckContext, def: PartitionDef): void {
  def.regions.forEach((b, j) => {
    for (const a of def.regions.slice(0, j)) {
      if (rangesOverlap(a.vaddr, a.size, b.vaddr, b.size)) {
        ctx.report(
          b.line,
          `partition ${def.name}: region ${b.name} ${hexRange(b.vaddr, b.vaddr + b.size)} overlaps region ${a.name} ${hexRange(a.vaddr, a.vaddr + a.size)} in virtual memory`,
        );
      }
    }
  });
}

/** A task needs code to run and a stack for each traveler. */
function checkCodeAndStack(ctx: CheckContext, def: PartitionDef): void {
  const { locate } = ctx.cluster;
  if (!def.regions.some((r) => r.rights.x)) {
    ctx.report(def.line, `partition ${def.name} has no executable region (rights with x) to hold its code`);
  }
  const stack = def.regions.find((r) => r.name === 'stack');
  if (!stack) {
    ctx.report(def.line, `partition ${def.name} has no region named stack (rights rw) for its travelers' stacks`);
    return;
  }
  if (!(stack.rights.r && stack.rights.w && !stack.rights.x) && rightsProblem(stack.rightsText, ['r', 'w', 'x']) === undefined) {
    ctx.report(locate.line(stack, 'rights'), `region ${def.name}.stack must have rights rw, not "${stack.rightsText}"`);
  }
  const needed = def.stackPerTraveler * def.maxTravelers;
  if (needed > stack.size) {
    ctx.report(
      locate.line(def, 'stack_per_traveler'),
      `partition ${def.name}: stack_per_traveler ${hex(def.stackPerTraveler)} * max_travelers ${def.maxTravelers} = ${hex(needed)} bytes do not fit in region stack (${hex(stack.size)} bytes)`,
    );
  }
}

/**
 * The first way `def` differs from `ref`, as `what mine vs theirs`, or undefined.
 * `physical` also compares what may legitimately differ between the nodes of a
 * MigPartition: slots and physical addresses.
 */
export function firstDifference(def: PartitionDef, ref: PartitionDef, physical: boolean): string | undefined {
  if (def.migratable !== ref.migratable) return `migratable ${def.migratable} vs ${ref.migratable}`;
  if (physical && def.slots !== ref.slots) return `slots ${def.slots} vs ${ref.slots}`;
  if (def.maxTravelers !== ref.maxTravelers) return `max_travelers ${def.maxTravelers} vs ${ref.maxTravelers}`;
  if (def.stackPerTraveler !== ref.stackPerTraveler) {
    return `stack_per_traveler ${hex(def.stackPerTraveler)} vs ${hex(ref.stackPerTraveler)}`;
  }
  for (const theirs of ref.regions) {
    const mine = def.regions.find((r) => r.name === theirs.name);
    if (!mine) return `region ${theirs.name} is missing`;
    const diff = regionDifference(mine, theirs, physical);
    if (diff) return `region ${mine.name} ${diff}`;
  }
  const extra = def.regions.find((r) => !ref.regions.some((t) => t.name === r.name));
  if (extra) return `extra region ${extra.name}`;
  for (const theirs of ref.providers) {
    const mine = def.providers.find((g) => g.provider === theirs.provider);
    if (!mine) return `provider ${theirs.provider} is not granted`;
    if (canonicalRights(mine) !== canonicalRights(theirs)) return `provider ${mine.provider} rights "${mine.rights}" vs "${theirs.rights}"`;
  }
  const extraGrant = def.providers.find((g) => !ref.providers.some((t) => t.provider === g.provider));
  if (extraGrant) return `extra provider ${extraGrant.provider}`;
  return undefined;
}

function regionDifference(mine: RegionDef, theirs: RegionDef, physical: boolean): string | undefined {
  if (mine.vaddr !== theirs.vaddr) return `vaddr ${hex(mine.vaddr)} vs ${hex(theirs.vaddr)}`;
  if (physical && mine.paddr !== theirs.paddr) return `paddr ${hex(mine.paddr)} vs ${hex(theirs.paddr)}`;
  if (mine.size !== theirs.size) return `size ${hex(mine.size)} vs ${hex(theirs.size)}`;
  const rights = (r: RegionDef): string => [...r.rightsText].sort().join('');
  if (rights(mine) !== rights(theirs)) return `rights "${mine.rightsText}" vs "${theirs.rightsText}"`;
  return undefined;
}

function canonicalRights(grant: ProviderGrant): string {
  return [...grant.rights].sort().join('');
}
