/**
 * Checks of sampling ports (README, "Sampling ports"): a message size a system
 * call can pass, rights that give a direction (s: the source, r: a destination,
 * never both), and exactly one source partition per port, wherever its
 * destinations are.
 */
import type { PartitionDef, ProviderGrant, SamplingPortDef } from './model.ts';
import { partitionDefinitions } from './check-context.ts';
import type { CheckContext } from './check-context.ts';

/** Largest message a system call passes (syscalls.ts MAX_IO). */
export const MAX_PORT_MESSAGE = 65536;

/** Runs every sampling-port check of the cluster. */
export function checkPorts(ctx: CheckContext): void {
  const { config, locate } = ctx.cluster;
  const definitions = partitionDefinitions(ctx.cluster);
  for (const port of config.providers.values()) {
    if (port.kind !== 'sampling') continue;
    if (port.messageSize > MAX_PORT_MESSAGE) {
      ctx.report(
        locate.line(port, 'message_size'),
        `sampling port ${port.name}: message_size ${port.messageSize} exceeds the ${MAX_PORT_MESSAGE} bytes a system call passes`,
      );
    }
    const grants = definitions.flatMap((def) => def.providers.filter((g) => g.provider === port.name).map((grant) => ({ def, grant })));
    for (const { def, grant } of grants) checkDirection(ctx, port, def, grant);
    checkSources(ctx, port, grants);
  }
}

function checkDirection(ctx: CheckContext, port: SamplingPortDef, def: PartitionDef, grant: ProviderGrant): void {
  if (grant.rights.includes('s') && grant.rights.includes('r')) {
    ctx.report(
      grant.line,
      `partition ${def.name}: sampling port ${port.name}: rights "${grant.rights}" give no direction; a partition is the port's source (s) or a destination (r), not both`,
    );
  }
}

/** One partition (by name: a MigPartition is one source wherever it runs) writes the port. */
function checkSources(ctx: CheckContext, port: SamplingPortDef, grants: readonly { def: PartitionDef; grant: ProviderGrant }[]): void {
  const sources = new Map<string, ProviderGrant>();
  for (const { def, grant } of grants) {
    if (!grant.rights.includes('s') || grant.rights.includes('r')) continue;
    const first = [...sources.entries()][0];
    if (first && !sources.has(def.name)) {
      ctx.report(
        grant.line,
        `sampling port ${port.name} can have one source, but partitions ${first[0]} (line ${first[1].line}) and ${def.name} both hold s`,
      );
    }
    if (!sources.has(def.name)) sources.set(def.name, grant);
  }
  if (sources.size === 0 && grants.some((g) => g.grant.rights === 'r')) {
    ctx.report(port.line, `sampling port ${port.name} has destinations but no source (grant one partition s)`);
  }
}
