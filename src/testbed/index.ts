/** The testbed: shaped links between a cluster's processes, fault injection, and the processes themselves. */
export { BIN, exited, startChild, stopChildren, whenExited } from './processes.ts';
export type { Child, ChildOptions } from './processes.ts';
export { LiveCluster } from './live-cluster.ts';
export type { LiveClusterOptions, ProcessInfo, ProcessState } from './live-cluster.ts';
export { Testbed } from './testbed.ts';
export type { TestbedEvent } from './testbed.ts';
export { TestbedServer, testbedHandlers, toWireLink } from './testbed-server.ts';
export { FAULT_HELP, FAULT_KINDS } from './fault-kinds.ts';
export type { FaultKind } from './fault-kinds.ts';
