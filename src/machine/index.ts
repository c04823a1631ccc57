/** The simulated machine: the MV instruction set, its assembler and object files, the translating CPU, and the program loader. */
export { assemble, DEFAULT_DATA_BASE, DEFAULT_TEXT_BASE } from './assembler.ts';
export type { AsmOptions, Program } from './assembler.ts';
export { CodeCache, newRegisters, run } from './cpu.ts';
export type { CpuState } from './cpu.ts';
export { CpuTrap } from './cpu-trap.ts';
export { instructionLength, OPCODES, SP, Sys } from './isa.ts';
export { decodeObject, encodeObject, isObjectFile, OBJECT_LIMITS } from './object-file.ts';
export { assembleFile, assembleFor, checkObjectFor, loadProgram, stackTop } from './program-loader.ts';
