/**
 * The `migvisor` command line. Each command group registers itself from its
 * module under ./commands (names, options, help: commander only), and each
 * command's action imports its implementation when it runs, so `--help`, a
 * usage error or a quick remote call load only what they need.
 */
import { Command } from 'commander';
import { printable } from '../common/printable.ts';
import { registerCommands } from './commands/index.ts';

/**
 * Commander reports a value refused by an option's parser as "option '--x <v>'
 * argument 'v' is invalid. " followed by the parser's message; the parsers of
 * ./option-values.ts name the option and the value themselves ("--mode must be
 * ..., got warp"), so that preamble would only say it twice.
 */
const PARSER_PREAMBLE = /^error: option '[^']*' argument '[\s\S]*?' is invalid\. (?=--)/;

const program = new Command('migvisor')
  .description('PikeOS-style partition hypervisor nodes with migratable tasks')
  .configureOutput({
    // One line (commander's "(Did you mean …?)" follows on it), whatever the refused value holds: control characters shown escaped.
    outputError: (str, write) => write(`migvisor: ${printable(str.replace(PARSER_PREAMBLE, '').replace(/^error: /, '').trimEnd().replace(/\n/g, ' '))}\n`),
  });
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 1);
});

registerCommands(program);
await program.parseAsync(process.argv);
