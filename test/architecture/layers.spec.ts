/**
 * The layers of src/ (README, "Layout"): each area imports only the areas below
 * it, and only through their index.ts. The check runs on the real tree, and on a
 * planted violation of each rule, so it is seen to say no.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { importsOf, LAYERS, layerViolations, LIGHT_ENTRIES } from '../support/import-graph.ts';

const SRC = path.resolve('src');

describe('the layers of src/', function () {
  it('hold: no area imports one above it or reaches into another area', () => {
    expect(layerViolations(SRC)).to.deep.equal([]);
  });

  it('let other areas import only dependency-free modules directly (the CLI registers commands without loading grpc-js)', () => {
    // A light entry imports only other light entries (and nothing from outside src/).
    for (const entry of LIGHT_ENTRIES) {
      const text = fs.readFileSync(path.join(SRC, entry), 'utf8');
      const specs = [...text.matchAll(/^import[^']*'([^']+)'/gm)].map((m) => m[1]!);
      // Node's own modules are no dependency.
      for (const spec of specs.filter((s) => !s.startsWith('node:'))) expect(LIGHT_ENTRIES, `${entry} imports ${spec}`).to.include(path.join(path.dirname(entry), spec));
    }
  });

  it('name every area of src/', () => {
    const areas = fs.readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(areas.filter((a) => !(LAYERS as readonly string[]).includes(a))).to.deep.equal([]);
  });

  it('see the imports there are (the check reads real edges, not nothing)', () => {
    const edges = new Set(importsOf(SRC).map((i) => `${i.from.split(path.sep)[0]}>${i.to.split(path.sep)[0]}`));
    for (const e of ['migtask>partition', 'hypervisor>migtask', 'cli>hypervisor', 'machine>config', 'config>common']) expect(edges, e).to.include(e);
  });

  describe('on a planted violation', function () {
    let dir: string;
    const plant = (file: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };

    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-layers-'));
      plant('partition/index.ts', "export { Partition } from './partition.ts';\n");
      plant('partition/partition.ts', 'export class Partition {}\n');
      plant('hypervisor/index.ts', "export { Node } from './node.ts';\n");
      plant('hypervisor/node.ts', "import { Partition } from '../partition/index.ts';\nexport class Node { p = Partition; }\n");
    });

    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('passes the clean tree', () => {
      expect(layerViolations(dir)).to.deep.equal([]);
    });

    it('fails an upward import (partition importing hypervisor), naming file and line', () => {
      plant('partition/uses-node.ts', "\nimport type { Node } from '../hypervisor/index.ts';\nexport type N = Node;\n");
      expect(layerViolations(dir)).to.deep.equal([
        `src/partition/uses-node.ts:2: partition imports hypervisor, which is above it (${LAYERS.join(' < ')})`,
      ]);
    });

    it('fails an import into another area\'s internals', () => {
      plant('hypervisor/deep.ts', "export { Partition } from '../partition/partition.ts';\n");
      expect(layerViolations(dir)).to.deep.equal(['src/hypervisor/deep.ts:1: reaches into partition/partition.ts; import it from partition/index.ts']);
    });

    it('fails a dynamic import upward', () => {
      plant('partition/lazy.ts', "export const load = () => import('../hypervisor/index.ts');\n");
      expect(layerViolations(dir)).to.have.length(1);
    });

    it('fails an area that has no place in the layer order', () => {
      plant('gizmo/index.ts', 'export const x = 1;\n');
      expect(layerViolations(dir)).to.deep.equal(['src/gizmo: an area without a place in the layer order (add it to LAYERS)']);
    });

    it('fails export * across areas', () => {
      plant('hypervisor/all.ts', "export * from '../partition/index.ts';\n");
      expect(layerViolations(dir)).to.deep.equal(['src/hypervisor/all.ts:1: export * from another area (partition); name what you re-export']);
    });
  });
});
