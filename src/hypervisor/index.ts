/** The hypervisor node: its runtime (scheduler, system calls, gates and their forwarding), its events, and its gRPC server. */
export { formatEvent } from './events.ts';
export type { NodeEvent, NodeEventKind } from './events.ts';
export { RunQueue, TimePartitionSchedule } from './scheduler.ts';
export { Node } from './node.ts';
export type { NodeOptions, StartTaskRequest } from './node.ts';
export type { NodeInfo, SlotInfo } from './node-info.ts';
export { taskInfo } from './task-info.ts';
export type { TaskInfo, TravelerInfo } from './task-info.ts';
export { NodeServer } from './node-server.ts';
export { toInfoReply, toTaskSummary, toWireEvent, toWireStats } from './node-wire.ts';
