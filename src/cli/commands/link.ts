/**
 * Registers `migvisor link show|set|cut|heal`: the links of a cluster that
 * `cluster up` runs, through its Testbed service; the client is in
 * ./link-run.ts, loaded when the command runs.
 */
import type { Command } from 'commander';
import { bandwidth, choiceOption, duration, fraction } from '../option-values.ts';
import { withClusterOption, type ClusterFlags } from '../remote-options.ts';
import { action } from '../run-command.ts';

/** Flags of every testbed command: where the testbed is. */
export interface TestbedFlags extends ClusterFlags {
  readonly testbed?: string;
}

/** The options of `link set`. */
export interface LinkSetFlags extends TestbedFlags {
  readonly bandwidth?: number;
  readonly unshaped?: boolean;
  readonly latency?: number;
  readonly jitter?: number;
  readonly loss?: number;
  readonly lossMode?: 'stall' | 'drop';
}

/** The options of `link cut`. */
export interface LinkCutFlags extends TestbedFlags {
  readonly mode: 'reset' | 'blackhole';
  readonly for?: number;
}

/** Adds --testbed and the cluster options. */
export function withTestbedOption(cmd: Command): Command {
  return withClusterOption(cmd).option('--testbed <host:port>', 'the testbed of `cluster up` (default: from its registry)');
}

/** Adds the `link` command group to the program. */
export function registerLinkCommands(program: Command): void {
  const link = program.command('link').description('show and change the links between the processes of a running `cluster up`');
  withTestbedOption(link.command('show').description('every link: profile, state, bytes carried, connections')).action(
    action(async (flags: TestbedFlags) => (await import('./link-run.ts')).show(flags)),
  );
  withTestbedOption(
    link
      .command('set')
      .description('change the profile of the link between A and B (options not given keep their value)')
      .argument('<a>', 'endpoint: node name or middleware')
      .argument('<b>', 'endpoint: node name or middleware')
      .option('--bandwidth <rate>', 'each way, e.g. 10Mbit, 1Gbit, 2MiB/s', bandwidth('--bandwidth'))
      .option('--unshaped', 'no bandwidth limit')
      .option('--latency <duration>', 'one-way delay, e.g. 5ms', duration('--latency'))
      .option('--jitter <duration>', 'each segment delayed up to ± this (at most the latency)', duration('--jitter'))
      .option('--loss <p>', 'probability a segment is lost, e.g. 0.5%', fraction('--loss'))
      .addOption(choiceOption('--loss-mode <mode>', 'stall: resent after a timeout; drop: the connection is reset', ['stall', 'drop'] as const)),
  ).action(action(async (a: string, b: string, flags: LinkSetFlags) => (await import('./link-run.ts')).set(a, b, flags)));
  withTestbedOption(
    link
      .command('cut')
      .description('cut the link between A and B')
      .argument('<a>', 'endpoint')
      .argument('<b>', 'endpoint')
      .addOption(choiceOption('--mode <mode>', 'reset: connections reset and refused; blackhole: nothing passes, nothing answers', ['reset', 'blackhole'] as const).default('reset'))
      .option('--for <duration>', 'heal it again after this long', duration('--for')),
  ).action(action(async (a: string, b: string, flags: LinkCutFlags) => (await import('./link-run.ts')).cut(a, b, flags)));
  withTestbedOption(link.command('heal').description('heal the link between A and B').argument('<a>', 'endpoint').argument('<b>', 'endpoint')).action(
    action(async (a: string, b: string, flags: TestbedFlags) => (await import('./link-run.ts')).heal(a, b, flags)),
  );
}
