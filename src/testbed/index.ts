/** The testbed: shaped links between a cluster's processes, fault injection, and the processes themselves. */
export { Network, parseAddress } from './network.ts';
export type { CorruptSpec, Endpoint, NetworkOptions } from './network.ts';
export type { DirectionStatus, LinkState, LinkStatus } from './link.ts';
export type { CutMode } from './relay.ts';
export { describeProfile, mergeProfile, retransmitTimeoutMs } from './profile.ts';
export { Prng, deriveSeed } from './prng.ts';
export { BIN, exited, startChild, stopChildren, whenExited } from './processes.ts';
export type { Child, ChildOptions } from './processes.ts';
export { LiveCluster } from './live-cluster.ts';
export type { LiveClusterOptions, ProcessInfo, ProcessState } from './live-cluster.ts';
export { Testbed } from './testbed.ts';
export type { TestbedEvent } from './testbed.ts';
export { TestbedServer, testbedHandlers, toWireLink } from './testbed-server.ts';
export { FAULT_HELP, FAULT_KINDS } from './fault-kinds.ts';
export type { FaultKind } from './fault-kinds.ts';
