/** The hypervisor node: its runtime (scheduler, system calls, gate forwarding), its events, and its gRPC server. */
export { formatEvent } from './events.ts';
export type { NodeEvent, NodeEventKind } from './events.ts';
export { RunQueue, TimePartitionSchedule } from './scheduler.ts';
export { Node, taskInfo } from './node.ts';
export type { NodeOptions, StartTaskRequest, TaskInfo, TravelerInfo } from './node.ts';
export { NodeServer, toTaskSummary, toWireEvent, toWireStats } from './node-server.ts';
