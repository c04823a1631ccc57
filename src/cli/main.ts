/**
 * The `migvisor` command line. Each command group lives in its own module under
 * ./commands and registers itself on the program.
 */
import { Command } from 'commander';
import { registerCommands } from './commands/index.ts';

const program = new Command('migvisor')
  .description('PikeOS-style partition hypervisor nodes with migratable tasks')
  .showHelpAfterError()
  .configureOutput({
    outputError: (str, write) => write(`migvisor: ${str.replace(/^error: /, '')}`),
  });
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 1);
});

registerCommands(program);
await program.parseAsync(process.argv);
