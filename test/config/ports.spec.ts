/**
 * The checks of sampling ports (README, "Sampling ports"): how a port is
 * configured (kind sampling, message_size, refresh, grants s and r) and each
 * rule `config check` enforces, with its line.
 */
import { expect } from 'chai';
import { parseClusterText } from '../../src/config/load.ts';

/** A cluster with the sampling port `speed` and partitions granted `grants` (YAML flow mappings by partition). */
function cluster(port: string, grants: Record<string, string>): string {
  const partitions = Object.entries(grants)
    .map(
      ([name, g], i) => `  ${name}:
    regions:
      - { name: code,  vaddr: 0x10000, paddr: ${0x10000 + i * 0x20000}, size: 4KiB, rights: rx }
      - { name: stack, vaddr: 0x20000, paddr: ${0x18000 + i * 0x20000}, size: 16KiB, rights: rw }
    providers: ${g}`,
    )
    .join('\n');
  return `version: 1
providers:
  speed: ${port}
partitions:
${partitions}
nodes:
  - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [${Object.keys(grants).join(', ')}], schedule: { major_frame: 1, windows: [] } }
`;
}

function problems(text: string): string[] {
  return parseClusterText(text, 'c.yaml', { fileExists: () => true }).problems.map((p) => p.message);
}

const PORT = '{ kind: sampling, message_size: 8, refresh: 20 }';

describe('sampling port checks', () => {
  it('loads a port with one source and two destinations', () => {
    const text = cluster(PORT, { sensor: '{ speed: s }', ctrl: '{ speed: r }', log: '{ speed: r }' });
    const { problems: found, config } = parseClusterText(text, 'c.yaml', { fileExists: () => true });
    expect(found).to.deep.equal([]);
    expect(config?.providers.get('speed')).to.include({ kind: 'sampling', messageSize: 8, refresh: 20, line: 3 });
  });

  it('refuses a port without refresh, or with a refresh of 0', () => {
    expect(problems(cluster('{ kind: sampling, message_size: 8 }', { sensor: '{ speed: s }' }))).to.deep.equal([
      'c.yaml:3: providers.speed: missing required property "refresh"',
    ]);
    expect(problems(cluster('{ kind: sampling, message_size: 8, refresh: 0 }', { sensor: '{ speed: s }' }))).to.deep.equal([
      'c.yaml:3: providers.speed.refresh: must be at least 1',
    ]);
  });

  it('refuses a message size no system call can pass', () => {
    expect(problems(cluster('{ kind: sampling, message_size: 128KiB, refresh: 5 }', { sensor: '{ speed: s }' }))).to.deep.equal([
      'c.yaml:3: sampling port speed: message_size 131072 exceeds the 65536 bytes a system call passes',
    ]);
  });

  it('refuses rights that give no direction', () => {
    expect(problems(cluster(PORT, { sensor: '{ speed: s }', ctrl: '{ speed: sr }' }))).to.deep.equal([
      'c.yaml:14: partition ctrl: sampling port speed: rights "sr" give no direction; a partition is the port\'s source (s) or a destination (r), not both',
    ]);
  });

  it('refuses unknown rights, naming the rights of a port', () => {
    expect(problems(cluster(PORT, { sensor: '{ speed: s }', ctrl: '{ speed: w }' }))).to.deep.equal([
      'c.yaml:14: partition ctrl: sampling port speed: unknown right "w" in "w" (allowed: s (source), r (destination))',
    ]);
  });

  it('refuses a second source', () => {
    expect(problems(cluster(PORT, { sensor: '{ speed: s }', backup: '{ speed: s }', ctrl: '{ speed: r }' }))).to.deep.equal([
      'c.yaml:14: sampling port speed can have one source, but partitions sensor (line 9) and backup both hold s',
    ]);
  });

  it('refuses destinations without a source', () => {
    expect(problems(cluster(PORT, { ctrl: '{ speed: r }' }))).to.deep.equal([
      'c.yaml:3: sampling port speed has destinations but no source (grant one partition s)',
    ]);
  });

  it('refuses a grant of a port that is not defined', () => {
    expect(problems(cluster(PORT, { sensor: '{ speed: s }', ctrl: '{ sped: r }' }))).to.deep.equal([
      'c.yaml:14: partition ctrl is granted unknown provider "sped"',
    ]);
  });

  it('reports every port problem at once', () => {
    const text = cluster('{ kind: sampling, message_size: 100KiB, refresh: 5 }', { a: '{ speed: s }', b: '{ speed: s }', c: '{ speed: sr }' });
    expect(problems(text)).to.have.members([
      'c.yaml:3: sampling port speed: message_size 102400 exceeds the 65536 bytes a system call passes',
      'c.yaml:14: sampling port speed can have one source, but partitions a (line 9) and b both hold s',
      'c.yaml:19: partition c: sampling port speed: rights "sr" give no direction; a partition is the port\'s source (s) or a destination (r), not both',
    ]);
  });
});
