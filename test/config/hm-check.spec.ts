/**
 * The checks of health-monitor tables and partition start policies: every
 * problem at once, each as FILE:LINE: message.
 */
import { expect } from 'chai';
import { parseClusterText } from '../../src/config/load.ts';

/** A cluster with `partitionHm` under partition app and `nodeHm` under node n1 (both already indented). */
function cluster(partitionHm: string, nodeHm = ''): string {
  return [
    'version: 1',
    'partitions:',
    '  app:',
    '    regions:',
    '      - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }',
    '      - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }',
    partitionHm,
    'nodes:',
    '  - name: n1',
    '    cpu: { word: 32, endian: little }',
    '    memory: 1MiB',
    '    partitions: [app]',
    '    schedule: { major_frame: 1, windows: [] }',
    nodeHm,
  ]
    .filter((l) => l !== '')
    .join('\n');
}

function check(text: string): string[] {
  return parseClusterText(text, 'c.yaml').problems.map((p) => p.message);
}

describe('health-monitor table checks', () => {
  it('accepts legal tables in a partition and a node, and reads them with their defaults', () => {
    const text = cluster(
      ['    start: manual', '    health_monitor:', '      divide-by-zero: { level: task, action: restart-task }', '      gate-overflow: { action: stop-partition, log: false }'].join('\n'),
      ['    health_monitor:', '      memory-violation: { action: cold-restart-partition }'].join('\n'),
    );
    const r = parseClusterText(text, 'c.yaml');
    expect(r.problems).to.deep.equal([]);
    const app = r.config!.partitions.get('app')!;
    expect(app.start).to.equal('manual');
    expect(app.healthMonitor!.map((x) => [x.event, x.level, x.action, x.log])).to.deep.equal([
      ['divide-by-zero', 'task', 'restart-task', true],
      ['gate-overflow', 'partition', 'stop-partition', false],
    ]);
    expect(r.config!.nodes[0]!.healthMonitor!.map((x) => [x.event, x.level, x.action])).to.deep.equal([['memory-violation', 'node', 'cold-restart-partition']]);
  });

  it('refuses an action the level may not take, at the line of the action', () => {
    const text = cluster(['    health_monitor:', '      divide-by-zero: { level: partition, action: propagate }'].join('\n'));
    expect(check(text)).to.deep.equal([
      'c.yaml:8: partition app: health_monitor divide-by-zero: action propagate is not legal at level partition (legal: ignore, stop-traveler, restart-task, stop-partition, warm-restart-partition, cold-restart-partition)',
    ]);
  });

  it('refuses restart-task and propagate at node level', () => {
    const text = cluster('', ['    health_monitor:', '      bad-opcode: { action: restart-task }', '      internal: { action: propagate }'].join('\n'));
    expect(check(text)).to.deep.equal([
      'c.yaml:14: node n1: health_monitor bad-opcode: action restart-task is not legal at level node (legal: ignore, stop-traveler, stop-partition, warm-restart-partition, cold-restart-partition)',
      'c.yaml:15: node n1: health_monitor internal: action propagate is not legal at level node (legal: ignore, stop-traveler, stop-partition, warm-restart-partition, cold-restart-partition)',
    ]);
  });

  it("refuses level node in a partition's table", () => {
    const text = cluster(['    health_monitor:', '      stack-overflow: { level: node, action: stop-partition }'].join('\n'));
    expect(check(text)).to.deep.equal([
      "c.yaml:8: partition app: health_monitor stack-overflow: level node is not for a partition's table (it may name task or partition; node-level handling goes in the node's health_monitor)",
    ]);
  });

  it('refuses ignoring an event the traveler cannot survive', () => {
    const text = cluster(['    health_monitor:', '      lost-page: { level: task, action: ignore }'].join('\n'));
    expect(check(text)).to.deep.equal(['c.yaml:8: partition app: health_monitor lost-page: lost-page cannot be ignored (the traveler cannot go on after it)']);
  });

  it('refuses an unknown event, action, level and start policy, all at once', () => {
    const text = cluster(
      ['    start: later', '    health_monitor:', '      divide-by-none: { action: ignore }', '      bad-opcode: { level: module, action: reboot }'].join('\n'),
    );
    const problems = check(text);
    expect(problems).to.include('c.yaml:7: partitions.app.start: must be auto or manual');
    expect(problems.some((p) => p.startsWith('c.yaml:9: partitions.app.health_monitor: "divide-by-none" is not one of bad-opcode, '))).to.equal(true, problems.join('\n'));
    expect(problems).to.include('c.yaml:10: partitions.app.health_monitor.bad-opcode.level: must be task, partition or node');
    expect(problems.some((p) => p.startsWith('c.yaml:10: partitions.app.health_monitor.bad-opcode.action: must be ignore, stop-traveler, '))).to.equal(true, problems.join('\n'));
  });
});
