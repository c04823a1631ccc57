/** The testbed: shaped links between a cluster's processes, fault injection, and the processes themselves. */
export { Network, parseAddress } from './network.ts';
export type { CorruptSpec, Endpoint, NetworkOptions } from './network.ts';
export type { DirectionStatus, LinkState, LinkStatus } from './link.ts';
export type { CutMode } from './relay.ts';
export { describeProfile, mergeProfile, retransmitTimeoutMs } from './profile.ts';
export { Prng, deriveSeed } from './prng.ts';
