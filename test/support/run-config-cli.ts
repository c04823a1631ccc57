/**
 * Runs `migvisor config ...` with only the config command registered, so the
 * command can be tested as a real process (exit code, stdout, stderr) on its own.
 * Usage: node --import tsx test/support/run-config-cli.ts config check [FILE] [--json]
 */
import { Command } from 'commander';
import { registerConfigCommands } from '../../src/cli/commands/config.ts';

const program = new Command('migvisor').exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 1);
});
registerConfigCommands(program);
await program.parseAsync(process.argv);
