import { expect } from 'chai';
import type { PartitionDef, ProviderDef, RegionDef } from '../../src/config/model.ts';
import { canonicalSettings, diffSettings, fingerprintOf } from '../../src/partition/index.ts';

function region(name: string, vaddr: number, paddr: number, size: number, rights: string): RegionDef {
  return {
    name,
    vaddr,
    paddr,
    size,
    rights: { r: rights.includes('r'), w: rights.includes('w'), x: rights.includes('x') },
    rightsText: rights,
    line: 1,
  };
}

const PROVIDERS: ReadonlyMap<string, ProviderDef> = new Map<string, ProviderDef>([
  ['logs', { kind: 'file', name: 'logs', path: '/tmp/logs', line: 1 }],
  ['inbox', { kind: 'gate', name: 'inbox', capacity: 16, messageSize: 64, line: 1 }],
]);

function ctrl(change: Partial<PartitionDef> = {}): PartitionDef {
  return {
    name: 'ctrl',
    migratable: true,
    slots: 2,
    stackPerTraveler: 0x4000,
    maxTravelers: 4,
    regions: [
      region('code', 0x10000, 0x100000, 0x10000, 'rx'),
      region('data', 0x100000, 0x200000, 0x40000, 'rw'),
      region('stack', 0x800000, 0x300000, 0x10000, 'rw'),
    ],
    providers: [
      { provider: 'logs', rights: 'rw', line: 1 },
      { provider: 'inbox', rights: 'r', line: 1 },
    ],
    line: 1,
    ...change,
  };
}

/** ctrl with region `name` replaced. */
function withRegion(name: string, r: (old: RegionDef) => RegionDef): PartitionDef {
  return ctrl({ regions: ctrl().regions.map((old) => (old.name === name ? r(old) : old)) });
}

const settings = (def: PartitionDef, providers = PROVIDERS) => canonicalSettings(def, providers);

describe('partition fingerprint', () => {
  it('is equal for equal definitions', () => {
    expect(fingerprintOf(settings(ctrl()))).to.equal(fingerprintOf(settings(ctrl())));
    expect(diffSettings(settings(ctrl()), settings(ctrl()))).to.equal(undefined);
  });

  it('is a SHA-256 hex digest', () => {
    expect(fingerprintOf(settings(ctrl()))).to.match(/^[0-9a-f]{64}$/);
  });

  it('ignores how a definition is written: region order, rights letter order, provider order', () => {
    const reordered = ctrl({
      regions: [...ctrl().regions].reverse().map((r) => (r.name === 'code' ? { ...r, rightsText: 'xr' } : r)),
      providers: [...ctrl().providers].reverse(),
    });
    expect(fingerprintOf(settings(reordered))).to.equal(fingerprintOf(settings(ctrl())));
  });

  it('ignores node-local placement: physical addresses and slot count', () => {
    const moved = ctrl({ slots: 1, regions: ctrl().regions.map((r) => ({ ...r, paddr: r.paddr + 0x1000000 })) });
    expect(fingerprintOf(settings(moved))).to.equal(fingerprintOf(settings(ctrl())));
  });

  const differences: [string, () => PartitionDef, RegExp, ReadonlyMap<string, ProviderDef>?][] = [
    ['region size', () => withRegion('data', (r) => ({ ...r, size: 0x80000 })), /region data size 0x40000 vs 0x80000/],
    ['region vaddr', () => withRegion('stack', (r) => ({ ...r, vaddr: 0x900000 })), /region stack vaddr 0x800000 vs 0x900000/],
    ['region rights', () => withRegion('data', (r) => ({ ...r, rightsText: 'r' })), /region data rights rw vs r/],
    ['a missing region', () => ctrl({ regions: ctrl().regions.filter((r) => r.name !== 'stack') }), /region stack is missing on the other side/],
    ['file provider rights', () => ctrl({ providers: [{ provider: 'logs', rights: 'r', line: 1 }, ctrl().providers[1]!] }), /provider logs rights rw vs r/],
    ['gate provider rights', () => ctrl({ providers: [ctrl().providers[0]!, { provider: 'inbox', rights: 'sr', line: 1 }] }), /provider inbox rights r vs sr/],
    ['a missing provider', () => ctrl({ providers: [ctrl().providers[0]!] }), /provider inbox is missing on the other side/],
    ['max_travelers', () => ctrl({ maxTravelers: 8 }), /max_travelers 4 vs 8/],
    ['stack_per_traveler', () => ctrl({ stackPerTraveler: 0x2000 }), /stack_per_traveler 0x4000 vs 0x2000/],
    [
      'gate capacity',
      () => ctrl(),
      /gate inbox capacity 16 vs 32/,
      new Map<string, ProviderDef>([...PROVIDERS, ['inbox', { kind: 'gate', name: 'inbox', capacity: 32, messageSize: 64, line: 1 }]]),
    ],
    [
      'gate message_size',
      () => ctrl(),
      /gate inbox message_size 64 vs 128/,
      new Map<string, ProviderDef>([...PROVIDERS, ['inbox', { kind: 'gate', name: 'inbox', capacity: 16, messageSize: 128, line: 1 }]]),
    ],
    [
      'provider kind',
      () => ctrl(),
      /provider inbox kind gate vs file/,
      new Map<string, ProviderDef>([...PROVIDERS, ['inbox', { kind: 'file', name: 'inbox', path: '/x', line: 1 }]]),
    ],
  ];

  for (const [what, theirs, message, providers] of differences) {
    it(`changes with ${what}, and diffSettings names it`, () => {
      const mine = settings(ctrl());
      const other = settings(theirs(), providers ?? PROVIDERS);
      expect(fingerprintOf(other)).to.not.equal(fingerprintOf(mine));
      expect(diffSettings(mine, other)).to.match(message);
    });
  }

  it('names a region that only the other side has', () => {
    const extra = ctrl({ regions: [...ctrl().regions, region('shm', 0x2000000, 0x500000, 0x1000, 'rw')] });
    expect(diffSettings(settings(ctrl()), settings(extra))).to.equal('region shm exists only on the other side');
  });
});
