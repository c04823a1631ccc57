/** The live dashboard of a cluster: node feeds over gRPC, the cluster's picture, the page's HTTP server and its actions. */
export { CLI_ACCESS, startDashboard } from './dashboard.ts';
export type { DashboardOptions, RunningDashboard } from './dashboard.ts';
export { ClusterView, slotView } from './cluster-view.ts';
export type { DashboardState, NodeTarget, SlotView } from './cluster-view.ts';
export type { GrpcAccess } from './node-feed.ts';
