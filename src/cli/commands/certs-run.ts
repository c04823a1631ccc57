/**
 * `migvisor certs init DIR`: a development CA and, signed by it, a certificate
 * for every node of the cluster file, the middleware, the testbed of `cluster
 * up`, etcd and each client, made with the openssl command (EC P-256). Each
 * names its holder in its CN and as a DNS SAN, with localhost and 127.0.0.1
 * beside. Prints the `tls:` and `roles:` sections to paste into the cluster file
 * (paths relative to it), or writes a copy with them (--write). README "TLS and roles".
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileProblem, InvalidArgumentError, makeDirsSync, MigvisorError, ROLES, type Role } from '../../common/index.ts';
import { parseYaml } from '../../config/index.ts';
import { clusterFile } from '../cluster-file.ts';
import { printJson } from '../run-command.ts';
import type { CertsInitFlags } from './certs.ts';

/** Days a development certificate is valid. */
const DAYS = '825';
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function openssl(args: readonly string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e: unknown) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new MigvisorError('certs init needs the openssl command (apt-get install openssl)');
    const why = err.stderr?.toString().trim().split('\n')[0] ?? err.message;
    throw new MigvisorError(`openssl ${args[0]} failed: ${why}`);
  }
}

/** The node names and whether there is a middleware, read from the YAML alone (the file may not check yet: its tls: may name files this makes). */
function clusterNames(file: string): { nodes: string[]; middleware: boolean } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw new InvalidArgumentError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const parsed = parseYaml(text);
  if (!parsed.ok) throw new InvalidArgumentError(`${file}:${parsed.problems[0]?.line ?? 1}: ${parsed.problems[0]?.message ?? 'not YAML'}`);
  const data = parsed.data as { nodes?: { name?: unknown }[]; middleware?: unknown };
  const nodes = (Array.isArray(data.nodes) ? data.nodes : []).map((n) => n?.name).filter((n): n is string => typeof n === 'string' && NAME.test(n));
  if (nodes.length === 0) throw new InvalidArgumentError(`${file}: no nodes to make certificates for`);
  return { nodes, middleware: data.middleware !== undefined };
}

/** `NAME[=ROLE]` of --client. */
function clientSpec(spec: string): { name: string; role: Role } {
  const [name, role = 'operator'] = spec.split('=');
  if (!name || !NAME.test(name)) throw new InvalidArgumentError(`--client ${spec}: the name must be letters, digits, '_', '-' and '.'`);
  if (!(ROLES as readonly string[]).includes(role)) throw new InvalidArgumentError(`--client ${spec}: the role must be ${ROLES.join(', ')}`);
  return { name, role: role as Role };
}

/** Makes the CA (unless DIR has one) and one leaf certificate per name. */
function makeCertificates(dir: string, names: readonly string[]): { ca: string; made: Record<string, { cert: string; key: string }>; reusedCa: boolean } {
  try {
    makeDirsSync(dir);
  } catch (e: unknown) {
    throw new MigvisorError(`cannot create the certificate folder ${dir}: ${fileProblem(e)}`);
  }
  const ca = path.join(dir, 'ca.pem');
  const caKey = path.join(dir, 'ca-key.pem');
  const reusedCa = fs.existsSync(ca) && fs.existsSync(caKey);
  if (!reusedCa) {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', DAYS, '-subj', '/CN=migvisor development CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    fs.chmodSync(caKey, 0o600);
  }
  const made: Record<string, { cert: string; key: string }> = {};
  for (const name of names) {
    const ext = path.join(dir, `${name}.ext`);
    fs.writeFileSync(
      ext,
      `subjectAltName=DNS:${name},DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`,
    );
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', DAYS, '-extfile', `${name}.ext`], dir);
    fs.rmSync(path.join(dir, `${name}.csr`));
    fs.rmSync(ext);
    fs.chmodSync(path.join(dir, `${name}-key.pem`), 0o600);
    made[name] = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}-key.pem`) };
  }
  return { ca, made, reusedCa };
}

/** The YAML of the tls: and roles: sections, paths relative to `base`. */
function sections(base: string, ca: string, made: Record<string, { cert: string; key: string }>, nodes: readonly string[], middleware: boolean, clients: readonly { name: string; role: Role }[]): string {
  const rel = (p: string): string => JSON.stringify(path.relative(base, p) || '.');
  const pair = (name: string): string => `{ cert: ${rel(made[name]!.cert)}, key: ${rel(made[name]!.key)} }`;
  const lines = ['tls:', `  ca: ${rel(ca)}`, '  nodes:', ...nodes.map((n) => `    ${n}: ${pair(n)}`)];
  if (middleware) lines.push(`  middleware: ${pair('middleware')}`);
  lines.push(`  testbed: ${pair('testbed')}`);
  const first = clients[0];
  if (first) lines.push(`  client: ${pair(first.name)}`);
  lines.push('roles:', ...clients.map((c) => `  ${c.name}: ${c.role}`));
  return `${lines.join('\n')}\n`;
}

/** Runs `certs init`. */
export function certsInit(dir: string, flags: CertsInitFlags): number {
  const file = clusterFile(flags.cluster);
  const { nodes, middleware } = clusterNames(file);
  const clients = (flags.client.length > 0 ? flags.client : ['client=operator']).map(clientSpec);
  const reserved = new Set([...nodes, 'middleware', 'testbed', 'etcd']);
  for (const c of clients) if (reserved.has(c.name)) throw new InvalidArgumentError(`--client ${c.name}: that name is a server's (${[...reserved].join(', ')})`);
  const names = [...nodes, ...(middleware ? ['middleware'] : []), 'testbed', 'etcd', ...clients.map((c) => c.name)];
  const { ca, made, reusedCa } = makeCertificates(path.resolve(dir), names);
  if (flags.write) {
    if (path.resolve(path.dirname(flags.write)) !== path.resolve(path.dirname(file))) {
      throw new InvalidArgumentError(`--write ${flags.write}: write the copy beside ${file} (its relative paths resolve from its folder)`);
    }
    const text = fs.readFileSync(file, 'utf8');
    if (/^(tls|roles|tokens):/m.test(text)) throw new InvalidArgumentError(`${file} already has a tls:, roles: or tokens: section; edit it by hand`);
    fs.writeFileSync(flags.write, `${text.replace(/\n*$/, '\n')}\n${sections(path.dirname(path.resolve(flags.write)), ca, made, nodes, middleware, clients)}`);
  }
  const out = sections(path.dirname(path.resolve(file)), ca, made, nodes, middleware, clients);
  if (flags.json) {
    printJson({ ca, reusedCa, certificates: made, ...(flags.write ? { wrote: flags.write } : { sections: out }) });
    return 0;
  }
  process.stderr.write(`certs init: ${reusedCa ? 'kept the CA' : 'made a CA'} and ${names.length} certificate(s) in ${dir}\n`);
  if (flags.write) process.stderr.write(`certs init: wrote ${flags.write} (the cluster file with tls: and roles:)\n`);
  else process.stdout.write(`# paste into ${file}:\n${out}`);
  return 0;
}
