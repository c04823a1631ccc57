/**
 * Places programs into a partition: `.text` at the partition's executable region,
 * `.data` at its data region, one stack slice per traveler carved downward from
 * the top of the region named `stack`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../common/errors.ts';
import type { AddressSpace } from '../partition/index.ts';
import { assemble, type Program } from './assembler.ts';
import type { CpuDef, PartitionDef, RegionDef } from './config-model.ts';

export interface PartitionLayout {
  readonly code: RegionDef;
  readonly data: RegionDef | undefined;
  readonly stack: RegionDef;
}

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
  });
}

/** Reads and assembles a program file; the file name in messages is as given. */
export function assembleFile(file: string, def: PartitionDef, cpu: CpuDef): Program {
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw new InvalidArgumentError(`cannot read program ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return assembleFor(source, path.relative(process.cwd(), file) || file, def, cpu);
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
  if (program.text.length > 0) space.loadImage(program.textBase, program.text);
  if (program.data.length > 0) space.loadImage(program.dataBase, program.data);
}

/** Initial stack pointer of traveler `index`: stacks grow down from the top of `stack`. */
export function stackTop(def: PartitionDef, index: number): number {
  const { stack } = layoutOf(def);
  return stack.vaddr + stack.size - index * def.stackPerTraveler;
}
