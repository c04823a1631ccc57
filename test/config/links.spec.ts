/**
 * The `links:` section of a cluster file and the units it is written in:
 * bandwidths (bits decimal, bytes binary), durations and loss probabilities,
 * each bad value reported at its line.
 */
import { expect } from 'chai';
import { parseClusterText } from '../../src/config/load.ts';
import { formatBandwidth, formatDuration, parseBandwidth, parseDuration, parseFraction } from '../../src/config/units.ts';

const HEAD = [
  'version: 1',
  'nodes:',
  '  - { name: a, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 10, windows: [] } }',
  '  - { name: b, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 10, windows: [] } }',
  'middleware: { listen: 127.0.0.1:0 }',
  'links:',
];

function check(...links: string[]): { problems: string[]; links: unknown[] } {
  const r = parseClusterText([...HEAD, ...links].join('\n'), 'c.yaml');
  return { problems: r.problems.map((p) => p.message), links: (r.config?.links ?? []).map(({ line: _line, ...l }) => l) };
}

describe('cluster links', () => {
  it('reads a profile in the units networks are written in', () => {
    const r = check('  - { between: [a, b], bandwidth: 10Mbit, latency: 5ms, jitter: 1ms, loss: 0.5%, loss_mode: drop }', '  - { between: [a, middleware], bandwidth: 2MiB/s }');
    expect(r.problems).to.deep.equal([]);
    expect(r.links).to.deep.equal([
      { between: ['a', 'b'], bandwidth: 1_250_000, latencyMs: 5, jitterMs: 1, loss: 0.005, lossMode: 'drop' },
      { between: ['a', 'middleware'], bandwidth: 2 * 1024 * 1024, latencyMs: 0, jitterMs: 0, loss: 0, lossMode: 'stall' },
    ]);
  });

  it('names the line of an unknown endpoint, a self link, a pair described twice and jitter beyond latency', () => {
    const r = check(
      '  - { between: [a, nowhere] }',
      '  - { between: [b, b] }',
      '  - { between: [a, b], latency: 1ms, jitter: 2ms }',
      '  - { between: [b, a] }',
    );
    expect(r.problems).to.deep.equal([
      'c.yaml:7: link names unknown endpoint "nowhere" (endpoints: a, b, middleware)',
      'c.yaml:8: link joins b to itself',
      'c.yaml:9: link between a and b: jitter (2 ms) must not exceed latency (1 ms)',
      'c.yaml:10: link between b and a is described twice (first at line 9)',
    ]);
  });

  it('refuses malformed values with what would be right', () => {
    const r = check('  - { between: [a, b], bandwidth: fast, latency: soon, loss: 200% }', '  - { between: [a], speed: 1 }');
    expect(r.problems).to.deep.equal([
      'c.yaml:7: links[0].bandwidth: must be a bandwidth such as 64kbit, 10Mbit, 1Gbit or 2MiB/s',
      'c.yaml:7: links[0].latency: must be a duration: a number of milliseconds, or a string such as 250us, 5ms, 1.5s, 2m',
      'c.yaml:8: links[1].between: must have at least 2 items',
      'c.yaml:8: links[1]: unknown property "speed"',
    ]);
  });

  it('refuses values the units admit but a link cannot have', () => {
    const r = check('  - { between: [a, b], bandwidth: 0Mbit, loss: 200% }');
    expect(r.problems).to.deep.equal(['c.yaml:7: links[0].bandwidth: must be more than 0', 'c.yaml:7: links[0].loss: must be at most 100%']);
  });

  it('parses and prints bandwidths, durations and fractions', () => {
    expect(parseBandwidth('100Mbit')).to.equal(12_500_000);
    expect(parseBandwidth('1Gbit')).to.equal(125_000_000);
    expect(parseBandwidth('64kbit')).to.equal(8000);
    expect(parseBandwidth('10Mbps')).to.equal(1_250_000);
    expect(parseBandwidth('1.5MiB/s')).to.equal(1.5 * 1024 * 1024);
    expect(parseBandwidth('0Mbit')).to.equal(undefined);
    expect(parseBandwidth('10 furlongs')).to.equal(undefined);
    expect(formatBandwidth(12_500_000)).to.equal('100Mbit');
    expect(formatBandwidth(125_000_000)).to.equal('1Gbit');
    expect(parseDuration('250us')).to.equal(0.25);
    expect(parseDuration('1.5s')).to.equal(1500);
    expect(parseDuration(7)).to.equal(7);
    expect(parseDuration('-1ms')).to.equal(undefined);
    expect(formatDuration(0.25)).to.equal('250us');
    expect(formatDuration(5)).to.equal('5ms');
    expect(formatDuration(1500)).to.equal('1.5s');
    expect(parseFraction('0.5%')).to.equal(0.005);
    expect(parseFraction(0.2)).to.equal(0.2);
    expect(parseFraction(2)).to.equal(undefined);
  });
});
