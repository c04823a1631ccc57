/** The testbed: shaped links between a cluster's processes, fault injection, and the processes themselves. */
export { BIN, exited, startChild, stopChildren, whenExited } from './processes.ts';
export type { Child, ChildOptions } from './processes.ts';
