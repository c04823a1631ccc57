import type { Command } from 'commander';

/** Registers every command group on the program. */
export function registerCommands(program: Command): void {
  void program;
}
