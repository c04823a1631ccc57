/** The hypervisor node: its runtime (scheduler, system calls, gates and their forwarding), its events, its log and metrics, and its gRPC server. */
export { formatEvent } from './events.ts';
export type { NodeEvent } from './events.ts';
export { Node } from './node.ts';
export type { NodeOptions, StartTaskRequest } from './node.ts';
export type { NodeInfo, SlotInfo } from './node-info.ts';
export type { TaskInfo, TravelerInfo } from './task-info.ts';
export { NodeServer } from './node-server.ts';
export { eventRecord, logNode } from './node-log.ts';
export { migrationResult, registerNodeMetrics } from './node-metrics.ts';
export type { MigrationResult } from './node-metrics.ts';
export { diagnosticsHandlers } from './diagnostics.ts';
export { ClusterMembership, probe } from './membership.ts';
export type { Membership } from './membership.ts';
export { fromWireEvent, toTaskSummary, toWireEvent } from './node-wire.ts';
export { toScheduleStatus } from './port-plan-wire.ts';
export type { PlanStatus } from './schedule-plans.ts';
export type { Sequenced } from './event-log.ts';
