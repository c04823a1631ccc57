/**
 * Runs `migvisor config ...` with only the config command registered, so the
 * command can be tested as a real process (exit code, stdout, stderr) on its own.
 * It runs the built code in dist/ (`npm run build`), as bin/migvisor.js does.
 * Usage: node test/support/run-config-cli.mjs config check [FILE] [--json]
 */
import { Command } from 'commander';
import { registerConfigCommands } from '../../dist/cli/commands/config.js';

const program = new Command('migvisor').exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 1);
});
registerConfigCommands(program);
await program.parseAsync(process.argv);
