/**
 * TLS for every gRPC channel and server of this process (README "TLS and roles"), in one
 * place: the process's identity (the cluster's CA, its certificate and key, set
 * once from the cluster file's `tls:` section by config's `applySecurity`), the
 * credentials every client and server is made with, the check that a server
 * presents the name the caller expects, and TLS failures in plain words.
 * Without an identity every channel is plaintext, as before.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { dialAddress } from './dial-routes.ts';
import { CHANNEL_OPTIONS } from './wire.ts';

/** Who this process is on the wire, and whom it expects at the other end. */
export interface TlsIdentity {
  /** PEM of the cluster's CA: the only issuer a peer's certificate may have. */
  readonly ca: Buffer;
  /** PEM of this process's certificate and its key. */
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The name of this process's certificate (its CN), for messages. */
  readonly name: string;
  /** The name the server at `address` must present (a node's name, `middleware`, `testbed`), when known. */
  readonly peerName: (address: string) => string | undefined;
  /** The names any server of the cluster may present, for an address no name is known for. */
  readonly serverNames: readonly string[];
}

let identity: TlsIdentity | undefined;
let token: string | undefined;

/** Sets (or, with undefined, clears) this process's TLS identity; channels and servers made afterwards use it. */
export function configureTls(id: TlsIdentity | undefined): void {
  identity = id;
}

/** This process's TLS identity, if TLS is on. */
export function tlsIdentity(): TlsIdentity | undefined {
  return identity;
}

/** The token (`--token`, MIGVISOR_TOKEN) sent with every call as `authorization: Bearer TOKEN`; it needs TLS. */
export function setCallToken(t: string | undefined): void {
  token = t || undefined;
}

/** The names a certificate is for: its CN and its DNS subject alternative names. */
export function certificateNames(cert: { subject?: { CN?: string | string[] }; subjectaltname?: string }): string[] {
  const cn = cert.subject?.CN;
  const names = Array.isArray(cn) ? [...cn] : cn ? [cn] : [];
  for (const part of (cert.subjectaltname ?? '').split(',')) {
    const p = part.trim();
    if (p.startsWith('DNS:')) names.push(p.slice(4));
  }
  return names;
}

/** Marks our own verdicts in grpc's transport details, so they can be told from OpenSSL's. */
const VERDICT = 'TLS verdict: ';

/** A verifier of the server's name: it must present `expected`, or (unknown) any name of `allowed`. */
function nameCheck(address: string, expected: string | undefined, allowed: readonly string[]): (host: string, cert: tls.PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    const names = certificateNames(cert);
    if (expected ? names.includes(expected) : names.some((n) => allowed.includes(n))) return undefined;
    const presented = names[0] ?? 'no name';
    return new Error(`${VERDICT}${address} presented a certificate for ${presented}, not ${expected ?? `a server of the cluster (${allowed.join(', ')})`}`);
  };
}

/** The credentials of a channel to `address` (a peer's real address, before routing): plaintext without TLS. */
export function channelCredentials(address: string): grpc.ChannelCredentials {
  if (!identity) return grpc.credentials.createInsecure();
  const ssl = grpc.credentials.createSsl(identity.ca, identity.key, identity.cert, {
    checkServerIdentity: nameCheck(address, identity.peerName(address), identity.serverNames),
  });
  if (!token) return ssl;
  const bearer = token;
  return grpc.credentials.combineChannelCredentials(
    ssl,
    grpc.credentials.createFromMetadataGenerator((_params, cb) => {
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${bearer}`);
      cb(null, md);
    }),
  );
}

/** The channel options for `address`: {@link CHANNEL_OPTIONS}, and with TLS the name sent as SNI (a name, never an IP). */
export function channelOptions(address: string): grpc.ChannelOptions {
  if (!identity) return CHANNEL_OPTIONS;
  return { ...CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': identity.peerName(address) ?? identity.serverNames[0] ?? 'migvisor' };
}

/** A generated client class (its constructor). */
type ClientClass<C> = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => C;

/** A client of `address` through this process's route to it, with this process's credentials: the one way migvisor opens a channel (`extra`: more channel options). */
export function openClient<C>(Client: ClientClass<C>, address: string, extra: grpc.ChannelOptions = {}): C {
  return new Client(dialAddress(address), channelCredentials(address), { ...channelOptions(address), ...extra });
}

/** The credentials a server binds with: with TLS, its certificate, and every client must present one the CA signed. */
export function serverCredentials(): grpc.ServerCredentials {
  if (!identity) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(identity.ca, [{ cert_chain: identity.cert, private_key: identity.key }], true);
}

/**
 * A TLS failure in grpc's transport details in plain words, or undefined when
 * the details are not about TLS. A bare "Failed to connect" (the server closed
 * the connection, as a TLS server does to a plaintext client or to a
 * certificate it refuses) says too little: {@link probeTls} asks the server.
 */
export function describeTlsFailure(details: string): string | undefined {
  const verdict = details.indexOf(VERDICT);
  if (verdict >= 0) return `wrong server name: ${details.slice(verdict + VERDICT.length).replace(/\.? Resolution note:.*$/s, '').replace(/\.$/, '')}`;
  if (/self.signed certificate|unable to verify the first certificate|unable to get local issuer certificate|certificate signature failure/i.test(details)) {
    return "the server's certificate is not signed by the cluster's CA";
  }
  if (/alert unknown ca|alert bad certificate|alert decrypt error/i.test(details)) return "the server refused this client's certificate: not signed by the cluster's CA";
  if (/alert certificate required/i.test(details)) return 'the server requires a client certificate';
  if (/certificate has expired/i.test(details)) return "the server's certificate has expired";
  if (/wrong version number|packet length too long|http request/i.test(details)) return 'the server speaks plaintext and this client TLS (tls: in the cluster file, not in the server\'s?)';
  return undefined;
}

/**
 * Asks the server at `address` (host:port) what it makes of this client's TLS,
 * for a call that failed with "Failed to connect": a handshake with our
 * identity shows the alert the server sends (unknown CA...), one without shows
 * whether it serves TLS at all. Undefined when the probe learns nothing.
 */
export async function probeTls(address: string, ms = 1500): Promise<string | undefined> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port <= 0) return undefined;
  const id = identity;
  return new Promise<string | undefined>((resolve) => {
    let settled = false;
    const done = (v: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), ms);
    const socket = tls.connect({
      host,
      port,
      servername: net.isIP(host) ? undefined : host,
      ALPNProtocols: ['h2'],
      ...(id ? { ca: id.ca, cert: id.cert, key: id.key } : {}),
      rejectUnauthorized: false,
    });
    socket.on('secureConnect', () => {
      // Without an identity, a finished handshake is the answer; with one, the server's verdict comes as an alert or a close.
      if (!id) done('the server requires TLS and this client speaks plaintext (no tls: section in the cluster file)');
      else socket.once('close', () => done("the server refused this client's certificate: not signed by the cluster's CA"));
    });
    socket.on('error', (e: Error) => done(id ? describeTlsFailure(e.message) : undefined));
  });
}
