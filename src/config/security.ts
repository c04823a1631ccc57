/**
 * A process's TLS identity and its servers' role policy from a loaded cluster
 * file (README "TLS and roles"): which certificate the process presents (a
 * node's, the middleware's, the testbed's, the client's), which name each peer
 * must present (by the addresses of the registry and the cluster file), and who
 * holds which role. {@link applySecurity} hands them to common's tls.ts and
 * roles.ts, which every channel and server of the process then uses.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  configureAccess,
  configureTls,
  InvalidArgumentError,
  MigvisorError,
  readEndpoints,
  setCallToken,
  type AccessPolicy,
  type Role,
  type TlsIdentity,
} from '../common/index.ts';
import { MIDDLEWARE_ENDPOINT, type CertKeyDef, type ClusterConfig } from './model.ts';

/** The name the testbed server of `cluster up` presents and is known by. */
export const TESTBED_IDENTITY = 'testbed';

/** Environment variables choosing the command-line client's certificate instead of tls.client. */
export const CERT_ENV = 'MIGVISOR_TLS_CERT';
export const KEY_ENV = 'MIGVISOR_TLS_KEY';
/** Environment variable of the token a client sends (`--token` wins). */
export const TOKEN_ENV = 'MIGVISOR_TOKEN';

/** Who a process is: a node by name, the middleware, the testbed of `cluster up`, or a command-line client. */
export type ProcessRole = { readonly node: string } | 'middleware' | 'testbed' | 'client';

/** Roles held without being listed: the cluster's own processes. The testbed resets tasks between runs, so it operates too. */
function implicitRoles(cluster: ClusterConfig): Map<string, Role[]> {
  const held = new Map<string, Role[]>();
  for (const n of cluster.nodes) held.set(n.name, ['node']);
  held.set(MIDDLEWARE_ENDPOINT, ['node']);
  held.set(TESTBED_IDENTITY, ['operator', 'node']);
  return held;
}

/** The role policy of a cluster file, or undefined without `roles:` (every caller TLS admits may call everything). */
export function accessPolicy(cluster: ClusterConfig): AccessPolicy | undefined {
  if (!cluster.access) return undefined;
  const roles = implicitRoles(cluster);
  for (const [who, r] of cluster.access.roles) roles.set(who, [...new Set([...(roles.get(who) ?? []), ...r])]);
  const tokens = new Map<string, string>();
  for (const [who, token] of cluster.access.tokens) tokens.set(token, who);
  return { roles, tokens };
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e: unknown) {
    throw new MigvisorError(`cannot read the ${what} ${file}: ${(e as Error).message}`);
  }
}

/** The first CN of a PEM certificate (its name for roles and messages). */
export function certificateName(pem: Buffer, file: string): string {
  let subject: string;
  try {
    subject = new X509Certificate(pem).subject;
  } catch {
    throw new InvalidArgumentError(`${file}: not a PEM certificate`);
  }
  const cn = /^CN=(.*)$/m.exec(subject);
  if (!cn) throw new InvalidArgumentError(`${file}: the certificate has no CN`);
  return cn[1]!;
}

/** `localhost:7000` and `127.0.0.1:7000` are one address. */
function normal(address: string): string {
  return address.replace(/^localhost:/i, '127.0.0.1:');
}

/** The certificate a process presents, by its role; a missing one is a usage error naming the key. */
function certOf(cluster: ClusterConfig, who: ProcessRole): CertKeyDef {
  const tls = cluster.tls!;
  const def =
    typeof who === 'object' ? tls.nodes.get(who.node) : who === 'middleware' ? tls.middleware : who === 'testbed' ? tls.testbed : tls.client;
  const key = typeof who === 'object' ? `tls.nodes.${who.node}` : `tls.${who}`;
  if (!def) throw new InvalidArgumentError(`${cluster.file}:${tls.line}: ${key} is missing (it is needed by this process)`);
  return def;
}

/** The TLS identity of process `who` of `cluster`, or undefined when the cluster has no `tls:`. */
export function tlsIdentityFor(cluster: ClusterConfig, who: ProcessRole): TlsIdentity | undefined {
  const tls = cluster.tls;
  if (!tls) return undefined;
  let certFile: string;
  let keyFile: string;
  const envCert = process.env[CERT_ENV];
  if (who === 'client' && envCert) {
    const envKey = process.env[KEY_ENV];
    if (!envKey) throw new InvalidArgumentError(`${CERT_ENV} is set and ${KEY_ENV} is not: both name the client's certificate`);
    certFile = envCert;
    keyFile = envKey;
  } else {
    const def = certOf(cluster, who);
    certFile = def.cert;
    keyFile = def.key;
  }
  const cert = read(certFile, 'certificate');
  const fixed = new Map<string, string>();
  for (const n of cluster.nodes) if (!n.listen.endsWith(':0')) fixed.set(normal(n.listen), n.name);
  if (cluster.middleware && !cluster.middleware.listen.endsWith(':0')) fixed.set(normal(cluster.middleware.listen), MIDDLEWARE_ENDPOINT);
  return {
    ca: read(tls.ca, 'CA certificate'),
    cert,
    key: read(keyFile, 'key'),
    name: certificateName(cert, certFile),
    // The registry holds where the processes of this cluster file run now; the file's fixed ports are the fallback.
    peerName: (address) => {
      const a = normal(address);
      const live = readEndpoints(cluster.file);
      for (const [name, at] of Object.entries(live.nodes)) if (normal(at) === a) return name;
      if (live.middleware && normal(live.middleware) === a) return MIDDLEWARE_ENDPOINT;
      if (live.testbed && normal(live.testbed) === a) return TESTBED_IDENTITY;
      return fixed.get(a);
    },
    serverNames: [...cluster.nodes.map((n) => n.name), MIDDLEWARE_ENDPOINT, TESTBED_IDENTITY],
  };
}

/**
 * Sets this process's TLS identity and its servers' role policy from `cluster`
 * (nothing changes for a cluster without `tls:` and `roles:`); a client also
 * sends `token` (else MIGVISOR_TOKEN) with every call.
 */
export function applySecurity(cluster: ClusterConfig, who: ProcessRole, token?: string): void {
  configureTls(tlsIdentityFor(cluster, who));
  configureAccess(accessPolicy(cluster));
  const t = token ?? (who === 'client' ? process.env[TOKEN_ENV] : undefined);
  if (t && !cluster.tls) throw new InvalidArgumentError(`a token is sent only over TLS, and ${cluster.file} has no tls: section`);
  setCallToken(t);
}
