// Limits of a cluster file (issue "Hostile input", class 7): values a node could
// not boot with are refused by the checker at their line, and thousands of
// problems are each tied to their own line.
import { expect } from 'chai';
import { parseClusterText } from '../../src/config/load.ts';
import { testClusterYaml } from '../support/node-harness.ts';

const BASE = testClusterYaml();
const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

/** The problems of the test cluster with `from` replaced by `to` (the first occurrence). */
function problems(from: string, to: string): { text: string; messages: string[] } {
  expect(BASE.includes(from), from).to.equal(true);
  const text = BASE.replace(from, to);
  return { text, messages: parseClusterText(text, 'c.yaml').problems.map((p) => p.message) };
}

describe('cluster file limits', () => {
  it('the test cluster is valid as it is', () => {
    expect(parseClusterText(BASE, 'c.yaml').problems.map((p) => p.message)).to.deep.equal([]);
  });

  it('major_frame: 9007199254740991 (an array that cannot be allocated)', () => {
    const { text, messages } = problems('major_frame: 10', 'major_frame: 9007199254740991');
    expect(messages).to.include(`c.yaml:${lineOf(text, 'major_frame: 9007')}: nodes[0].schedule.major_frame: must be at most 1000000`);
  });

  it('memory: 1000GiB (a typed array that cannot be allocated)', () => {
    const { text, messages } = problems('memory: 1MiB', 'memory: 1000GiB');
    expect(messages).to.deep.equal([`c.yaml:${lineOf(text, 'memory: 1000GiB')}: node field-a: memory 1000GiB exceeds the limit of 1GiB per node`]);
  });

  it('page size, gate message size, slots, travelers, tick length, instruction budget, names', () => {
    const at = (from: string, to: string, message: string): void => {
      const { text, messages } = problems(from, to);
      expect(messages).to.include(`c.yaml:${lineOf(text, to)}: ${message}`);
    };
    at('page_size: 4KiB, instructions_per_tick: 200 }\n    memory: 1MiB\n    tick_us: 1000\n    partitions: [ctrl, sensor]', 'page_size: 1MiB, instructions_per_tick: 200 }\n    memory: 1MiB\n    tick_us: 1000\n    partitions: [ctrl, sensor]', 'node field-a: page_size 1MiB exceeds the limit of 64KiB');
    at('message_size: 16', 'message_size: 1MiB', 'gate inbox: message_size 1MiB exceeds the limit of 64KiB');
    at('slots: 2', 'slots: 100000', 'partitions.ctrl.slots: must be at most 64');
    at('max_travelers: 4', 'max_travelers: 1000', 'partitions.ctrl.max_travelers: must be at most 64');
    at('tick_us: 1000', 'tick_us: 99999999999', 'nodes[0].tick_us: must be at most 10000000');
    at('instructions_per_tick: 200', 'instructions_per_tick: 1000000000000', 'nodes[0].cpu.instructions_per_tick: must be at most 10000000');
    at('capacity: 4', 'capacity: 10000000', 'providers.inbox.capacity: must be at most 65536');
    at('name: field-a', `name: ${'n'.repeat(200)}`, 'nodes[0].name: must be at most 128 characters long');
  });

  it('20,000 unknown keys: each reported at its own line', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `bogus_${i}: 1`);
    const text = `${BASE}${keys.join('\n')}\n`;
    const first = lineOf(text, 'bogus_0:');
    const found = parseClusterText(text, 'c.yaml').problems;
    expect(found).to.have.length(20_000);
    found.forEach((p, i) => expect(p.message).to.equal(`c.yaml:${first + i}: unknown property "bogus_${i}"`));
  });
});
