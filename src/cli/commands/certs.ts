/**
 * Registers `migvisor certs init DIR [--cluster FILE] [--client NAME[=ROLE]...]
 * [--write FILE]`; the certificates are made in ./certs-run.ts (with the
 * openssl command), loaded when the command runs. README "TLS and roles".
 */
import type { Command } from 'commander';
import { action } from '../run-command.ts';

/** The options of `certs init`. */
export interface CertsInitFlags {
  readonly cluster?: string;
  readonly client: string[];
  readonly write?: string;
  readonly json?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds the `certs` command group to the program. */
export function registerCertsCommands(program: Command): void {
  const certs = program.command('certs').description('development certificates for TLS (README "TLS and roles")');
  certs
    .command('init')
    .description('make a development CA and a certificate for every node, the middleware, the testbed, etcd and each client; print the tls: and roles: sections')
    .argument('<dir>', 'folder for the PEM files (made if missing; an existing ca.pem there is kept)')
    .option('--cluster <file>', 'cluster file whose nodes get certificates (default config/cluster.yaml)')
    .option('--client <name[=role]>', 'a client certificate and its role (repeatable; default client=operator)', collect, [])
    .option('--write <file>', 'write a copy of the cluster file with the sections added, instead of printing them')
    .option('--json', 'print the files made as JSON')
    .action(action(async (dir: string, flags: CertsInitFlags) => (await import('./certs-run.ts')).certsInit(dir, flags)));
}
