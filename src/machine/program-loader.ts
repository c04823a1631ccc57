/**
 * Places programs into a partition: `.text` at the partition's executable region,
 * `.data` at its data region, one stack slice per traveler carved downward from
 * the top of the region named `stack`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileProblem, InvalidArgumentError } from '../common/index.ts';
import type { AddressSpace } from '../partition/index.ts';
import { assemble, type Program } from './assembler.ts';
import { decodeObject, isObjectFile } from './object-file.ts';
import type { CpuDef, PartitionDef, RegionDef } from '../config/index.ts';

/** Where a partition's code, data and stacks are. */
export interface PartitionLayout {
  readonly code: RegionDef;
  readonly data: RegionDef | undefined;
  readonly stack: RegionDef;
}

/** The layout of a partition: its code, data and stack regions. */
export function layoutOf(def: PartitionDef): PartitionLayout {
  const code = def.regions.find((r) => r.rights.x);
  const stack = def.regions.find((r) => r.name === 'stack');
  const data = def.regions.find((r) => r.name === 'data') ?? def.regions.find((r) => r.rights.w && r.name !== 'stack');
  if (!code) throw new InvalidArgumentError(`partition ${def.name} has no executable region`);
  if (!stack) throw new InvalidArgumentError(`partition ${def.name} has no region named stack`);
  return { code, data, stack };
}

/** Assembles source for a partition of a node (its bases, word size and byte order). */
export function assembleFor(source: string, file: string, def: PartitionDef, cpu: CpuDef): Program {
  const layout = layoutOf(def);
  return assemble(source, {
    word: cpu.word,
    endian: cpu.endian,
    textBase: layout.code.vaddr,
    dataBase: layout.data?.vaddr ?? layout.code.vaddr + layout.code.size,
    file,
    textLimit: layout.code,
    ...(layout.data ? { dataLimit: layout.data } : {}),
  });
}

/**
 * Reads a program file for a partition: assembly source is assembled for it; an
 * object file (`migvisor asm -o`) must match the node's CPU and the partition's layout.
 */
export function assembleFile(file: string, def: PartitionDef, cpu: CpuDef): Program {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e: unknown) {
    throw new InvalidArgumentError(`cannot read program ${file}: ${fileProblem(e)}`);
  }
  const shown = path.relative(process.cwd(), file) || file;
  if (!isObjectFile(bytes)) return assembleFor(bytes.toString('utf8'), shown, def, cpu);
  return checkObjectFor(decodeObject(bytes, shown), shown, def, cpu);
}

/**
 * An object file's program checked against the node's CPU and the partition's
 * layout (word size, byte order, section bases, entry in .text); InvalidArgumentError otherwise.
 */
export function checkObjectFor(p: Program, shown: string, def: PartitionDef, cpu: CpuDef): Program {
  const layout = layoutOf(def);
  if (p.word !== cpu.word || p.endian !== cpu.endian) {
    throw new InvalidArgumentError(`${shown}: built for ${p.word}-bit ${p.endian}-endian, node is ${cpu.word}-bit ${cpu.endian}-endian`);
  }
  if (p.textBase !== layout.code.vaddr || (p.data.length > 0 && p.dataBase !== layout.data?.vaddr)) {
    throw new InvalidArgumentError(`${shown}: section bases 0x${p.textBase.toString(16)}/0x${p.dataBase.toString(16)} do not match partition ${def.name}`);
  }
  if (p.entry < p.textBase || p.entry >= p.textBase + Math.max(p.text.length, 1)) {
    throw new InvalidArgumentError(`${shown}: entry 0x${p.entry.toString(16)} is outside .text`);
  }
  return p;
}

/** Copies the program's sections into a fresh address space. */
export function loadProgram(space: AddressSpace, program: Program, def: PartitionDef): void {
  const layout = layoutOf(def);
  if (program.text.length > layout.code.size) {
    throw new InvalidArgumentError(`program text (${program.text.length} bytes) exceeds region ${layout.code.name} (${layout.code.size} bytes)`);
  }
  if (program.data.length > 0) {
    if (!layout.data) throw new InvalidArgumentError(`program has .data but partition ${def.name} has no data region`);
    if (program.data.length > layout.data.size) {
      throw new InvalidArgumentError(`program data (${program.data.length} bytes) exceeds region ${layout.data.name} (${layout.data.size} bytes)`);
    }
  }
  const inside = (base: number, n: number, r: RegionDef): boolean => base >= r.vaddr && base + n <= r.vaddr + r.size;
  if (!inside(program.textBase, program.text.length, layout.code)) {
    throw new InvalidArgumentError(`program text at 0x${program.textBase.toString(16)} (${program.text.length} bytes) is outside region ${layout.code.name}`);
  }
  if (program.data.length > 0 && !inside(program.dataBase, program.data.length, layout.data!)) {
    throw new InvalidArgumentError(`program data at 0x${program.dataBase.toString(16)} (${program.data.length} bytes) is outside region ${layout.data!.name}`);
  }
  if (program.text.length > 0) space.loadImage(program.textBase, program.text);
  if (program.data.length > 0) space.loadImage(program.dataBase, program.data);
}

/** Initial stack pointer of traveler `index`: stacks grow down from the top of `stack`. */
export function stackTop(def: PartitionDef, index: number): number {
  const { stack } = layoutOf(def);
  return stack.vaddr + stack.size - index * def.stackPerTraveler;
}
