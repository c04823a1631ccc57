/**
 * A snapshot's packed page list (src/middleware/page-list.ts): stored as runs of
 * page numbers and 32-byte addresses (base64), read back entry for entry; the old
 * form (a JSON array of [page, hash]) still read; a damaged or unknown form
 * refused with one line naming the snapshot.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { Code } from '../../src/common/errors.ts';
import { manifestFromStored, PageList, type PackedPageList } from '../../src/middleware/index.ts';
import { testManifest } from '../support/middleware-harness.ts';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function refusal(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (e: unknown) {
    return e as { code: number; message: string };
  }
  throw new Error('expected a refusal');
}

describe('PageList', () => {
  // Pages 0-2, 5, 7-8, 100000: four runs.
  const entries = [0, 1, 2, 5, 7, 8, 100_000].map((p) => [p, sha(`page ${p}`)] as const);

  it('stores runs of page numbers and the addresses packed, and reads back every entry', () => {
    const list = PageList.fromEntries([...entries].reverse());
    const packed = JSON.parse(JSON.stringify(list)) as PackedPageList & { hashes: string };
    expect(packed).to.include({ encoding: 'runs+sha256', count: 7 });
    expect(Buffer.from(packed.runs, 'base64').length, 'four runs of (start, count)').to.equal(4 * 8);
    expect(Buffer.from(packed.hashes, 'base64').length).to.equal(7 * 32);
    const back = PageList.fromStored(packed, 'snapshot s');
    expect([...back]).to.deep.equal(entries);
    expect(back.length).to.equal(7);
    expect([back.indexOf(5), back.indexOf(6), back.indexOf(100_000)]).to.deep.equal([3, -1, 6]);
    expect(back.hashOf(8)).to.equal(entries[5]![1]);
    expect(back.hashOf(9)).to.equal(undefined);
    expect(back.slice(2, 4)).to.deep.equal(entries.slice(2, 4));
    expect([...back.batches(3)].map((b) => b.length)).to.deep.equal([3, 3, 1]);
    expect([...PageList.join([back.sublist(0, 3), back.sublist(3, 7)])]).to.deep.equal(entries);
  });

  it('keeps addresses that are not SHA-256 hex as names', () => {
    const upper = PageList.fromEntries([
      [0, sha('x')],
      [1, 'AB'.repeat(32)],
    ]);
    expect(JSON.parse(JSON.stringify(upper))).to.include({ encoding: 'runs+names' });
    expect(upper.hash(1), 'given back as written').to.equal('AB'.repeat(32));
    const list = PageList.fromEntries([
      [0, 'code'],
      [1, 'a-old'],
    ]);
    const packed = JSON.parse(JSON.stringify(list)) as PackedPageList;
    expect(packed).to.deep.include({ encoding: 'runs+names', count: 2, names: ['code', 'a-old'] });
    expect([...PageList.fromStored(packed, 'snapshot s')]).to.deep.equal([
      [0, 'code'],
      [1, 'a-old'],
    ]);
  });

  it('reads the old form, a JSON array of [page, hash] entries, into the same list', () => {
    const old = JSON.parse(JSON.stringify(entries)) as unknown;
    expect([...PageList.fromStored(old, 'snapshot s')]).to.deep.equal(entries);
    const m = manifestFromStored({ ...testManifest('snap-old', []), pages: old }, 'snapshot snap-old');
    expect(m.pages.length).to.equal(7);
    expect(JSON.parse(JSON.stringify(m)).pages, 'written back packed').to.include({ encoding: 'runs+sha256', count: 7 });
  });

  it('refuses a damaged page list (DATA_LOSS) and a form it does not know (FAILED_PRECONDITION), naming the snapshot', () => {
    const packed = JSON.parse(JSON.stringify(PageList.fromEntries(entries))) as PackedPageList & { hashes: string };
    const short = refusal(() => PageList.fromStored({ ...packed, hashes: packed.hashes.slice(0, 40) }, 'snapshot snap-x'));
    expect(short.code).to.equal(Code.DATA_LOSS);
    expect(short.message).to.match(/^snapshot snap-x: its page list is damaged \(\d+ bytes of hashes for 7 pages\)$/);
    expect(refusal(() => PageList.fromStored({ ...packed, count: 8 }, 'snapshot snap-x')).code).to.equal(Code.DATA_LOSS);
    expect(refusal(() => PageList.fromStored([[1, 'a'], [1, 'b']], 'snapshot snap-x')).message).to.equal('snapshot snap-x: its page list is damaged (page list: page 1 is listed twice)');
    const unknown = refusal(() => PageList.fromStored({ encoding: 'zstd-v9', count: 1 }, 'snapshot snap-y'));
    expect(unknown.code).to.equal(Code.FAILED_PRECONDITION);
    expect(unknown.message).to.equal('snapshot snap-y: its page list is stored as "zstd-v9", which this middleware cannot read');
  });
});
