/**
 * The `migration:` section of a cluster file (README, "Migration control": many
 * at once): the concurrency limits, their defaults (KubeVirt's: 2 outbound per
 * node, 5 in the cluster), and each bad value reported at its line.
 */
import { expect } from 'chai';
import { parseClusterText } from '../../src/config/load.ts';

const HEAD = ['version: 1', 'nodes:', '  - { name: a, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 10, windows: [] } }'];

function check(...lines: string[]): { problems: string[]; limits: unknown } {
  const r = parseClusterText([...HEAD, ...lines].join('\n'), 'c.yaml');
  const m = r.config?.migration;
  return { problems: r.problems.map((p) => p.message), limits: m ? { maxOutbound: m.maxOutbound, maxCluster: m.maxCluster } : undefined };
}

describe('cluster migration limits', () => {
  it('defaults to 2 outbound migrations per node and 5 in the cluster', () => {
    expect(check()).to.deep.equal({ problems: [], limits: { maxOutbound: 2, maxCluster: 5 } });
  });

  it('reads the limits, 0 meaning unlimited', () => {
    expect(check('migration: { max_outbound: 3, max_cluster: 10 }')).to.deep.equal({ problems: [], limits: { maxOutbound: 3, maxCluster: 10 } });
    expect(check('migration: { max_outbound: 0, max_cluster: 0 }')).to.deep.equal({ problems: [], limits: { maxOutbound: 0, maxCluster: 0 } });
    expect(check('migration: { max_cluster: 7 }').limits).to.deep.equal({ maxOutbound: 2, maxCluster: 7 });
  });

  it('names the line of a value that is not a count, and of an unknown key', () => {
    expect(check('migration:', '  max_outbound: -1', '  max_cluster: lots', '  max_inbound: 2').problems).to.deep.equal([
      'c.yaml:5: migration.max_outbound: must be at least 0',
      'c.yaml:6: migration.max_cluster: must be an integer',
      'c.yaml:7: migration: unknown property "max_inbound"',
    ]);
  });

  it('refuses a node limit above the cluster limit, at the line of max_outbound', () => {
    expect(check('migration:', '  max_cluster: 3', '  max_outbound: 4').problems).to.deep.equal([
      'c.yaml:6: migration.max_outbound 4 exceeds migration.max_cluster 3: one node may not have more migrations in flight than the cluster',
    ]);
    expect(check('migration: { max_outbound: 0, max_cluster: 3 }').problems).to.deep.equal([
      'c.yaml:4: migration.max_outbound unlimited (0) exceeds migration.max_cluster 3: one node may not have more migrations in flight than the cluster',
    ]);
  });
});
