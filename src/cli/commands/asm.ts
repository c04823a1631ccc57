/** Registers `migvisor asm FILE.s [-o OUT]`; the assembler itself is in ./asm-run.ts, loaded when the command runs. */
import type { Command } from 'commander';
import { ENDIANS, WORD_SIZES, type Endian, type WordSize } from '../../common/vocabulary.ts';
import { address, choiceOption } from '../option-values.ts';
import { action } from '../run-command.ts';

/** The options of `asm`, as commander parsed them. */
export interface AsmFlags {
  readonly output?: string;
  readonly word: WordSize;
  readonly endian: Endian;
  readonly textBase?: number;
  readonly dataBase?: number;
  readonly listing?: boolean;
  readonly json?: boolean;
}

/** Adds the `asm` command to the program. */
export function registerAsmCommand(program: Command): void {
  program
    .command('asm')
    .description('assemble an MV program; errors are printed as FILE:LINE: message (exit 2)')
    .argument('<file>', 'assembly source (.s)')
    .option('-o, --output <file>', 'write an MV object file')
    .addOption(choiceOption('--word <bits>', 'word size', WORD_SIZES).default(32))
    .addOption(choiceOption('--endian <order>', 'byte order', ENDIANS).default('little'))
    // The defaults are the assembler's (machine/assembler.ts); test/cli/asm-simulate.spec.ts checks this help names them.
    .option('--text-base <addr>', 'virtual address of .text (default: 0x10000)', address('--text-base'))
    .option('--data-base <addr>', 'virtual address of .data (default: 0x100000)', address('--data-base'))
    .option('-l, --listing', 'print an address/encoding/source listing')
    .option('--json', 'machine-readable summary')
    .action(action(async (file: string, flags: AsmFlags) => (await import('./asm-run.ts')).asm(file, flags)));
}
