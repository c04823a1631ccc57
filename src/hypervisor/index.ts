/** The hypervisor: CPU and assembler, scheduler and clock, node runtime, configuration. */
export { assemble, DEFAULT_DATA_BASE, DEFAULT_TEXT_BASE } from './assembler.ts';
export type { AsmOptions, Program } from './assembler.ts';
export { CodeCache, newRegisters, run } from './cpu.ts';
export type { CpuState } from './cpu.ts';
export { CpuTrap } from './cpu-trap.ts';
export type { CpuTrapKind } from './cpu-trap.ts';
export { decode, Flag, OPS, SP, Sys, SysError, OpenFlag, REGISTER_COUNT } from './isa.ts';
export { assembleFile, assembleFor, layoutOf, loadProgram, stackTop } from './program-loader.ts';
export { formatEvent } from './events.ts';
export type { NodeEvent, NodeEventKind } from './events.ts';
export { RunQueue, TimePartitionSchedule } from './scheduler.ts';
export { Node, taskInfo } from './node.ts';
export type { NodeOptions, StartTaskRequest, TaskInfo, TravelerInfo } from './node.ts';
export type * from './config-model.ts';
export { checkClusterFile, ConfigFileError, loadCluster, parseClusterText, parseSize } from './config-load.ts';
export type { ClusterCheck, CheckOptions } from './config-load.ts';
export { decodeObject, encodeObject, isObjectFile } from './object-file.ts';
export { NodeServer, toTaskSummary, toWireEvent, toWireStats } from './node-server.ts';
