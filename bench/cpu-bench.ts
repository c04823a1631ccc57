/**
 * CPU benchmark: the workload of cpu-workload.s on the simulated CPU, against the
 * same computation written directly in JavaScript, in the same process and run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble, CodeCache, newRegisters, run, type CpuState } from '../src/machine/index.ts';
import type { Endian, RegionDef, WordSize } from '../src/config/model.ts';
import { AddressSpace, PhysicalMemory } from '../src/partition/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const N = 2_000_000;
const PER_ITERATION = 17;

function region(name: string, vaddr: number, paddr: number, size: number, rights: string): RegionDef {
  return { name, vaddr, paddr, size, rights: { r: rights.includes('r'), w: rights.includes('w'), x: rights.includes('x') }, rightsText: rights, line: 0 };
}

/** Runs the workload on the simulated CPU; returns [seconds, instructions, result]. */
export function simulate(word: WordSize, endian: Endian): { seconds: number; instructions: number; result: bigint } {
  const source = fs.readFileSync(path.join(here, 'cpu-workload.s'), 'utf8').replace('N = 2000000', `N = ${N}`);
  const p = assemble(`WSHIFT = ${word === 64 ? 3 : 2}\n${source}`, { word, endian });
  const space = new AddressSpace(
    [region('code', 0x10000, 0x100000, 0x10000, 'rx'), region('data', 0x100000, 0x200000, 0x10000, 'rw'), region('stack', 0x800000, 0x300000, 0x10000, 'rw')],
    0,
    4096,
    new PhysicalMemory(1 << 22),
    endian,
  );
  space.loadImage(p.textBase, p.text);
  space.loadImage(p.dataBase, p.data);
  const s: CpuState = { r: newRegisters(word), pc: p.entry, flags: 0, trap: -1, fault: undefined };
  const cache = new CodeCache(space, word);
  const budget = Number(process.env.BUDGET ?? 2000); // the default instructions_per_tick: preemption as on a node
  let instructions = 0;
  const t0 = process.hrtime.bigint();
  for (;;) {
    instructions += run(s, cache, budget);
    if (s.trap >= 0 || s.fault) break;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (s.fault) throw new Error(`benchmark program faulted: ${s.fault.message}`);
  const result = word === 64 ? space.ld64(Number(p.symbols.get('result'))) : BigInt(space.ld32(Number(p.symbols.get('result'))));
  return { seconds, instructions, result };
}

/** The same computation written directly in JavaScript (BigInt for 64-bit words). */
export function direct(word: WordSize): { seconds: number; result: bigint } {
  const t0 = process.hrtime.bigint();
  let result: bigint;
  if (word === 32) {
    const table = new Int32Array(1024);
    let x = 1;
    let acc = 0;
    for (let i = 0; i < N; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      table[i & 1023] = table[i & 1023]! ^ x;
      acc = (acc + table[(x >>> 16) & 1023]!) | 0;
    }
    result = BigInt(acc);
  } else {
    const table = new BigInt64Array(1024);
    let x = 1n;
    let acc = 0n;
    for (let i = 0; i < N; i++) {
      x = BigInt.asIntN(64, x * 1103515245n + 12345n);
      table[i & 1023] = table[i & 1023]! ^ x;
      acc = BigInt.asIntN(64, acc + table[Number((BigInt.asUintN(64, x) >> 16n) & 1023n)]!);
    }
    result = acc;
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, result };
}

export interface CpuFigure {
  readonly instructions: number;
  readonly simulated_mips: number;
  readonly simulated_seconds: number;
  readonly javascript_seconds: number;
  /** JavaScript time / simulated time: 1.0 would be as fast as hand-written JavaScript. */
  readonly ratio_vs_javascript: number;
  readonly results_match: boolean;
}

export function cpuBenchmark(): Record<string, CpuFigure> {
  const out: Record<string, CpuFigure> = {};
  for (const [key, word, endian] of [['32le', 32, 'little'], ['64be', 64, 'big']] as const) {
    // Warm up both sides once, then take the best of three.
    simulate(word, endian);
    direct(word);
    let best = simulate(word, endian);
    let js = direct(word);
    for (let i = 0; i < 2; i++) {
      const s = simulate(word, endian);
      if (s.seconds < best.seconds) best = s;
      const d = direct(word);
      if (d.seconds < js.seconds) js = d;
    }
    out[key] = {
      instructions: best.instructions,
      simulated_mips: Math.round(best.instructions / best.seconds / 1e4) / 100,
      simulated_seconds: round(best.seconds),
      javascript_seconds: round(js.seconds),
      ratio_vs_javascript: round(js.seconds / best.seconds),
      results_match: best.result === js.result && best.instructions === N * PER_ITERATION + 10,
    };
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
