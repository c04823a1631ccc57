/** The hypervisor node: its runtime (scheduler, system calls, gates and their forwarding), its events, and its gRPC server. */
export { formatEvent } from './events.ts';
export type { NodeEvent } from './events.ts';
export { Node } from './node.ts';
export type { NodeOptions, StartTaskRequest } from './node.ts';
export type { NodeInfo, SlotInfo } from './node-info.ts';
export type { TaskInfo, TravelerInfo } from './task-info.ts';
export { NodeServer } from './node-server.ts';
