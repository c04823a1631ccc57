// The YAML examples of README.md parse (a reader copies them into a cluster file).
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parseDocument } from 'yaml';

describe('README YAML examples', () => {
  it('every ```yaml block is valid YAML', () => {
    const text = readFileSync('README.md', 'utf8');
    const blocks = [...text.matchAll(/```ya?ml\n([\s\S]*?)```/g)];
    expect(blocks.length).to.be.greaterThan(0);
    for (const b of blocks) {
      const line = text.slice(0, b.index).split('\n').length;
      expect(parseDocument(b[1]!).errors.map((e) => `README.md:${line}: ${e.message.split('\n')[0]}`)).to.deep.equal([]);
    }
  });
});

describe('README scenario example', () => {
  it('is config/scenarios/counter-sink-lost.yaml as shipped (which npm test runs), without its comment lines', () => {
    const text = readFileSync('README.md', 'utf8');
    const section = text.slice(text.indexOf('## Testing a migration'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const shipped = readFileSync('config/scenarios/counter-sink-lost.yaml', 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    expect(block.trimEnd()).to.equal(shipped.trimEnd());
  });
});
