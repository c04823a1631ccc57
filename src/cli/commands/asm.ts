/** `migvisor asm FILE.s [-o OUT]`: assemble a program, report errors as FILE:LINE: message. */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { fileProblem, InvalidArgumentError } from '../../common/index.ts';
import { assemble, DEFAULT_DATA_BASE, DEFAULT_TEXT_BASE, type Program, encodeObject } from '../../machine/index.ts';

import { action, printJson } from '../run-command.ts';

interface AsmFlags {
  output?: string;
  word: string;
  endian: string;
  textBase: string;
  dataBase: string;
  listing?: boolean;
  json?: boolean;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function parseAddress(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a non-negative address, got ${text}`);
  return n;
}

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

export function registerAsmCommand(program: Command): void {
  program
    .command('asm')
    .description('assemble an MV program; errors are printed as FILE:LINE: message (exit 2)')
    .argument('<file>', 'assembly source (.s)')
    .option('-o, --output <file>', 'write an MV object file')
    .option('--word <bits>', 'word size: 32 or 64', '32')
    .option('--endian <order>', 'byte order: little or big', 'little')
    .option('--text-base <addr>', 'virtual address of .text', hex(DEFAULT_TEXT_BASE))
    .option('--data-base <addr>', 'virtual address of .data', hex(DEFAULT_DATA_BASE))
    .option('-l, --listing', 'print an address/encoding/source listing')
    .option('--json', 'machine-readable summary')
    .action(
      action((file: string, flags: AsmFlags) => {
        if (flags.word !== '32' && flags.word !== '64') throw new InvalidArgumentError(`--word must be 32 or 64, got ${flags.word}`);
        if (flags.endian !== 'little' && flags.endian !== 'big') {
          throw new InvalidArgumentError(`--endian must be little or big, got ${flags.endian}`);
        }
        let source: string;
        try {
          source = fs.readFileSync(file, 'utf8');
        } catch (e: unknown) {
          throw new InvalidArgumentError(`cannot read ${file}: ${fileProblem(e)}`);
        }
        const p = assemble(source, {
          word: flags.word === '64' ? 64 : 32,
          endian: flags.endian,
          textBase: parseAddress(flags.textBase, '--text-base'),
          dataBase: parseAddress(flags.dataBase, '--data-base'),
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
      }),
    );
}
