/**
 * Encryption at rest, in process (archive-codec.ts): sealed chunks hide their
 * page, open only under their data key and fail on any changed byte; keyed
 * addresses keep dedup inside one key and differ across keys; a middleware
 * restarted with the same archive key goes on with the same data key; a
 * snapshot sealed under another key, or with no key at hand, is refused with
 * the code and the words a user needs; keys are parsed from hex or base64.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { Code, MigvisorError } from '../../src/common/errors.ts';
import { ArchiveKeys, loadArchiveKey, parseArchiveKey, PLAIN_CODEC } from '../../src/middleware/index.ts';
import type { Manifest } from '../../src/middleware/index.ts';
import { tempDir } from '../support/processes.ts';
import { testManifest } from '../support/middleware-harness.ts';

const page = (seed: number): Uint8Array => Buffer.alloc(4096, `page ${seed} of the counter `);

function refusal(f: () => unknown): MigvisorError {
  try {
    f();
  } catch (e: unknown) {
    if (e instanceof MigvisorError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('Archive encryption at rest (chunk codec and keys)', () => {
  const key = randomBytes(32);
  const other = randomBytes(32);

  /** A manifest sealed by the codec `keys` parks with. */
  const sealedManifest = (keys: ArchiveKeys, id = 'snap-s'): Manifest => ({ ...testManifest(id, [], 1), sealed: keys.forParks.sealed! });

  it('seals a page with AES-256-GCM under a keyed address: the bytes hide the page and open back to it', () => {
    const keys = new ArchiveKeys(key);
    keys.init([]);
    const c = keys.forParks;
    const p = page(1);
    const addr = c.address(p);
    const stored = c.seal(addr, p);
    expect(addr).to.match(/^[0-9a-f]{64}$/).and.not.equal(PLAIN_CODEC.address(p));
    expect(stored.length).to.equal(p.length + 28);
    expect(Buffer.from(stored).includes(Buffer.from('of the counter'))).to.equal(false);
    expect(Buffer.from(c.open(sealedManifest(keys), 0, addr, stored)).equals(p)).to.equal(true);
    expect(c.sealed).to.include({ cipher: 'AES-256-GCM', keyId: keys.id });
    expect(c.sealed!.wrappedKey).to.not.include(key.toString('base64'));
  });

  it('gives equal pages one address under one data key (dedup), other addresses under another key', () => {
    const a = new ArchiveKeys(key);
    a.init([]);
    const b = new ArchiveKeys(other);
    b.init([]);
    expect(a.forParks.address(page(2))).to.equal(a.forParks.address(page(2)));
    expect(a.forParks.address(page(2))).to.not.equal(a.forParks.address(page(3)));
    expect(a.forParks.address(page(2))).to.not.equal(b.forParks.address(page(2)));
    // Two seals of one page differ (fresh nonces) but are the same chunk by address.
    const addr = a.forParks.address(page(2));
    expect(Buffer.from(a.forParks.seal(addr, page(2))).equals(Buffer.from(a.forParks.seal(addr, page(2))))).to.equal(false);
  });

  it('goes on with the data key of the newest snapshot sealed under the same archive key after a restart', () => {
    const first = new ArchiveKeys(key);
    first.init([]);
    const m = sealedManifest(first);
    const again = new ArchiveKeys(key);
    again.init([m]);
    expect(again.forParks.sealed).to.deep.equal(m.sealed);
    expect(again.forParks.address(page(4))).to.equal(first.forParks.address(page(4)));
    const addr = first.forParks.address(page(4));
    expect(Buffer.from(again.codecOf(m).open(m, 0, addr, first.forParks.seal(addr, page(4)))).equals(page(4))).to.equal(true);
  });

  it('fails a sealed chunk with any byte changed, or stored under another address, naming snapshot, page and chunk', () => {
    const keys = new ArchiveKeys(key);
    keys.init([]);
    const c = keys.forParks;
    const m = sealedManifest(keys, 'snap-t');
    const addr = c.address(page(5));
    const stored = Buffer.from(c.seal(addr, page(5)));
    stored[100] = stored[100]! ^ 1;
    expect(() => c.open(m, 7, addr, stored)).to.throw(/^snapshot snap-t is corrupted: page 7 \(chunk [0-9a-f]{16}\) fails its AES-256-GCM authentication$/);
    const good = c.seal(addr, page(5));
    expect(() => c.open(m, 7, c.address(page(6)), good)).to.throw(/fails its AES-256-GCM authentication/);
  });

  it('refuses a sealed snapshot without a key (FAILED_PRECONDITION) and under another key (PERMISSION_DENIED)', () => {
    const keys = new ArchiveKeys(key);
    keys.init([]);
    const m = sealedManifest(keys, 'snap-k');
    const none = refusal(() => new ArchiveKeys(undefined).codecOf(m));
    expect(none.code).to.equal(Code.FAILED_PRECONDITION);
    expect(none.message).to.equal(
      `snapshot snap-k is sealed (AES-256-GCM, archive key ${keys.id}) and this middleware has no archive key: start it with --key-file FILE or MIGVISOR_ARCHIVE_KEY`,
    );
    const wrong = new ArchiveKeys(other);
    const w = refusal(() => wrong.codecOf(m));
    expect(w.code).to.equal(Code.PERMISSION_DENIED);
    expect(w.message).to.equal(`snapshot snap-k is sealed under archive key ${keys.id}, this middleware holds key ${wrong.id}: wrong archive key`);
    // A plain snapshot opens with or without a key.
    expect(new ArchiveKeys(other).codecOf(testManifest('snap-p', [], 1))).to.equal(PLAIN_CODEC);
  });

  it('reads a key from a file or the environment, as hex or base64, and names a bad one', () => {
    const dir = tempDir('migvisor-key-');
    const hexFile = path.join(dir, 'hex');
    fs.writeFileSync(hexFile, `${key.toString('hex')}\n`);
    expect(loadArchiveKey(hexFile, {})!.equals(key)).to.equal(true);
    expect(loadArchiveKey(undefined, { MIGVISOR_ARCHIVE_KEY: key.toString('base64') })!.equals(key)).to.equal(true);
    expect(loadArchiveKey(undefined, {})).to.equal(undefined);
    const bad = path.join(dir, 'bad');
    fs.writeFileSync(bad, 'secret\n');
    expect(() => loadArchiveKey(bad, {})).to.throw(`${bad}: an archive key is 32 bytes written as 64 hex digits or base64 (e.g. openssl rand -hex 32)`);
    expect(() => loadArchiveKey(path.join(dir, 'none'), {})).to.throw(/none: cannot read the archive key \(ENOENT\)$/);
    expect(() => parseArchiveKey('ab'.repeat(31), 'MIGVISOR_ARCHIVE_KEY')).to.throw(/^MIGVISOR_ARCHIVE_KEY: an archive key is 32 bytes/);
  });
});
