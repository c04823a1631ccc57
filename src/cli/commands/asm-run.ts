/** `migvisor asm FILE.s [-o OUT]`: assemble a program, report errors as FILE:LINE: message. */
import * as fs from 'node:fs';
import { fileProblem, InvalidArgumentError } from '../../common/index.ts';
import { assemble, DEFAULT_DATA_BASE, DEFAULT_TEXT_BASE, type Program, encodeObject } from '../../machine/index.ts';
import { printJson } from '../run-command.ts';
import type { AsmFlags } from './asm.ts';

const hex = (n: number): string => `0x${n.toString(16)}`;

function listing(p: Program, source: string): string {
  const src = source.split(/\r?\n/);
  const view = new DataView(p.text.buffer, p.text.byteOffset, p.text.byteLength);
  const out: string[] = [];
  const addrs = [...p.lines.keys()].sort((a, b) => a - b);
  addrs.forEach((addr, i) => {
    const end = addrs[i + 1] ?? p.textBase + p.text.length;
    const words: string[] = [];
    for (let a = addr; a < end && a + 4 <= p.textBase + p.text.length; a += 4) {
      words.push(view.getUint32(a - p.textBase, p.endian === 'little').toString(16).padStart(8, '0'));
    }
    const line = p.lines.get(addr)!;
    out.push(`${hex(addr).padStart(10)}  ${words.join(' ').padEnd(26)}  ${String(line).padStart(4)}  ${(src[line - 1] ?? '').trim()}`);
  });
  return out.join('\n');
}

/** Assembles `file`; writes the object file with --output; prints a summary (or a listing). */
export function asm(file: string, flags: AsmFlags): void {
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw new InvalidArgumentError(`cannot read ${file}: ${fileProblem(e)}`);
  }
  const p = assemble(source, {
    word: flags.word,
    endian: flags.endian,
    textBase: flags.textBase ?? DEFAULT_TEXT_BASE,
    dataBase: flags.dataBase ?? DEFAULT_DATA_BASE,
    file,
  });
  if (flags.output) fs.writeFileSync(flags.output, encodeObject(p));
  const summary = {
    file,
    word: p.word,
    endian: p.endian,
    entry: hex(p.entry),
    text: { base: hex(p.textBase), bytes: p.text.length, instructions: p.lines.size },
    data: { base: hex(p.dataBase), bytes: p.data.length },
    symbols: Object.fromEntries([...p.symbols].map(([k, v]) => [k, `0x${BigInt.asUintN(64, v).toString(16)}`])),
    ...(flags.output ? { output: flags.output } : {}),
  };
  if (flags.json) printJson(summary);
  else {
    if (flags.listing) process.stdout.write(`${listing(p, source)}\n`);
    process.stdout.write(
      `${file}: ${p.lines.size} instructions, text ${p.text.length} bytes at ${hex(p.textBase)}, data ${p.data.length} bytes at ${hex(p.dataBase)}, entry ${hex(p.entry)}${flags.output ? ` -> ${flags.output}` : ''}\n`,
    );
  }
}
