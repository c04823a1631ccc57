/**
 * How the archive names and protects its chunks (README "Encryption at rest"):
 *
 * - plain: a chunk is the page itself, named by its SHA-256;
 * - sealed: with an archive key configured (`--key-file FILE` or
 *   `MIGVISOR_ARCHIVE_KEY`, never the cluster file), a chunk is the page under
 *   AES-256-GCM (96-bit nonce: a random per-process prefix and a counter; the
 *   chunk's address as associated data),
 *   named by an HMAC-SHA-256 of the page under a key derived from the data key.
 *   Equal pages under one data key get one address, so deduplication still works
 *   inside one key and reveals nothing across keys. The data key is random, and
 *   every manifest it sealed carries it wrapped (AES-256-GCM) by the archive key,
 *   with the archive key's id, so a middleware restarted with the same key goes on
 *   with the same data key and a middleware without it can tell what is missing.
 *
 * Every chunk read back is checked before use: authenticated decryption, then
 * its address recomputed.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hash, hkdfSync, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { Code, InvalidFileError, MigvisorError } from '../common/index.ts';
import { ContainerError } from '../migtask/index.ts';
import type { ChunkHash, Manifest, SealInfo } from './store.ts';

/** The AEAD of sealed chunks and wrapped data keys. */
export const CIPHER = 'AES-256-GCM';
/** Bytes of a sealed chunk's nonce (before the ciphertext) and tag (after it). */
export const NONCE = 12;
/** Bytes of a sealed chunk's GCM tag. */
export const TAG = 16;
const WRAP_AAD = Buffer.from('migvisor archive data key v1');

/** How chunks are named, sealed and opened. */
export interface ChunkCodec {
  /** What a manifest of chunks sealed by this codec records (undefined: plain). */
  readonly sealed: SealInfo | undefined;
  /** A page's content address. */
  address(data: Uint8Array): ChunkHash;
  /** The bytes stored for a page at `address`. */
  seal(address: ChunkHash, data: Uint8Array): Uint8Array;
  /** The page of stored bytes, checked; throws a ContainerError naming snapshot, page and chunk otherwise. */
  open(m: Manifest, page: number, address: ChunkHash, stored: Uint8Array): Uint8Array;
  /**
   * What a chunk worker (chunk-workers.ts) needs to do this codec's work for a
   * batch: its keys and, for `seals` chunks to seal, a nonce range reserved now,
   * on the calling thread, so nonces stay unique however batches are spread.
   */
  job(seals: number): ChunkJob;
}

/** A codec's work as a chunk worker does it: plain SHA-256, or sealed with these keys and nonces from `counter` on. */
export type ChunkJob =
  | { readonly mode: 'plain' }
  | { readonly mode: 'sealed'; readonly encKey: Uint8Array; readonly macKey: Uint8Array; readonly prefix: Uint8Array; readonly counter: number };

/** The checks a stored chunk can fail, by number (as chunk workers report them; 0: none), in the words of the error. */
export const OPEN_FAILURES = ['', 'SHA-256 check', `${CIPHER} authentication (it is too short)`, `${CIPHER} authentication`, 'keyed address check'] as const;

/** The error of a stored chunk that fails a check: names snapshot, page and chunk. */
export function corrupted(m: Manifest, page: number, address: string, what: string): ContainerError {
  return new ContainerError(`snapshot ${m.id} is corrupted: page ${page} (chunk ${address.slice(0, 16)}) fails its ${what}`);
}

/** Chunks as pages, named by SHA-256. */
export const PLAIN_CODEC: ChunkCodec = {
  sealed: undefined,
  address: (data) => hash('sha256', data, 'hex'),
  seal: (_, data) => data,
  open: (m, page, address, stored) => {
    if (hash('sha256', stored, 'hex') !== address) throw corrupted(m, page, address, OPEN_FAILURES[1]);
    return stored;
  },
  job: () => ({ mode: 'plain' }),
};

/** Chunks sealed under one data key (see the file header). */
class SealedCodec implements ChunkCodec {
  // Key objects, not buffers: node:crypto then prepares each key once, not on every page (halves HMAC and GCM per 4 KiB page).
  private readonly encKey: KeyObject;
  private readonly macKey: KeyObject;
  /** The same keys as bytes, for chunk workers (a KeyObject costs more to post than the 32 bytes). */
  private readonly rawKeys: { enc: Buffer; mac: Buffer };

  constructor(
    dataKey: Buffer,
    readonly sealed: SealInfo,
  ) {
    const enc = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'migvisor chunk encryption', 32));
    const mac = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'migvisor chunk address', 32));
    this.encKey = createSecretKey(enc);
    this.macKey = createSecretKey(mac);
    this.rawKeys = { enc, mac };
  }

  address(data: Uint8Array): ChunkHash {
    return createHmac('sha256', this.macKey).update(data).digest('hex');
  }

  /**
   * Nonces: 8 random bytes drawn when this codec is made (each process anew), then
   * a 32-bit counter, so no two seals under one data key share a nonce unless two
   * processes draw the same 64-bit prefix; a fresh prefix is drawn before the
   * counter wraps.
   */
  private prefix = randomBytes(8);
  private counter = 0;

  /** Reserves `n` consecutive counter values under one prefix (a fresh prefix when they would reach 0xffffffff). */
  private reserve(n: number): { prefix: Buffer; counter: number } {
    if (this.counter + n > 0xffffffff) {
      this.prefix = randomBytes(8);
      this.counter = 0;
    }
    const r = { prefix: this.prefix, counter: this.counter };
    this.counter += n;
    return r;
  }

  /** Writes the next nonce into `n` (NONCE bytes). */
  private nonce(n: Buffer): Buffer {
    const { prefix, counter } = this.reserve(1);
    prefix.copy(n, 0);
    n.writeUInt32BE(counter, 8);
    return n;
  }

  job(seals: number): ChunkJob {
    const { prefix, counter } = this.reserve(seals);
    return { mode: 'sealed', encKey: this.rawKeys.enc, macKey: this.rawKeys.mac, prefix: new Uint8Array(prefix), counter };
  }

  seal(address: ChunkHash, data: Uint8Array): Uint8Array {
    const out = Buffer.allocUnsafe(NONCE + data.length + TAG);
    const nonce = this.nonce(out.subarray(0, NONCE));
    const c = createCipheriv('aes-256-gcm', this.encKey, nonce).setAAD(Buffer.from(address, 'latin1'));
    out.set(c.update(data), NONCE);
    c.final();
    out.set(c.getAuthTag(), NONCE + data.length);
    return out;
  }

  open(m: Manifest, page: number, address: ChunkHash, stored: Uint8Array): Uint8Array {
    if (stored.length < NONCE + TAG) throw corrupted(m, page, address, OPEN_FAILURES[2]);
    const b = Buffer.from(stored.buffer, stored.byteOffset, stored.length);
    let data: Buffer;
    try {
      const d = createDecipheriv('aes-256-gcm', this.encKey, b.subarray(0, NONCE)).setAAD(Buffer.from(address, 'latin1'));
      d.setAuthTag(b.subarray(b.length - TAG));
      data = Buffer.concat([d.update(b.subarray(NONCE, b.length - TAG)), d.final()]);
    } catch {
      throw corrupted(m, page, address, OPEN_FAILURES[3]);
    }
    const again = Buffer.from(this.address(data), 'hex');
    if (!timingSafeEqual(again, Buffer.from(address, 'hex'))) throw corrupted(m, page, address, OPEN_FAILURES[4]);
    return data;
  }
}

/** Parses an archive key: 32 bytes as 64 hex digits or base64 (surrounding white space ignored). */
export function parseArchiveKey(text: string, where: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    if (b.length === 32) return b;
  }
  throw new InvalidFileError(`${where}: an archive key is 32 bytes written as 64 hex digits or base64 (e.g. openssl rand -hex 32)`);
}

/**
 * The archive key the middleware runs with: `--key-file FILE`, else the
 * environment variable MIGVISOR_ARCHIVE_KEY, else none (chunks stay plain).
 */
export function loadArchiveKey(keyFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  if (keyFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(keyFile, 'utf8');
    } catch (e: unknown) {
      throw new InvalidFileError(`${keyFile}: cannot read the archive key (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    return parseArchiveKey(text, keyFile);
  }
  const v = env['MIGVISOR_ARCHIVE_KEY'];
  return v ? parseArchiveKey(v, 'MIGVISOR_ARCHIVE_KEY') : undefined;
}

/** An archive key's public id (never the key): 16 hex digits. */
export function keyId(key: Buffer): string {
  return createHmac('sha256', key).update('migvisor archive key id').digest('hex').slice(0, 16);
}

function wrap(key: Buffer, dataKey: Buffer): string {
  const nonce = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', key, nonce).setAAD(WRAP_AAD);
  const body = Buffer.concat([c.update(dataKey), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64');
}

function unwrap(key: Buffer, wrapped: string): Buffer | undefined {
  const b = Buffer.from(wrapped, 'base64');
  if (b.length !== NONCE + 32 + TAG) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, NONCE)).setAAD(WRAP_AAD);
    d.setAuthTag(b.subarray(NONCE + 32));
    return Buffer.concat([d.update(b.subarray(NONCE, NONCE + 32)), d.final()]);
  } catch {
    return undefined;
  }
}

/**
 * The middleware's keys: the codec new parks use, and the codec of any stored
 * snapshot, or a refusal naming why it cannot be opened (no key, another key).
 */
export class ArchiveKeys {
  private readonly codecs = new Map<string, ChunkCodec>();
  private current: ChunkCodec = PLAIN_CODEC;
  /** The archive key's id ('' without a key). */
  readonly id: string;

  constructor(private readonly key: Buffer | undefined) {
    this.id = key ? keyId(key) : '';
  }

  /** Whether parks are sealed. */
  get sealing(): boolean {
    return this.key !== undefined;
  }

  /**
   * Picks the data key for new parks: the one of the newest snapshot sealed under
   * this archive key (so dedup spans restarts), else a new random one.
   */
  init(manifests: readonly Manifest[]): void {
    if (!this.key) return;
    const newest = [...manifests].filter((m) => m.sealed?.keyId === this.id).sort((a, b) => b.createdUnixMs - a.createdUnixMs);
    for (const m of newest) {
      const c = this.tryCodec(m.sealed!);
      if (c) {
        this.current = c;
        return;
      }
    }
    const dataKey = randomBytes(32);
    const info: SealInfo = { cipher: CIPHER, keyId: this.id, wrappedKey: wrap(this.key, dataKey) };
    this.current = new SealedCodec(dataKey, info);
    this.codecs.set(info.wrappedKey, this.current);
  }

  /** The codec of new parks. */
  get forParks(): ChunkCodec {
    return this.current;
  }

  private tryCodec(s: SealInfo): ChunkCodec | undefined {
    const known = this.codecs.get(s.wrappedKey);
    if (known) return known;
    if (!this.key || s.cipher !== CIPHER) return undefined;
    const dataKey = unwrap(this.key, s.wrappedKey);
    if (!dataKey) return undefined;
    const c = new SealedCodec(dataKey, s);
    this.codecs.set(s.wrappedKey, c);
    return c;
  }

  /** The codec that opens snapshot `m`'s chunks; refuses (FAILED_PRECONDITION / PERMISSION_DENIED) when this middleware cannot. */
  codecOf(m: Manifest): ChunkCodec {
    const s = m.sealed;
    if (!s) return PLAIN_CODEC;
    if (!this.key) {
      throw new MigvisorError(
        `snapshot ${m.id} is sealed (${s.cipher}, archive key ${s.keyId}) and this middleware has no archive key: start it with --key-file FILE or MIGVISOR_ARCHIVE_KEY`,
        Code.FAILED_PRECONDITION,
      );
    }
    if (s.cipher !== CIPHER) throw new MigvisorError(`snapshot ${m.id} is sealed with ${s.cipher}, which this build cannot open`, Code.FAILED_PRECONDITION);
    if (s.keyId !== this.id) {
      throw new MigvisorError(`snapshot ${m.id} is sealed under archive key ${s.keyId}, this middleware holds key ${this.id}: wrong archive key`, Code.PERMISSION_DENIED);
    }
    const c = this.tryCodec(s);
    if (!c) throw new MigvisorError(`snapshot ${m.id}: its data key does not unwrap under archive key ${this.id} (wrong key or a damaged manifest)`, Code.PERMISSION_DENIED);
    return c;
  }
}
